package io.ebpfagent.e2e.apps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A small application instrumented with the plain OpenTelemetry SDK (no OTel Java agent), run as
 * a child JVM by the e2e tests. It exports its own spans over OTLP/HTTP to
 * {@code -Dtraced.otlp.endpoint} and serves, on worker threads named {@code app-worker-N}:
 * <ul>
 * <li>{@code /sleep?ms=N}: an application span {@code app-sleep} that is current while the thread
 * sleeps N ms; answers the span's trace and span ids and the thread name;</li>
 * <li>{@code /cpu?ms=N}: burns N ms of this thread's own CPU time (measured with ThreadMXBean, so a
 * loaded machine makes it slower, never shorter);</li>
 * <li>{@code /alloc?mb=N}: allocates N MiB of short-lived arrays; answers how many GCs ran.</li>
 * </ul>
 * Prints {@code traced-app listening on port N} when ready.
 */
public final class TracedApp {
    @SuppressWarnings("unused")
    private static volatile byte[][] sink;

    private TracedApp() {
    }

    public static void main(String[] args) throws IOException {
        String endpoint = System.getProperty("traced.otlp.endpoint");
        if (endpoint == null) {
            throw new IllegalArgumentException("-Dtraced.otlp.endpoint=http://host:port is required");
        }
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), "traced-app"))))
                .addSpanProcessor(SimpleSpanProcessor.create(
                        OtlpHttpSpanExporter.builder().setEndpoint(endpoint + "/v1/traces").build()))
                .build();
        Tracer tracer = tracerProvider.get("io.ebpfagent.e2e.traced-app");

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, Thread.ofPlatform().name("app-worker-", 1).factory()));
        server.createContext("/sleep", handler(query -> {
            long ms = param(query, "ms", 200);
            Span span = tracer.spanBuilder("app-sleep").startSpan();
            try (Scope ignored = span.makeCurrent()) {
                Thread.sleep(ms);
            } finally {
                span.end();
            }
            return "{\"trace_id\":\"" + span.getSpanContext().getTraceId() + "\",\"span_id\":\""
                    + span.getSpanContext().getSpanId() + "\",\"thread\":\"" + Thread.currentThread().getName()
                    + "\"}";
        }));
        server.createContext("/cpu", handler(query -> {
            long ms = param(query, "ms", 100);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long start = threads.getCurrentThreadCpuTime();
            long target = start + ms * 1_000_000L;
            long x = 1;
            long now;
            do {
                for (int i = 0; i < 100_000; i++) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                }
                now = threads.getCurrentThreadCpuTime();
            } while (now < target);
            return "{\"cpu_ns\":" + (now - start) + ",\"thread\":\"" + Thread.currentThread().getName()
                    + "\",\"x\":" + (x & 1) + "}";
        }));
        server.createContext("/alloc", handler(query -> {
            long mb = param(query, "mb", 64);
            long before = collections();
            byte[][] ring = new byte[128][];
            for (long i = 0; i < mb * 128; i++) {
                byte[] chunk = new byte[8192];
                chunk[(int) (i % 8192)] = (byte) i;
                ring[(int) (i % ring.length)] = chunk;
            }
            sink = ring;
            return "{\"gc_collections_during\":" + (collections() - before) + "}";
        }));
        server.createContext("/health", handler(query -> "{\"status\":\"ok\"}"));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            server.stop(0);
            tracerProvider.close();
        }));
        server.start();
        System.out.println("traced-app listening on port " + server.getAddress().getPort());
    }

    @FunctionalInterface
    private interface Body {
        String answer(Map<String, String> query) throws Exception;
    }

    private static HttpHandler handler(Body body) {
        return exchange -> {
            try (exchange) {
                byte[] answer;
                int status;
                try {
                    answer = body.answer(query(exchange)).getBytes(StandardCharsets.UTF_8);
                    status = 200;
                } catch (Exception e) {
                    answer = e.toString().getBytes(StandardCharsets.UTF_8);
                    status = 500;
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
            }
        };
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return params;
    }

    private static long param(Map<String, String> query, String name, long defaultValue) {
        String v = query.get(name);
        return v == null ? defaultValue : Long.parseLong(v);
    }

    private static long collections() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }
}
