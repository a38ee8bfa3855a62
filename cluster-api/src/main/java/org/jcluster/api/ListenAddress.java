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
}
