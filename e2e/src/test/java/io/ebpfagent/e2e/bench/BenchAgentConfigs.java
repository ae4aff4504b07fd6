package io.ebpfagent.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The agent configurations the overhead benchmarks compare, written once for all of them: a
 * Prometheus endpoint on an ephemeral port (the exporter costs what a scrape-based deployment
 * costs, not the price of printing every metric line), with the default probes or with every probe.
 * Plain JDK only: the benchmarks run with the test classes and nothing else on the class path.
 */
final class BenchAgentConfigs {
    private static final String EXPORTER = """
            exporter:
              kind: [prometheus]
              interval: 10s
              prometheus:
                port: 0
            """;

    private static final String ALL_PROBES = """
            probes:
              sched:
                enabled: true
              syscalls:
                enabled: true
              io:
                enabled: true
              net:
                enabled: true
              faults:
                enabled: true
              jvm:
                enabled: true
              profile:
                enabled: true
            """;

    private BenchAgentConfigs() {}

    /** A temporary config file with the default probes. */
    static Path defaultProbes() throws IOException {
        return write("bench-default", EXPORTER);
    }

    /** A temporary config file with every probe enabled. */
    static Path allProbes() throws IOException {
        return write("bench-all", EXPORTER + ALL_PROBES);
    }

    private static Path write(String prefix, String yaml) throws IOException {
        Path file = Files.createTempFile(prefix, ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
