package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What docs/backends documents for Prometheus and Grafana, read from the files themselves so the
 * tests run exactly what a user copies: the agent's and the scrape configuration, the PromQL
 * queries and the starter dashboard's queries.
 */
public final class BackendDocs {
    private static final Path DIR = Path.of("docs", "backends");
    private static final Pattern FENCE = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);

    private BackendDocs() {
    }

    public static Path prometheusPage() {
        return JavaProcess.repoRoot().resolve(DIR).resolve("prometheus-grafana.md");
    }

    public static Path dashboard() {
        return JavaProcess.repoRoot().resolve(DIR).resolve("grafana-dashboard.json");
    }

    /** The fenced {@code yaml} block that starts with {@code # prometheus.yml}. */
    public static String scrapeConfig() throws IOException {
        return yamlBlock("# prometheus.yml");
    }

    private static String yamlBlock(String firstLine) throws IOException {
        for (String block : blocks(Files.readString(prometheusPage()), "yaml")) {
            if (block.startsWith(firstLine + "\n")) {
                return block;
            }
        }
        throw new IllegalStateException("no '" + firstLine + "' yaml block in " + prometheusPage());
    }

    /** The fenced {@code yaml} block that starts with {@code # agent.yaml}. */
    public static String agentConfig() throws IOException {
        return yamlBlock("# agent.yaml");
    }

    /** Every query of the page's {@code promql} blocks (lines that are not comments). */
    public static List<String> pageQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        for (String block : blocks(Files.readString(prometheusPage()), "promql")) {
            block.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(queries::add);
        }
        return queries;
    }

    /** Every panel query ({@code targets[].expr}) of the dashboard. */
    @SuppressWarnings("unchecked")
    public static List<String> dashboardQueries() throws IOException {
        Map<String, Object> dash = (Map<String, Object>) Json.parse(Files.readString(dashboard()));
        List<String> queries = new ArrayList<>();
        for (Object panel : (List<Object>) dash.get("panels")) {
            for (Object target : (List<Object>) ((Map<String, Object>) panel).get("targets")) {
                queries.add((String) ((Map<String, Object>) target).get("expr"));
            }
        }
        return queries;
    }

    private static List<String> blocks(String markdown, String language) {
        List<String> out = new ArrayList<>();
        Matcher m = FENCE.matcher(markdown);
        while (m.find()) {
            if (m.group(1).equals(language)) {
                out.add(m.group(2));
            }
        }
        return out;
    }
}
