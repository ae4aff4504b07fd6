package io.ebpfagent.demo;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** The outcome of one {@link LoadGenerator} run: per endpoint path and in total. */
public record LoadReport(List<EndpointResult> endpoints, EndpointResult total, Duration elapsed) {

    /** Name of the {@link #total()} row. */
    public static final String ALL = "ALL";

    /** Counts include errors; latencies cover every request, failed ones too. */
    public record EndpointResult(String endpoint, long count, long errors, double rps,
                                 double p50Ms, double p99Ms, double maxMs) {

        public double errorRate() {
            return count == 0 ? 0 : (double) errors / count;
        }

        /** {@code RESULT endpoint=/cpu count=.. errors=.. rps=.. p50_ms=.. p99_ms=..}: one line,
         *  key=value, for scripts and benchmarks. */
        public String resultLine() {
            return String.format(Locale.ROOT, "RESULT endpoint=%s count=%d errors=%d rps=%.2f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
                    endpoint, count, errors, rps, p50Ms, p99Ms, maxMs);
        }
    }

    public LoadReport {
        endpoints = List.copyOf(endpoints);
    }

    public EndpointResult endpoint(String path) {
        return endpoints.stream().filter(e -> e.endpoint().equals(path)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no results for " + path));
    }

    /** Non-zero exit for the command line: nothing measured, or more than 1% errors. */
    public boolean failed() {
        return total.count() == 0 || total.errorRate() > 0.01;
    }

    /** A human table followed by one RESULT line per endpoint and one for {@link #ALL}. */
    public String format() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-14s %9s %7s %10s %10s %10s %10s%n",
                "endpoint", "count", "errors", "req/s", "p50 ms", "p99 ms", "max ms"));
        for (EndpointResult e : endpoints) {
            row(out, e);
        }
        row(out, total);
        out.append(String.format(Locale.ROOT, "elapsed %.3f s%n", elapsed.toNanos() / 1e9));
        for (EndpointResult e : endpoints) {
            out.append(e.resultLine()).append('\n');
        }
        out.append(total.resultLine()).append('\n');
        return out.toString();
    }

    private static void row(StringBuilder out, EndpointResult e) {
        out.append(String.format(Locale.ROOT, "%-14s %9d %7d %10.1f %10.2f %10.2f %10.2f%n",
                e.endpoint(), e.count(), e.errors(), e.rps(), e.p50Ms(), e.p99Ms(), e.maxMs()));
    }
}
