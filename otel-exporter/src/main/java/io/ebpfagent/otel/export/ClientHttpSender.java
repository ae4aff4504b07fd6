package io.ebpfagent.otel.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The OTLP/HTTP transport: one POST per export on a JDK {@link HttpClient} of its own, which
 * {@link #shutdown()} and {@link #abort()} end with {@code shutdownNow()}. (The SDK's JDK sender
 * closes its client with {@code close()}, which waits for requests in flight: against a backend
 * that never answers, its selector thread would sit in native code until the JVM's exit gives up
 * waiting for it, 300 ms later.) Headers, timeouts, compression and TLS as configured; no
 * retries: the next export interval is the retry, as for gRPC ({@link ChannelGrpcSender}).
 */
final class ClientHttpSender implements HttpSender, Transports.Transport {
    private final HttpSenderConfig config;
    private final HttpClient client;
    private final ExecutorService executor;

    ClientHttpSender(HttpSenderConfig config) {
        this.config = config;
        AtomicInteger count = new AtomicInteger();
        this.executor = config.getExecutorService() != null ? null : Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ebpf-agent-otlp-http-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.getConnectTimeout())
                .executor(config.getExecutorService() != null ? config.getExecutorService() : executor);
        if (config.getSslContext() != null) {
            b.sslContext(config.getSslContext());
        }
        this.client = b.build();
    }

    @Override
    public void send(MessageWriter message, Consumer<HttpResponse> onResponse, Consumer<Throwable> onError) {
        HttpRequest request;
        try {
            HttpRequest.Builder r = HttpRequest.newBuilder(config.getEndpoint()).timeout(config.getTimeout())
                    .header("Content-Type", config.getContentType());
            if (config.getHeadersSupplier() != null) {
                Map<String, List<String>> headers = config.getHeadersSupplier().get();
                if (headers != null) {
                    headers.forEach((name, values) -> values.forEach(v -> r.header(name, v)));
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(Math.max(32, message.getContentLength()));
            if (config.getCompressor() != null) {
                r.header("Content-Encoding", config.getCompressor().getEncoding());
                try (OutputStream out = config.getCompressor().compress(body)) {
                    message.writeMessage(out);
                }
            } else {
                message.writeMessage(body);
            }
            request = r.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        } catch (IOException | RuntimeException e) {
            onError.accept(e);
            return;
        }
        long limit = Math.max(0, Math.min(Integer.MAX_VALUE - 8, config.getMaxResponseBodySize()));
        client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream()).whenComplete((response, error) -> {
            if (error != null) {
                onError.accept(error);
                return;
            }
            try (InputStream in = response.body()) {
                byte[] bytes = in.readNBytes((int) limit);
                onResponse.accept(new Response(response.statusCode(), "HTTP " + response.statusCode(), bytes));
            } catch (IOException | UncheckedIOException e) {
                onError.accept(e);
            }
        });
    }

    @Override
    public CompletableResultCode shutdown() {
        abort();
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public void abort() {
        client.shutdownNow();
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** The client's selector thread ends once woken; the executor's threads wait in Java. */
    @Override
    public void release() {
        client.shutdownNow();
    }

    private record Response(int getStatusCode, String getStatusMessage, byte[] getResponseBody) implements HttpResponse {
    }
}
