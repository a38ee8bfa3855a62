package org.jcluster.examples.unmodified;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/** Netty's NIO transport, answering "pid N" on every path. Argument: the port (0: any). */
public final class NettyHello {
    private NettyHello() {
    }

    public static void main(String[] args) throws Exception {
        serve(new NioEventLoopGroup(1), new NioEventLoopGroup(), NioServerSocketChannel.class, Integer.parseInt(args[0]));
    }

    /** The hello world on the given transport; returns when the server channel closes. */
    static void serve(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> transport, int port)
            throws InterruptedException {
        byte[] body = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                                        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                                                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                                        if (HttpUtil.isKeepAlive(request)) {
                                            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                                            ctx.writeAndFlush(response);
                                        } else {
                                            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                                        }
                                    }
                                });
                    }
                })
                .bind(port).sync().channel();
        System.out.println("listening on " + ((InetSocketAddress) server.localAddress()).getPort());
        server.closeFuture().sync();
    }
}
