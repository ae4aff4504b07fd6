package io.ebpfagent.otel.testing;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A real OTLP/gRPC receiver for tests: grpc-java (Netty) on loopback serving the official
 * {@code MetricsService/Export} and {@code TraceService/Export}, keeping every request.
 */
public final class OtlpGrpcReceiver implements AutoCloseable {
    private final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    private final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
    private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    private final Server server;

    private OtlpGrpcReceiver() throws IOException {
        ServerInterceptor headers = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata md, ServerCallHandler<Q, R> next) {
                for (String k : md.keys()) {
                    if (!k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                        String v = md.get(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER));
                        if (v != null) {
                            lastHeaders.put(k, v);
                        }
                    }
                }
                return next.startCall(call, md);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(new MetricsServiceGrpc.MetricsServiceImplBase() {
                    @Override
                    public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> out) {
                        metrics.add(request);
                        out.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                        out.onCompleted();
                    }
                }, headers))
                .addService(ServerInterceptors.intercept(new TraceServiceGrpc.TraceServiceImplBase() {
                    @Override
                    public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
                        traces.add(request);
                        out.onNext(ExportTraceServiceResponse.getDefaultInstance());
                        out.onCompleted();
                    }
                }, headers))
                .build().start();
    }

    /** Starts on 127.0.0.1 and a free port. */
    public static OtlpGrpcReceiver start() throws IOException {
        return new OtlpGrpcReceiver();
    }

    /** e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getPort();
    }

    public List<ExportMetricsServiceRequest> metricRequests() {
        return List.copyOf(metrics);
    }

    public List<ExportTraceServiceRequest> traceRequests() {
        return List.copyOf(traces);
    }

    /** Metadata of the last call (ASCII keys). */
    public Map<String, String> lastHeaders() {
        return Map.copyOf(lastHeaders);
    }

    public List<Metric> allMetrics() {
        return OtlpMessages.metrics(metrics);
    }

    public List<Span> allSpans() {
        return OtlpMessages.spans(traces);
    }

    public Metric awaitMetric(Predicate<Metric> p, Duration timeout) throws TimeoutException, InterruptedException {
        return OtlpMessages.await(this::allMetrics, p, timeout);
    }

    public Span awaitSpan(Predicate<Span> p, Duration timeout) throws TimeoutException, InterruptedException {
        return OtlpMessages.await(this::allSpans, p, timeout);
    }

    @Override
    public void close() {
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
