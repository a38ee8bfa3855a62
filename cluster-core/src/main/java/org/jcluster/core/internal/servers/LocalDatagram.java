package org.jcluster.core.internal.servers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;

import org.jcluster.api.AddressType;
import org.jcluster.api.ClusterDatagramSocket;
import org.jcluster.api.DatagramOptions;
import org.jcluster.api.ListenAddress;
import org.jcluster.api.ListenException;
import org.jcluster.api.ServerOptions;

/** A UDP socket outside any cluster: a plain JDK DatagramChannel. */
public final class LocalDatagram implements ClusterDatagramSocket {
    private final DatagramChannel channel;
    private final ListenAddress address;

    private LocalDatagram(DatagramChannel channel, ListenAddress address) {
        this.channel = channel;
        this.address = address;
    }

    public static LocalDatagram bind(DatagramOptions options) throws IOException {
        if (options.ipv6Only()) {
            throw new ListenException("EINVAL", "ipv6Only needs the socket to come from a jcluster primary; a JDK"
                    + " DatagramChannel cannot be made IPv6-only: bind the IPv6 host you want instead of ::");
        }
        boolean v6 = options.type() == AddressType.UDP6;
        DatagramChannel channel = DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            InetAddress host = options.host().isPresent() ? Addresses.resolve(options.host().get()) : null;
            channel.bind(host == null ? new InetSocketAddress(options.port()) : new InetSocketAddress(host, options.port()));
            return new LocalDatagram(channel, Addresses.listenAddress(channel.getLocalAddress(), true));
        } catch (IOException e) {
            channel.close();
            throw Addresses.listenError(e, options.host().map(h -> ServerOptions.tcp(h, options.port()))
                    .orElseGet(() -> ServerOptions.tcp(options.port())));
        }
    }

    @Override
    public ListenAddress address() {
        return address;
    }

    @Override
    public DatagramChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        LocalServer.closeQuietly(channel);
    }
}
