package io.ebpfagent.otel.export;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * The OTLP/gRPC transport: one unary call per export on a grpc-java channel (Netty, shaded).
 *
 * <p>Why not the SDK's senders: the OkHttp one drags Kotlin into the agent, and the 1.65 release
 * of the grpc-java one does not resolve. The OTLP exporters accept any {@link GrpcSender}; this
 * is a minimal one: plaintext for {@code http://}, TLS (system trust, or the exporter's trust
 * manager) for {@code https://}, headers, deadline, compression by name. No retries: the next
 * export interval is the retry, as with the SDK's default retry policy disabled.
 */
final class ChannelGrpcSender implements GrpcSender, Transports.Transport {
    private final ManagedChannel channel;
    private final EventLoopGroup events;
    private final MethodDescriptor<MessageWriter, byte[]> method;
    private final GrpcSenderConfig config;

    ChannelGrpcSender(GrpcSenderConfig config) {
        this.config = config;
        URI endpoint = config.getEndpoint();
        boolean tls = "https".equalsIgnoreCase(endpoint.getScheme());
        int port = endpoint.getPort() > 0 ? endpoint.getPort() : tls ? 443 : 80;
        // an event loop of our own (grpc's shared one lives on for a second after its last
        // channel): its thread sits in native code while it waits, which holds the JVM's exit
        // for up to 300 ms (UserThreadWaitAttemptsAtExit) unless it is shut down first
        this.events = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ebpf-agent-otlp-grpc", true),
                NioIoHandler.newFactory());
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(endpoint.getHost(), port)
                .eventLoopGroup(events).channelType(NioSocketChannel.class)
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.getConnectTimeout().toMillis()));
        if (tls) {
            b.useTransportSecurity();
            if (config.getTrustManager() != null) {
                try {
                    b.sslContext(GrpcSslContexts.forClient().trustManager(config.getTrustManager()).build());
                } catch (SSLException e) {
                    throw new IllegalStateException("cannot set up TLS for " + endpoint, e);
                }
            }
        } else {
            b.usePlaintext();
        }
        if (config.getExecutorService() != null) {
            b.executor(config.getExecutorService());
        }
        this.channel = b.build();
        this.method = MethodDescriptor.<MessageWriter, byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(config.getFullMethodName())
                .setRequestMarshaller(new WriterMarshaller())
                .setResponseMarshaller(new BytesMarshaller(config.getMaxResponseBodySize()))
                .build();
    }

    @Override
    public void send(MessageWriter request, Consumer<GrpcResponse> onResponse, Consumer<Throwable> onError) {
        try {
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(config.getTimeout().toNanos(), TimeUnit.NANOSECONDS);
            if (config.getCompressor() != null) {
                options = options.withCompression(config.getCompressor().getEncoding());
            }
            Metadata headers = new Metadata();
            if (config.getHeadersSupplier() != null) {
                Map<String, List<String>> h = config.getHeadersSupplier().get();
                if (h != null) {
                    h.forEach((k, values) -> values.forEach(v ->
                            headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v)));
                }
            }
            ClientCall<MessageWriter, byte[]> call = channel.newCall(method, options);
            call.start(new ClientCall.Listener<>() {
                private byte[] message;

                @Override
                public void onMessage(byte[] m) {
                    message = m;
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    onResponse.accept(new Response(GrpcStatusCode.fromValue(status.getCode().value()),
                            status.getDescription(), message == null ? new byte[0] : message));
                }
            }, headers);
            call.request(1);
            call.sendMessage(request);
            call.halfClose();
        } catch (RuntimeException e) {
            onError.accept(e);
        }
    }

    /**
     * The SDK shuts an exporter down after its last export has completed (or been given up), so
     * nothing is waited for: waiting for the channel's and the event loop's termination would only
     * lengthen a JVM's exit, whose shutdown hook waits for this result.
     */
    @Override
    public CompletableResultCode shutdown() {
        channel.shutdown();
        release();
        return CompletableResultCode.ofSuccess();
    }

    /**
     * Fails what is in flight and ends the event loop thread now. The loop first: its shutdown
     * only flags it and wakes its selector, so the thread leaves native code at once, while the
     * channel's {@code shutdownNow} runs code not run before (0.1-0.6 s of class loading at an
     * exit) during which the JVM's exit may already have begun waiting for that thread.
     */
    @Override
    public void abort() {
        release();
        channel.shutdownNow();
    }

    @Override
    public void release() {
        events.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }

    private record Response(GrpcStatusCode getStatusCode, String getStatusDescription, byte[] getResponseMessage)
            implements GrpcResponse {}

    /** Serialises the exporter's message into one buffer of its known length. */
    private static final class WriterMarshaller implements MethodDescriptor.Marshaller<MessageWriter> {
        @Override
        public InputStream stream(MessageWriter value) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, value.getContentLength()));
            try {
                value.writeMessage(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ByteArrayInputStream(out.toByteArray());
        }

        @Override
        public MessageWriter parse(InputStream stream) {
            throw new UnsupportedOperationException("client side only");
        }
    }

    private record BytesMarshaller(long limit) implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                byte[] b = stream.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, limit)));
                return b;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
