package org.jcluster.examples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import org.jcluster.api.ConnectionHandler;

/**
 * A worker's HTTP hello world on Netty: every connection jcluster hands over (a connected, blocking
 * JDK {@link SocketChannel}) is made non-blocking, wrapped in a {@link NioSocketChannel} and registered
 * with one {@link NioEventLoopGroup}. Answers every request with {@code Hello World\n} (text/plain, with
 * content-length), keeps connections alive unless the client asks for {@code Connection: close} (or
 * speaks HTTP/1.0 without keep-alive), and counts the requests it answered.
 *
 * <p>{@link #drain()} is the graceful part: from then on every response says {@code Connection: close}
 * and closes its connection, and a connection that has been quiet for {@link #IDLE_GRACE_MS} closes as
 * it is. Without it a graceful disconnect would wait for idle keep-alive connections forever (Node rule
 * 16: a worker's servers, and their connections, close before its channel does).
 *
 * <p>Threads: {@link #onConnection} runs on jcluster's connection thread; everything about one
 * connection runs on its event loop; {@link #drain()} runs anywhere and hands each connection's part to
 * that connection's loop.
 */
final class HelloServer implements ConnectionHandler {
    private static final byte[] BODY = "Hello World\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BAD_REQUEST = "Bad Request\n".getBytes(StandardCharsets.US_ASCII);
    /**
     * The answer's headers, built once: immutable, so every connection on every thread shares them (a
     * response's headers are otherwise its largest allocation). HttpServerCodec only changes the headers
     * of 1xx, 204 and 205 responses, and of a 2xx answer to CONNECT, which get headers of their own.
     */
    private static final HttpHeaders KEEP_ALIVE = headers(BODY.length, null);
    private static final HttpHeaders KEEP_ALIVE_HTTP_1_0 = headers(BODY.length, HttpHeaderValues.KEEP_ALIVE);
    private static final HttpHeaders CLOSE = headers(BODY.length, HttpHeaderValues.CLOSE);
    private static final long IDLE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(HelloServer.IDLE_GRACE_MS);

    /**
     * How long a keep-alive connection must have been quiet before a drain closes it without a response.
     * Closing a connection whose client is sending its next request at that moment loses the request (the
     * client sees the connection end without an answer): a busy client's next request follows its last
     * response within microseconds to milliseconds, so a connection quiet for this long is idle, and one
     * that is not gets {@code Connection: close} on its next response instead.
     */
    static final long IDLE_GRACE_MS = 200;

    private final EventLoopGroup group;
    private final LongAdder requests = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** Connections handed to Netty and not closed yet, registered or not (unlike {@link #open}). */
    private final AtomicInteger live = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean draining;

    HelloServer(int threads) {
        // Netty's usual non-daemon threads, as a real service has: the worker stops them once
        // disconnected (Demo), as a Node worker must close its servers to end.
        group = new NioEventLoopGroup(threads, new DefaultThreadFactory("demo-http", false));
    }

    private static HttpHeaders headers(int contentLength, CharSequence connection) {
        List<CharSequence> pairs = new ArrayList<>(List.of(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN,
                HttpHeaderNames.CONTENT_LENGTH, AsciiString.of(Integer.toString(contentLength))));
        if (connection != null) {
            pairs.add(HttpHeaderNames.CONNECTION);
            pairs.add(connection);
        }
        return new ReadOnlyHttpHeaders(false, pairs.toArray(CharSequence[]::new));
    }

    /**
     * Serves {@code requests} keep-alive requests over one loopback connection to itself, through the
     * same path as a real connection, then forgets them in the counts. A JVM's first connection
     * otherwise pays for loading and first-running all of Netty's pipeline (0.4-1.3 s measured): under
     * round-robin that worker then sits on its second connection, unacknowledged, while the first burst
     * of a benchmark goes to the others (31 of 32 connections in one trial). Call before listening.
     */
    void warmUp(int requests) throws IOException {
        byte[] request = "GET / HTTP/1.1\r\nHost: warm-up\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] last = "GET / HTTP/1.1\r\nHost: warm-up\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
                onConnection(listener.accept());
                ByteBuffer in = ByteBuffer.allocate(4096);
                String body = new String(BODY, StandardCharsets.US_ASCII);
                for (int i = 0; i < requests; i++) {
                    client.write(ByteBuffer.wrap(i == requests - 1 ? last : request));
                    StringBuilder response = new StringBuilder();
                    while (response.indexOf(body) < 0) { // blocking reads until the body has come
                        in.clear();
                        if (client.read(in) < 0) {
                            throw new IOException("the warm-up connection closed after " + i + " responses");
                        }
                        response.append(StandardCharsets.US_ASCII.decode(in.flip()));
                    }
                }
                in.clear();
                while (client.read(in) >= 0) { // the server closes after the last response
                    in.clear();
                }
            }
        }
        this.requests.reset();
        connections.reset();
    }

    /** Requests answered so far. */
    long requests() {
        return requests.sum();
    }

    /** Connections taken so far. */
    long connections() {
        return connections.sum();
    }

    @Override
    public void onConnection(SocketChannel connection) throws IOException {
        // No draining check: the server is closed before a drain, so only connections it admitted
        // before that arrive here, and a drain closes them once registered (see Connection).
        connection.configureBlocking(false);
        NioSocketChannel channel = new NioSocketChannel(connection);
        channel.pipeline().addLast(new HttpServerCodec(), new Connection());
        live.incrementAndGet();
        channel.closeFuture().addListener(closed -> { // also when the registration fails
            live.decrementAndGet();
            completeIfDrained();
        });
        group.register(channel);
        connections.increment();
    }

    /**
     * Stops keeping connections alive: busy ones close after their current response, quiet ones once
     * they have been quiet for {@link #IDLE_GRACE_MS}. Called after the server was closed, so no new
     * connection comes but those it admitted before. Idempotent.
     *
     * @return {@link #drained()}
     */
    CompletableFuture<Void> drain() {
        draining = true;
        for (Connection c : open) {
            c.ctx.executor().execute(c::closeIfIdle);
        }
        completeIfDrained();
        return drained;
    }

    /** Completes once a drain began and every connection is closed. */
    CompletableFuture<Void> drained() {
        return drained;
    }

    private void completeIfDrained() {
        if (draining && live.get() == 0) {
            drained.complete(null);
        }
    }

    /** Closes whatever is still open, mid-request or not (after a drain that took too long). */
    void closeAll() {
        for (Connection c : open) {
            c.ctx.close();
        }
    }

    /**
     * Ends the event loops, running what is queued on them first (a response being written, say); waits
     * at most {@code timeoutMs} for them to end.
     */
    void shutdown(long timeoutMs) {
        group.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMs);
    }

    /**
     * One connection's state, touched only on its event loop. A request is answered once it has been
     * read completely ({@link LastHttpContent}); responses are flushed when a read completes, so
     * pipelined requests go out together.
     */
    private final class Connection extends ChannelInboundHandlerAdapter {
        ChannelHandlerContext ctx;
        /** The current request's version and keep-alive wish, between its head and its end. */
        private HttpVersion version;
        private boolean keepAlive;
        private boolean inRequest;
        /** The current request is a CONNECT. */
        private boolean connect;
        /** A response that closes the connection went out: ignore anything after it. */
        private boolean closing;
        /** When it last read anything (or was registered): how long it has been quiet. */
        private long lastReadNanos;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            lastReadNanos = System.nanoTime();
            open.add(this);
            if (draining) {
                closeIfIdle(); // registered while a drain went over the open set
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            open.remove(this);
            super.channelInactive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastReadNanos = System.nanoTime();
            try {
                if (closing) {
                    return;
                }
                if (msg instanceof HttpRequest request) {
                    if (request.decoderResult().isFailure()) {
                        badRequest(ctx);
                        return;
                    }
                    version = request.protocolVersion();
                    keepAlive = HttpUtil.isKeepAlive(request);
                    connect = HttpMethod.CONNECT.equals(request.method());
                    inRequest = true;
                }
                if (msg instanceof LastHttpContent && inRequest) {
                    inRequest = false;
                    requests.increment();
                    respond(ctx, keepAlive && !draining);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx, boolean keepAlive) {
            HttpHeaders headers = !keepAlive ? CLOSE : version.isKeepAliveDefault() ? KEEP_ALIVE : KEEP_ALIVE_HTTP_1_0;
            if (connect) {
                headers = new DefaultHttpHeaders().add(headers); // the codec edits a 2xx answer to CONNECT
            }
            FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(BODY), headers, EmptyHttpHeaders.INSTANCE);
            if (keepAlive) {
                ctx.write(response); // flushed when this read completes, with any other pipelined answer
            } else {
                closing = true;
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void badRequest(ChannelHandlerContext ctx) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                    Unpooled.wrappedBuffer(BAD_REQUEST), headers(BAD_REQUEST.length, HttpHeaderValues.CLOSE),
                    EmptyHttpHeaders.INSTANCE);
            closing = true;
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        /** During a drain: closes the connection once quiet for the grace; looks again until then. */
        void closeIfIdle() {
            if (closing || !ctx.channel().isOpen()) {
                return;
            }
            long quiet = System.nanoTime() - lastReadNanos;
            if (!inRequest && quiet >= IDLE_GRACE_NANOS) {
                closing = true;
                // Through the pipeline, so that any response still being written goes out first.
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else { // a request under way closes the connection with its response; else it may come soon
                ctx.executor().schedule(this::closeIfIdle, inRequest ? IDLE_GRACE_NANOS : IDLE_GRACE_NANOS - quiet,
                        TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset by the client, typically: nothing to tell anyone
        }
    }
}
