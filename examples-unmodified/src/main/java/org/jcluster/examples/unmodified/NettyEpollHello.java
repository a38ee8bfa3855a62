package org.jcluster.examples.unmodified;

import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;

/**
 * {@link NettyHello} on Netty's native epoll transport, which binds without the JDK (so jcluster's agent
 * cannot share its port, and says so). Argument: the port (0: any).
 */
public final class NettyEpollHello {
    private NettyEpollHello() {
    }

    public static void main(String[] args) throws Exception {
        NettyHello.serve(new EpollEventLoopGroup(1), new EpollEventLoopGroup(), EpollServerSocketChannel.class,
                Integer.parseInt(args[0]));
    }
}
