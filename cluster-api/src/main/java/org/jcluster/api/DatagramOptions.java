package org.jcluster.api;

import java.util.Objects;
import java.util.Optional;

/**
 * What a UDP socket binds: its family (as Node's "udp4"/"udp6"), an optional host, a port. Datagram
 * sockets are always shared in a cluster: every worker that binds equal options reads from the one
 * socket the primary bound (never round-robin, whatever the scheduling policy).
 *
 * @param type     {@link AddressType#UDP4} or {@link AddressType#UDP6}
 * @param host     the address to bind; empty binds every address of the family
 * @param port     0 to 65535; 0 asks for a free port, shared by every worker that binds equal options
 * @param ipv6Only for udp6 on {@code ::}, receive IPv6 only instead of dual-stack
 */
public record DatagramOptions(AddressType type, Optional<String> host, int port, boolean ipv6Only) {
    public DatagramOptions {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(host, "host");
        if (type != AddressType.UDP4 && type != AddressType.UDP6) {
            throw new IllegalArgumentException("a datagram socket is udp4 or udp6, not " + type.nodeValue());
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a UDP port: use 0 to 65535 (0 picks a free one)");
        }
        if (ipv6Only && type != AddressType.UDP6) {
            throw new IllegalArgumentException("ipv6Only applies to udp6 sockets only");
        }
    }

    /** UDP over IPv4 on every address. */
    public static DatagramOptions udp4(int port) {
        return new DatagramOptions(AddressType.UDP4, Optional.empty(), port, false);
    }

    /** UDP over IPv6 (dual-stack) on every address. */
    public static DatagramOptions udp6(int port) {
        return new DatagramOptions(AddressType.UDP6, Optional.empty(), port, false);
    }

    public DatagramOptions withHost(String host) {
        return new DatagramOptions(type, Optional.of(Objects.requireNonNull(host, "host")), port, ipv6Only);
    }

    public DatagramOptions withIpv6Only(boolean ipv6Only) {
        return new DatagramOptions(type, host, port, ipv6Only);
    }
}
