package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One scrape of a Prometheus text-format endpoint (the agent's exporter, read directly), as
 * samples that can be filtered by name and labels and summed.
 */
public final class PrometheusText {
    /** One line: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.getOrDefault(key, "");
        }
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /** {@code GET http://127.0.0.1:<port>/metrics}, parsed. */
    public static PrometheusText scrape(int port) throws IOException, InterruptedException {
        return parse(Http.get(port, "/metrics"));
    }

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    int open = body.indexOf('"', eq);
                    StringBuilder value = new StringBuilder();
                    int j = open + 1;
                    for (; body.charAt(j) != '"'; j++) {
                        char c = body.charAt(j);
                        if (c == '\\') {
                            c = body.charAt(++j);
                            value.append(c == 'n' ? '\n' : c);
                        } else {
                            value.append(c);
                        }
                    }
                    labels.put(body.substring(i, eq).strip(), value.toString());
                    i = j + 1;
                    while (i < body.length() && (body.charAt(i) == ',' || body.charAt(i) == ' ')) {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new PrometheusText(samples);
    }

    /** The sum of the samples named {@code name} whose labels match. */
    public double sum(String name, Predicate<Sample> filter) {
        return samples.stream().filter(s -> s.name().equals(name) && filter.test(s)).mapToDouble(Sample::value).sum();
    }

    /** The sum of the samples named {@code name} with label {@code key} equal to {@code value}. */
    public double sum(String name, String key, String value) {
        return sum(name, s -> value.equals(s.label(key)));
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }
}
