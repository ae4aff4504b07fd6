package io.ebpfagent.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsMatchTheBrief() {
        AgentConfig config = AgentConfig.defaults();
        assertThat(config.enabled()).isTrue();
        assertThat(ConfigSchema.PROBES).allSatisfy(p -> assertThat(config.probeEnabled(p))
                // syscalls, profile and io (its read/write hooks cost 1-2 us per call) are opt-in
                .as(p).isEqualTo(!p.equals("syscalls") && !p.equals("profile") && !p.equals("io")));
        assertThat(config.get(ConfigSchema.PROFILE_FREQUENCY_HZ)).isEqualTo(49);
        assertThat(config.get(ConfigSchema.SCHED_OFFCPU_THRESHOLD)).isEqualTo(Duration.ofMillis(10));
        assertThat(config.otlpEndpoint()).isEqualTo("http://localhost:4317");
        assertThat(config.get(ConfigSchema.PROMETHEUS_HOST)).as("scrapes from this machine only").isEqualTo("127.0.0.1");
    }

    @Test
    void secretsNeverAppearInTheDescription() throws Exception {
        AgentConfig config = load("""
                exporter:
                  prometheus:
                    host: 0.0.0.0
                    tls:
                      keystore: /etc/agent.p12
                      keystore_password: ks-pass-1
                    basic_auth:
                      username: scraper
                      password: auth-pass-2
                  otlp:
                    headers:
                      authorization: Bearer token-3
                """, Map.of(), new Properties());
        assertThat(config.get(ConfigSchema.PROMETHEUS_BASIC_AUTH_PASSWORD)).isEqualTo("auth-pass-2");
        assertThat(config.describeNonDefaults()).contains("exporter.prometheus.tls.keystore=/etc/agent.p12",
                        "exporter.prometheus.basic_auth.username=scraper", "exporter.prometheus.basic_auth.password=<secret>")
                .doesNotContain("ks-pass-1").doesNotContain("auth-pass-2").doesNotContain("token-3");
    }

    @Test
    void readsFileWithAllValueKinds() throws Exception {
        AgentConfig config = load("""
                agent:
                  log_level: DEBUG
                probes:
                  sched:
                    offcpu_threshold: 250us
                  syscalls:
                    enabled: true
                threads:
                  group_patterns:
                    - pattern: "http-nio-(\\\\d+)-exec-\\\\d+"
                      group: "http-$1"
                  max_distinct: 5
                exporter:
                  kind: [otlp, prometheus]
                  otlp:
                    protocol: http/protobuf
                    headers:
                      authorization: Bearer x
                  interval: 1.5s
                resource:
                  attributes:
                    service.name: shop
                instrumentation:
                  methods:
                    - com.example.Shop#buy*
                """, Map.of(), new Properties());
        assertThat(config.get(ConfigSchema.AGENT_LOG_LEVEL)).isEqualTo("debug");
        assertThat(config.get(ConfigSchema.SCHED_OFFCPU_THRESHOLD)).isEqualTo(Duration.ofNanos(250_000));
        assertThat(config.probeEnabled("syscalls")).isTrue();
        assertThat(config.get(ConfigSchema.THREADS_GROUP_PATTERNS)).singleElement()
                .satisfies(p -> assertThat(p.group()).isEqualTo("http-$1"));
        assertThat(config.exporters()).containsExactly("otlp", "prometheus");
        assertThat(config.otlpEndpoint()).isEqualTo("http://localhost:4318");
        assertThat(config.get(ConfigSchema.OTLP_HEADERS)).containsEntry("authorization", "Bearer x");
        assertThat(config.exportInterval()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.get(ConfigSchema.INSTRUMENTATION_METHODS)).singleElement()
                .satisfies(m -> assertThat(m.toString()).isEqualTo("com.example.Shop#buy*"));
        assertThat(config.source(ConfigSchema.PROFILE_FREQUENCY_HZ).kind()).isEqualTo(ConfigSource.Kind.DEFAULT);
        assertThat(config.source(ConfigSchema.THREADS_MAX_DISTINCT).detail()).endsWith("agent.yaml:12");
    }

    @Test
    void precedenceFileArgsOtelEnvEbpfEnvSystemProperties() throws Exception {
        Path file = write("probes:\n  profile:\n    frequency_hz: 10\nexporter:\n  interval: 5s\n"
                + "resource:\n  attributes:\n    team: a\n    service.name: from-file\n");
        Properties props = new Properties();
        props.setProperty("ebpf.agent.probes.profile.frequency_hz", "99");
        props.setProperty("unrelated.property", "x");
        Map<String, String> env = Map.of(
                "EBPF_AGENT_PROBES_PROFILE_FREQUENCY_HZ", "50",
                "EBPF_AGENT_SPANS_MODE", "events",
                "EBPF_AGENT_JDK", "/usr/lib/jvm/whatever",
                "OTEL_METRIC_EXPORT_INTERVAL", "2500",
                "OTEL_SERVICE_NAME", "checkout",
                "OTEL_RESOURCE_ATTRIBUTES", "region=eu%2Dwest,team=b",
                "OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%3Dt",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "https://otlp.example:4317");
        AgentConfig config = ConfigLoader.load(AgentArgs.parse("config=" + file + ",spans.min_duration=3ms"), env, props);
        assertThat(config.get(ConfigSchema.PROFILE_FREQUENCY_HZ)).isEqualTo(99);
        assertThat(config.source(ConfigSchema.PROFILE_FREQUENCY_HZ).kind()).isEqualTo(ConfigSource.Kind.SYSTEM_PROPERTY);
        assertThat(config.get(ConfigSchema.SPANS_MODE)).isEqualTo("events");
        assertThat(config.get(ConfigSchema.SPANS_MIN_DURATION)).isEqualTo(Duration.ofMillis(3));
        assertThat(config.exportInterval()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.get(ConfigSchema.RESOURCE_ATTRIBUTES)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "team", "b", "region", "eu-west", "service.name", "checkout"));
        assertThat(config.get(ConfigSchema.OTLP_HEADERS)).containsEntry("api-key", "s3cr=t");
        assertThat(config.otlpEndpoint()).isEqualTo("https://otlp.example:4317");
    }

    @Test
    void unknownKeyInFileNamesLineAndSuggests() throws Exception {
        assertThatThrownBy(() -> load("probes:\n  sched:\n    enabled: true\n    offcpu_treshold: 5ms\n", Map.of(),
                new Properties()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'probes.sched.offcpu_treshold'")
                .hasMessageContaining("agent.yaml:4")
                .hasMessageContaining("did you mean 'probes.sched.offcpu_threshold'");
        assertThatThrownBy(() -> load("probe:\n  sched:\n    enabled: true\n", Map.of(), new Properties()))
                .hasMessageContaining("did you mean 'probes'");
    }

    @Test
    void badValuesNameKeySourceAndAllowedValues() throws Exception {
        assertThatThrownBy(() -> load("spans:\n  mode: span\n", Map.of(), new Properties()))
                .hasMessageContaining("'spans.mode'").hasMessageContaining("agent.yaml:2")
                .hasMessageContaining("one of spans, events, off").hasMessageContaining("did you mean 'spans'");
        assertThatThrownBy(() -> load("probes:\n  sched:\n    offcpu_threshold: 10\n", Map.of(), new Properties()))
                .hasMessageContaining("a duration such as");
        assertThatThrownBy(() -> load("exporter:\n  kind:\n    - otlp\n    - zipkin\n", Map.of(), new Properties()))
                .hasMessageContaining("agent.yaml:4").hasMessageContaining("item 2");
        assertThatThrownBy(() -> load("probes: true\n", Map.of(), new Properties()))
                .hasMessageContaining("is a section");
        Properties props = new Properties();
        props.setProperty("ebpf.agent.probes.profile.frequency_hz", "5000");
        assertThatThrownBy(() -> load("", Map.of(), props))
                .hasMessageContaining("system property -Debpf.agent.probes.profile.frequency_hz")
                .hasMessageContaining("from 1 to 1000");
        assertThatThrownBy(() -> load("", Map.of("EBPF_AGENT_PROBES_SCHED_ENABLD", "true"), new Properties()))
                .hasMessageContaining("environment variable EBPF_AGENT_PROBES_SCHED_ENABLD")
                .hasMessageContaining("did you mean EBPF_AGENT_PROBES_SCHED_ENABLED");
        assertThatThrownBy(() -> load("", Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"), new Properties()))
                .hasMessageContaining("environment variable OTEL_EXPORTER_OTLP_PROTOCOL");
        assertThatThrownBy(() -> load("", Map.of("OTEL_METRIC_EXPORT_INTERVAL", "10s"), new Properties()))
                .hasMessageContaining("milliseconds");
        assertThatThrownBy(() -> load("a: [\n", Map.of(), new Properties()))
                .hasMessageContaining("agent.yaml:1");
    }

    @Test
    void listsAsOneString() throws Exception {
        Properties props = new Properties();
        props.setProperty("ebpf.agent.exporter.kind", "logging,prometheus");
        props.setProperty("ebpf.agent.threads.group_patterns", "worker-\\d+=workers;x{1,2}=xs");
        AgentConfig config = load("", Map.of(), props);
        assertThat(config.exporters()).isEqualTo(List.of("logging", "prometheus"));
        assertThat(config.get(ConfigSchema.THREADS_GROUP_PATTERNS)).extracting(ConfigType.GroupPattern::group)
                .containsExactly("workers", "xs");
    }

    @Test
    void missingFileIsAConfigError() {
        assertThatThrownBy(() -> ConfigLoader.load(AgentArgs.parse("config=" + dir.resolve("nope.yaml")), Map.of(),
                new Properties())).isInstanceOf(ConfigException.class).hasMessageContaining("cannot read");
    }

    @Test
    void endlessOrHugeFilesAreRefusedWithoutReadingThemWhole() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(AgentArgs.parse("config=/dev/zero"), Map.of(), new Properties()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("/dev/zero")
                .hasMessageContaining("not a regular file");
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "# " + "x".repeat(ConfigLoader.MAX_FILE_BYTES) + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(AgentArgs.parse("config=" + big), Map.of(), new Properties()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("larger than 256 KiB");
        Path binary = dir.resolve("binary.yaml");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 'a', ':', ' ', '1'});
        assertThatThrownBy(() -> ConfigLoader.load(AgentArgs.parse("config=" + binary), Map.of(), new Properties()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not UTF-8");
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() throws Exception {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < 700; i++) {
            yaml.append(" ".repeat(i)).append("k").append(i).append(":\n");
        }
        Path file = write(yaml.toString());
        Throwable[] thrown = new Throwable[1];
        // a small stack, as a JVM thread may have: the parser must not need one frame per level
        Thread parse = new Thread(null, () -> {
            try {
                ConfigLoader.load(AgentArgs.parse("config=" + file), Map.of(), new Properties());
            } catch (Throwable t) {
                thrown[0] = t;
            }
        }, "parse", 256 * 1024);
        parse.start();
        parse.join();
        assertThat(thrown[0]).isInstanceOf(ConfigException.class)
                .hasMessageContaining("agent.yaml:17").hasMessageContaining("nested deeper than 16 levels");
    }

    @Test
    void headersWithLineBreaksOrBadNamesAreRefused() throws Exception {
        assertThatThrownBy(() -> load("exporter:\n  otlp:\n    headers:\n      x-key: \"a\\r\\nInjected: 1\"\n",
                Map.of(), new Properties()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'exporter.otlp.headers'")
                .hasMessageContaining("agent.yaml:4").hasMessageContaining("line break")
                .hasMessageContaining("'a\\r\\nInjected: 1'");
        assertThatThrownBy(() -> load("", Map.of("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%0D%0Ab"), new Properties()))
                .hasMessageContaining("environment variable OTEL_EXPORTER_OTLP_HEADERS").hasMessageContaining("line break");
        assertThatThrownBy(() -> load("", Map.of("OTEL_EXPORTER_OTLP_HEADERS", "bad name=x"), new Properties()))
                .hasMessageContaining("header name 'bad name' is not allowed");
        assertThatThrownBy(() -> load("", Map.of("OTEL_EXPORTER_OTLP_HEADERS", "trace-bin=x"), new Properties()))
                .hasMessageContaining("-bin");
        // resource attributes are not headers: any text
        assertThat(load("", Map.of("OTEL_RESOURCE_ATTRIBUTES", "note=a%0Ab"), new Properties())
                .get(ConfigSchema.RESOURCE_ATTRIBUTES)).containsEntry("note", "a\nb");
    }

    @Test
    void endpointsMustBeUsableUrls() throws Exception {
        assertThatThrownBy(() -> load("", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:99999"),
                new Properties()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("port 99999 is out of range");
        assertThatThrownBy(() -> load("exporter:\n  otlp:\n    endpoint: http://:4317\n", Map.of(), new Properties()))
                .hasMessageContaining("no valid host");
        assertThatThrownBy(() -> load("exporter:\n  otlp:\n    endpoint: ftp://collector\n", Map.of(), new Properties()))
                .hasMessageContaining("scheme");
        assertThatThrownBy(() -> load("exporter:\n  otlp:\n    endpoint: http://u:p@collector:4317\n", Map.of(),
                new Properties())).hasMessageContaining("credentials");
        assertThatThrownBy(() -> load("exporter:\n  otlp:\n    endpoint: http://collector:4317 x\n", Map.of(),
                new Properties())).hasMessageContaining("URL");
        assertThat(load("exporter:\n  otlp:\n    endpoint: https://collector.example:443/otlp\n", Map.of(),
                new Properties()).otlpEndpoint()).isEqualTo("https://collector.example:443/otlp");
        assertThat(load("exporter:\n  otlp:\n    endpoint: http://[::1]:4317\n", Map.of(), new Properties())
                .otlpEndpoint()).isEqualTo("http://[::1]:4317");
    }

    @Test
    void hugeOrControlCharacterValuesAreQuotedShortAndOnOneLine() throws Exception {
        String huge = "\u0001\u001b[31m" + "v".repeat(10 * 1024 * 1024) + "\n";
        Properties props = new Properties();
        props.setProperty("ebpf.agent.spans.mode", huge);
        assertThatThrownBy(() -> load("", Map.of(), props))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).hasSizeLessThan(400).doesNotContain("\n").doesNotContain("\u001b")
                            .doesNotContain("\u0001").contains("'\\u0001\\u001b[31mvvv").contains("(10485767 characters)");
                });
    }

    private AgentConfig load(String yaml, Map<String, String> env, Properties props) throws Exception {
        return ConfigLoader.load(AgentArgs.parse("config=" + write(yaml)), env, props);
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
