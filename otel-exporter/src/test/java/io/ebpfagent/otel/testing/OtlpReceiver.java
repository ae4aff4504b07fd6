package io.ebpfagent.otel.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP (protobuf) receiver for tests: a JDK {@link HttpServer} on loopback that
 * decodes {@code /v1/metrics} and {@code /v1/traces} with the official OTLP proto messages and
 * keeps every request. Reusable from other modules through the test-jar.
 */
public final class OtlpReceiver implements AutoCloseable {
    private final HttpServer server;
    private final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    private final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
    private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    /** Starts on 127.0.0.1 and a free port. */
    public static OtlpReceiver start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        OtlpReceiver r = new OtlpReceiver(s);
        s.createContext("/v1/metrics", ex -> r.handle(ex, true));
        s.createContext("/v1/traces", ex -> r.handle(ex, false));
        s.setExecutor(Executors.newFixedThreadPool(2, t -> Thread.ofPlatform().daemon().unstarted(t)));
        s.start();
        return r;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<ExportMetricsServiceRequest> metricRequests() {
        return List.copyOf(metrics);
    }

    public List<ExportTraceServiceRequest> traceRequests() {
        return List.copyOf(traces);
    }

    /** Headers of the last request, lower-case names. */
    public Map<String, String> lastHeaders() {
        return Map.copyOf(lastHeaders);
    }

    /** Every metric received so far, across requests. */
    public List<Metric> allMetrics() {
        return OtlpMessages.metrics(metrics);
    }

    /** Every span received so far, across requests. */
    public List<Span> allSpans() {
        return OtlpMessages.spans(traces);
    }

    /** Waits until a received metric matches. */
    public Metric awaitMetric(Predicate<Metric> p, Duration timeout) throws TimeoutException, InterruptedException {
        return OtlpMessages.await(this::allMetrics, p, timeout);
    }

    /** Waits until a received span matches. */
    public Span awaitSpan(Predicate<Span> p, Duration timeout) throws TimeoutException, InterruptedException {
        return OtlpMessages.await(this::allSpans, p, timeout);
    }

    private void handle(HttpExchange ex, boolean isMetrics) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            InputStream in = ex.getRequestBody();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            byte[] body = in.readAllBytes();
            byte[] response;
            try {
                if (isMetrics) {
                    metrics.add(ExportMetricsServiceRequest.parseFrom(body));
                    response = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
                } else {
                    traces.add(ExportTraceServiceRequest.parseFrom(body));
                    response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                }
            } catch (InvalidProtocolBufferException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, response.length);
            ex.getResponseBody().write(response);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
