package io.ebpfagent.otel.export;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpsConfigurator;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The Prometheus scrape endpoint ({@code /metrics}), bound to the configured address (loopback
 * by default): the Prometheus client's {@link HTTPServer} around the SDK's
 * {@link PrometheusMetricReader}, HTTPS with a keystore. Either way with optional HTTP basic authentication, and scrapes
 * served by {@link JavaagentSuppression#serverExecutor} (outside the OpenTelemetry Java agent's
 * instrumentation) with immutable data: one copy of the metrics per scrape.
 */
final class PrometheusEndpoint {
    private PrometheusEndpoint() {
    }

    static MetricReader create(ExporterConfig config, Transports transports) {
        ExporterConfig.PrometheusAccess access = config.prometheusAccess();
        if (access.basicAuth() && access.password().isEmpty()) {
            throw new IllegalArgumentException("basic authentication needs a password "
                    + "(exporter.prometheus.basic_auth.password)");
        }
        BasicAuthenticator auth = access.basicAuth() ? authenticator(access.username(), access.password()) : null;
        // One server for HTTP and HTTPS: the Prometheus client's, around the SDK's reader, behind
        // a collector that gives target_info its help text (the SDK leaves it without one, which
        // promtool reports). Scrapes run on an executor outside the OTel Java agent's
        // instrumentation, hence immutable data: one copy per scrape.
        PrometheusMetricReader reader = PrometheusMetricReader.builder().build();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new TargetInfoHelp(reader));
        HTTPServer.Builder server = HTTPServer.builder(PrometheusProperties.builder().build())
                .hostname(config.prometheusHost()).port(config.prometheusPort())
                .executorService(JavaagentSuppression.serverExecutor("ebpf-agent-prometheus", 2))
                .registry(registry);
        if (access.tls()) {
            server.httpsConfigurator(new HttpsConfigurator(sslContext(access)));
        }
        if (auth != null) {
            server.authenticator(auth);
        }
        try {
            return new WithServer(reader, transports.add(new ServerTransport(server.buildAndStart())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Prometheus endpoint on " + config.prometheusHost()
                    + ":" + config.prometheusPort() + ": " + e.getMessage(), e);
        }
    }

    /** Basic authentication against one user; the password compared in constant time. */
    static BasicAuthenticator authenticator(String username, String password) {
        byte[] expectedUser = username.getBytes(StandardCharsets.UTF_8);
        byte[] expectedPassword = password.getBytes(StandardCharsets.UTF_8);
        return new BasicAuthenticator("ebpf-agent", StandardCharsets.UTF_8) {
            @Override
            public boolean checkCredentials(String user, String pass) {
                boolean userOk = MessageDigest.isEqual(expectedUser, user.getBytes(StandardCharsets.UTF_8));
                boolean passwordOk = MessageDigest.isEqual(expectedPassword, pass.getBytes(StandardCharsets.UTF_8));
                return userOk & passwordOk;
            }
        };
    }

    /** A TLS context serving the key and certificate chain of a PKCS#12 keystore. */
    static SSLContext sslContext(ExporterConfig.PrometheusAccess access) {
        Path file = Path.of(access.keystore());
        char[] password = access.keystorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            return tls;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the keystore " + file + " for the Prometheus endpoint: " + e, e);
        }
    }

    /** The SDK's snapshots with a help text on {@code target_info}. */
    static final class TargetInfoHelp implements MultiCollector {
        static final String HELP = "Target metadata: the resource attributes of the process the agent runs in";
        private final MultiCollector delegate;

        TargetInfoHelp(MultiCollector delegate) {
            this.delegate = delegate;
        }

        @Override
        public MetricSnapshots collect() {
            MetricSnapshots snapshots = delegate.collect();
            List<MetricSnapshot> out = new ArrayList<>(snapshots.size());
            for (MetricSnapshot s : snapshots) {
                MetricMetadata m = s.getMetadata();
                if (s instanceof InfoSnapshot info && m.getName().equals("target") && m.getHelp() == null) {
                    s = new InfoSnapshot(new MetricMetadata(m.getName(), HELP), info.getDataPoints());
                }
                out.add(s);
            }
            return new MetricSnapshots(out);
        }
    }

    /**
     * The server among the transports: its dispatcher thread waits in native code (a selector),
     * which holds a {@code Runtime.halt} up to 300 ms unless the server is stopped first. Closing
     * it wakes the dispatcher, which ends; scrapes in progress fail.
     */
    static final class ServerTransport implements Transports.Transport {
        private final HTTPServer server;
        private final AtomicBoolean closed = new AtomicBoolean();

        ServerTransport(HTTPServer server) {
            this.server = server;
        }

        @Override
        public void abort() {
            release();
        }

        @Override
        public void release() {
            if (closed.compareAndSet(false, true)) {
                server.close();
            }
        }

        int port() {
            return server.getPort();
        }
    }

    /** The SDK's reader, whose shutdown also stops the server. */
    private static final class WithServer implements MetricReader {
        private final PrometheusMetricReader reader;
        private final ServerTransport server;

        WithServer(PrometheusMetricReader reader, ServerTransport server) {
            this.reader = reader;
            this.server = server;
        }

        @Override
        public void register(CollectionRegistration registration) {
            reader.register(registration);
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return reader.getAggregationTemporality(type);
        }

        @Override
        public Aggregation getDefaultAggregation(InstrumentType type) {
            return reader.getDefaultAggregation(type);
        }

        @Override
        public MemoryMode getMemoryMode() {
            return MemoryMode.IMMUTABLE_DATA;
        }

        @Override
        public CompletableResultCode forceFlush() {
            return reader.forceFlush();
        }

        @Override
        public CompletableResultCode shutdown() {
            server.release();
            return reader.shutdown();
        }

        @Override
        public String toString() {
            return "PrometheusServer{port=" + server.port() + "}";
        }
    }
}
