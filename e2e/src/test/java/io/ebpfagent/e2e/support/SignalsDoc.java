package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tables of docs/SIGNALS.md, read as a user reads them: the metrics (name, unit, attribute
 * keys) of the "Metrics" section, the kernel spans (name, attribute keys) and the attributes every
 * kernel span has.
 */
public record SignalsDoc(Map<String, MetricDoc> metrics, Map<String, Set<String>> spans, Set<String> spanAttributes) {
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /** A metric row: its unit as written (`{event}` or s) and its attribute keys. */
    public record MetricDoc(String unit, Set<String> attributes) {
    }

    public static SignalsDoc read() throws IOException {
        return parse(Files.readString(JavaProcess.repoRoot().resolve("docs/SIGNALS.md")));
    }

    static SignalsDoc parse(String text) {
        Map<String, MetricDoc> metrics = new LinkedHashMap<>();
        Map<String, Set<String>> spans = new LinkedHashMap<>();
        Set<String> spanAttributes = new LinkedHashSet<>();
        String section = "";
        List<String> header = List.of();
        for (String line : text.split("\n")) {
            if (line.startsWith("## ")) {
                section = line;
                header = List.of();
                continue;
            }
            if (!line.startsWith("|")) {
                header = List.of();
                continue;
            }
            List<String> cells = cells(line);
            if (header.isEmpty()) {
                header = cells;
                continue;
            }
            if (cells.getFirst().startsWith("---")) {
                continue;
            }
            String first = header.getFirst();
            if (section.startsWith("## Metrics") && first.equals("metric")) {
                String unit = cells.get(header.indexOf("unit")).replace("`", "");
                metrics.put(codes(cells.getFirst()).getFirst(),
                        new MetricDoc(unit, new LinkedHashSet<>(codes(cells.get(header.indexOf("attributes"))))));
            } else if (section.startsWith("## Kernel-derived child spans") && first.equals("span")) {
                spans.put(codes(cells.getFirst()).getFirst(),
                        new LinkedHashSet<>(codes(cells.get(header.indexOf("attributes")))));
            } else if (section.startsWith("## Kernel-derived child spans") && first.equals("span attribute")) {
                spanAttributes.addAll(codes(cells.getFirst()));
            }
        }
        return new SignalsDoc(metrics, spans, spanAttributes);
    }

    /** The documented span a span name is an instance of ({@code syscall <name>} for {@code syscall read}). */
    public String spanOf(String name) {
        for (String documented : spans.keySet()) {
            int placeholder = documented.indexOf(" <");
            if (documented.equals(name) || (placeholder > 0 && name.startsWith(documented.substring(0, placeholder + 1)))) {
                return documented;
            }
        }
        return null;
    }

    private static List<String> cells(String line) {
        String inner = line.strip();
        inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
        List<String> out = new ArrayList<>();
        for (String c : inner.split("\\|", -1)) {
            out.add(c.strip());
        }
        return out;
    }

    private static List<String> codes(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
