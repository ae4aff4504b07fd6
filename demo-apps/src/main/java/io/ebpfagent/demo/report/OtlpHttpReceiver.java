package io.ebpfagent.demo.report;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP (protobuf) endpoint on loopback, the backend of the demo: {@code /v1/traces} and
 * {@code /v1/metrics} requests are decoded into a {@link TelemetryStore}; {@code /v1/logs} is
 * accepted and dropped.
 */
public final class OtlpHttpReceiver implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final TelemetryStore store;

    private OtlpHttpReceiver(HttpServer server, ExecutorService executor, TelemetryStore store) {
        this.server = server;
        this.executor = executor;
        this.store = store;
    }

    /** Listens on 127.0.0.1, on {@code port} (0: a free one). */
    public static OtlpHttpReceiver start(int port, TelemetryStore store) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        // two agents export at once, each with a 10 s timeout: enough threads that neither waits
        // for the other's decoding on a busy machine
        ExecutorService ex = Executors.newFixedThreadPool(4, r -> Thread.ofPlatform().daemon().name("otlp-receiver")
                .unstarted(r));
        OtlpHttpReceiver r = new OtlpHttpReceiver(s, ex, store);
        s.createContext("/v1/traces", e -> r.handle(e, Signal.TRACES));
        s.createContext("/v1/metrics", e -> r.handle(e, Signal.METRICS));
        s.createContext("/v1/logs", e -> r.handle(e, Signal.LOGS));
        s.setExecutor(ex);
        s.start();
        return r;
    }

    private enum Signal { TRACES, METRICS, LOGS }

    /** {@code http://127.0.0.1:PORT}, the OTLP/HTTP base endpoint. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex, Signal signal) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            InputStream in = ex.getRequestBody();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            byte[] body = in.readAllBytes();
            byte[] response;
            try {
                response = switch (signal) {
                    case TRACES -> {
                        store.add(ExportTraceServiceRequest.parseFrom(body));
                        yield ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                    }
                    case METRICS -> {
                        store.add(ExportMetricsServiceRequest.parseFrom(body));
                        yield ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
                    }
                    case LOGS -> new byte[0];
                };
            } catch (InvalidProtocolBufferException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
            if (response.length > 0) {
                ex.getResponseBody().write(response);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
