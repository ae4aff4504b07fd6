package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadKey;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who can reach the Prometheus endpoint: loopback by default, optional TLS and basic authentication. */
class PrometheusAccessTest {
    @TempDir
    Path dir;

    @Test
    void loopbackByDefault() throws Exception {
        assertThat(ExporterConfig.defaults().prometheusHost()).isEqualTo("127.0.0.1");
        int port = freePort();
        ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.PROMETHEUS)
                .prometheus(ExporterConfig.defaults().prometheusHost(), port).build();
        try (KernelTelemetry telemetry = ExporterSetup.create(config, ThreadKey::unknown)) {
            telemetry.onPageFaults(1, 3, 0);
            assertThat(get(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/metrics", null).statusCode())
                    .isEqualTo(200);
            Optional<InetAddress> external = externalAddress();
            if (external.isPresent()) {
                try (Socket s = new Socket()) {
                    assertThatThrownBy(() -> s.connect(new InetSocketAddress(external.get(), port), 5000))
                            .as("not reachable on %s", external.get()).isInstanceOf(ConnectException.class);
                }
            }
        }
    }

    @Test
    void basicAuthenticationOverHttp() throws Exception {
        int port = freePort();
        ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.PROMETHEUS).prometheus("127.0.0.1", port)
                .prometheusAccess(new ExporterConfig.PrometheusAccess("", "", "scraper", "s3cret")).build();
        try (KernelTelemetry telemetry = ExporterSetup.create(config, ThreadKey::unknown)) {
            telemetry.onPageFaults(1, 3, 0);
            HttpClient client = HttpClient.newHttpClient();
            String url = "http://127.0.0.1:" + port + "/metrics";
            assertThat(get(client, url, null).statusCode()).isEqualTo(401);
            assertThat(get(client, url, "scraper:wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = get(client, url, "scraper:s3cret");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("process_paging_faults");
        }
    }

    @Test
    void tlsWithBasicAuthentication() throws Exception {
        Path keystore = dir.resolve("agent.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-alias",
                "agent", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storepass", "changeit", "-validity", "2")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();
        int port = freePort();
        ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.PROMETHEUS).prometheus("127.0.0.1", port)
                .prometheusAccess(new ExporterConfig.PrometheusAccess(keystore.toString(), "changeit", "scraper", "s3cret"))
                .build();
        try (KernelTelemetry telemetry = ExporterSetup.create(config, ThreadKey::unknown)) {
            telemetry.onPageFaults(1, 3, 0);
            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(keystore)).build();
            String url = "https://127.0.0.1:" + port + "/metrics";
            assertThat(get(trusting, url, null).statusCode()).isEqualTo(401);
            HttpResponse<String> ok = get(trusting, url, "scraper:s3cret");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("process_paging_faults");
            // plain HTTP is not served, and a client that does not trust the certificate fails
            assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/metrics", null))
                    .isInstanceOf(java.io.IOException.class);
            assertThatThrownBy(() -> get(HttpClient.newHttpClient(), url, "scraper:s3cret"))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void aMissingKeystoreDisablesOnlyThePrometheusExporter() {
        ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.PROMETHEUS, ExporterKind.LOGGING)
                .prometheus("127.0.0.1", 0)
                .prometheusAccess(new ExporterConfig.PrometheusAccess(dir.resolve("none.p12").toString(), "x", "", ""))
                .build();
        try (KernelTelemetry telemetry = ExporterSetup.create(config, ThreadKey::unknown)) {
            assertThat(telemetry).isNotNull();
        }
        assertThatThrownBy(() -> PrometheusEndpoint.create(config, new Transports())).hasMessageContaining("none.p12");
    }

    private static HttpResponse<String> get(HttpClient client, String url, String credentials) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (credentials != null) {
            r.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static SSLContext trusting(Path keystore) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            trust.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Optional<InetAddress> externalAddress() throws Exception {
        List<NetworkInterface> interfaces = Collections.list(NetworkInterface.getNetworkInterfaces());
        return interfaces.stream().filter(i -> {
            try {
                return i.isUp() && !i.isLoopback();
            } catch (java.net.SocketException e) {
                return false;
            }
        }).flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst();
    }
}
