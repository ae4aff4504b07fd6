package io.ebpfagent.otel.export;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpsConfigurator;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
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
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The Prometheus scrape endpoint ({@code /metrics}), bound to the configured address (loopback
 * by default). Plain HTTP runs on the SDK's {@link PrometheusHttpServer}; with a keystore it is
 * HTTPS on the Prometheus client's {@link HTTPServer} around the SDK's
 * {@link PrometheusMetricReader}. Either way with optional HTTP basic authentication, and scrapes
 * served by {@link JavaagentSuppression#serverExecutor} (outside the OpenTelemetry Java agent's
 * instrumentation) with immutable data: one copy of the metrics per scrape.
 */
final class PrometheusEndpoint {
    private PrometheusEndpoint() {
    }

    static MetricReader create(ExporterConfig config) {
        ExporterConfig.PrometheusAccess access = config.prometheusAccess();
        if (access.basicAuth() && access.password().isEmpty()) {
            throw new IllegalArgumentException("basic authentication needs a password "
                    + "(exporter.prometheus.basic_auth.password)");
        }
        BasicAuthenticator auth = access.basicAuth() ? authenticator(access.username(), access.password()) : null;
        if (!access.tls()) {
            var b = PrometheusHttpServer.builder().setHost(config.prometheusHost()).setPort(config.prometheusPort())
                    // An executor of our own (scrapes outside the OTel Java agent's
                    // instrumentation) requires immutable data: one copy per scrape.
                    .setExecutor(JavaagentSuppression.serverExecutor("ebpf-agent-prometheus", 2))
                    .setMemoryMode(MemoryMode.IMMUTABLE_DATA);
            if (auth != null) {
                b.setAuthenticator(auth);
            }
            return b.build();
        }
        PrometheusMetricReader reader = PrometheusMetricReader.builder().build();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(reader);
        HTTPServer.Builder server = HTTPServer.builder(PrometheusProperties.builder().build())
                .hostname(config.prometheusHost()).port(config.prometheusPort())
                .executorService(JavaagentSuppression.serverExecutor("ebpf-agent-prometheus", 2))
                .registry(registry)
                .httpsConfigurator(new HttpsConfigurator(sslContext(access)));
        if (auth != null) {
            server.authenticator(auth);
        }
        try {
            return new WithServer(reader, server.buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Prometheus HTTPS endpoint on " + config.prometheusHost()
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

    /** The SDK's reader, whose shutdown also stops the HTTPS server. */
    private static final class WithServer implements MetricReader {
        private final PrometheusMetricReader reader;
        private final HTTPServer server;

        WithServer(PrometheusMetricReader reader, HTTPServer server) {
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
            server.close();
            return reader.shutdown();
        }

        @Override
        public String toString() {
            return "PrometheusHttpsServer{port=" + server.getPort() + "}";
        }
    }
}
