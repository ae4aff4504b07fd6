package io.ebpfagent.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.otel.internal.MetricNames;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric name the exporter has is in the metrics table of docs/SIGNALS.md and the table
 * names nothing else (units and attributes are checked against a running agent by SignalsIT).
 */
class SignalsDocTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_.]+)` \\| (counter|histogram|gauge) \\|", Pattern.MULTILINE);

    @Test
    void metricsTableListsExactlyTheExportersMetrics() throws Exception {
        String doc = Files.readString(Path.of("../docs/SIGNALS.md"));
        String metrics = doc.substring(doc.indexOf("\n## Metrics"));
        Set<String> documented = new TreeSet<>();
        Matcher m = ROW.matcher(metrics);
        while (m.find()) {
            if (!m.group(1).startsWith("otel.sdk.")) { // the SDK's own telemetry, not the mapping's
                documented.add(m.group(1));
            }
        }
        Set<String> names = new TreeSet<>();
        for (Field f : MetricNames.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                names.add((String) f.get(null));
            }
        }
        assertThat(documented).isEqualTo(names);
        // one namespace for what has no semantic convention
        assertThat(names).allMatch(n -> n.startsWith("kernel.") || n.startsWith("ebpf_agent.")
                || Set.of("process.cpu.time", "process.context_switches", "process.paging.faults", "process.disk.io",
                "process.network.io", "jvm.gc.duration").contains(n));
    }
}
