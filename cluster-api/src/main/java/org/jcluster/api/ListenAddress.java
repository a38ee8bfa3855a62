package org.jcluster.api;

import java.util.Objects;

/**
 * Where a worker's server listens, as carried by the 'listening' event: the real port even after a
 * listen on port 0. For a Unix-domain socket, {@code address} is the socket path and {@code port} is
 * -1.
 */
public record ListenAddress(String address, int port, AddressType addressType) {
    public ListenAddress {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(addressType, "addressType");
    }

    /** As a URL writes it: {@code 127.0.0.1:8080}, {@code [::]:8080}, or the socket path. */
    public String describe() {
        return switch (addressType) {
            case UNIX -> address;
            case TCP6, UDP6 -> "[" + address + "]:" + port;
            case TCP4, UDP4 -> address + ":" + port;
        };
    }
}
