package io.ebpfagent.demo;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * How the {@link LoadGenerator} drives a service:
 * <pre>
 *   --url=URL            base URL                        http://localhost:8080
 *   --concurrency=N      closed-loop workers             8
 *   --duration=D         run time (500ms, 30s, 2m, 30)   30s, unless --requests is given
 *   --requests=N         total requests instead of a duration
 *   --warmup=D           run first for D without recording   0
 *   --mix=SPEC           see {@link TrafficMix}          {@link TrafficMix#DEFAULT_SPEC}
 *   --timeout=D          per request                     30s
 * </pre>
 * Options accept {@code --name=value} and {@code --name value}.
 */
public record LoadOptions(
        URI baseUrl,
        int concurrency,
        Duration duration,
        long requests,
        Duration warmup,
        TrafficMix mix,
        Duration timeout) {

    public LoadOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        if (requests < 0) {
            throw new IllegalArgumentException("requests must be >= 0, got " + requests);
        }
        if (requests == 0 && (duration.isZero() || duration.isNegative())) {
            throw new IllegalArgumentException("give a positive duration or a request count");
        }
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("url must be http(s)://host:port, got " + baseUrl);
        }
    }

    /** True when the run ends after a number of requests rather than after a duration. */
    public boolean byRequestCount() {
        return requests > 0;
    }

    public static LoadOptions parse(String[] args) {
        String url = "http://localhost:8080";
        String concurrency = "8";
        String duration = "30s";
        String requests = "0";
        String warmup = "0";
        String mix = TrafficMix.DEFAULT_SPEC;
        String timeout = "30s";
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("unknown argument: " + arg);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--url" -> url = value;
                case "--concurrency" -> concurrency = value;
                case "--duration" -> duration = value;
                case "--requests" -> requests = value;
                case "--warmup" -> warmup = value;
                case "--mix" -> mix = value;
                case "--timeout" -> timeout = value;
                default -> throw new IllegalArgumentException("unknown option: " + name);
            }
        }
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return new LoadOptions(
                URI.create(base),
                parseLong("concurrency", concurrency, Integer.MAX_VALUE).intValue(),
                parseDuration("duration", duration),
                parseLong("requests", requests, Long.MAX_VALUE),
                parseDuration("warmup", warmup),
                TrafficMix.parse(mix),
                parseDuration("timeout", timeout));
    }

    /** {@code 250ms}, {@code 30s}, {@code 2m}, or bare seconds. */
    static Duration parseDuration(String what, String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must look like 500ms, 30s, 2m or 30, got '" + text + "'");
        }
    }

    private static Long parseLong(String what, String text, long max) {
        try {
            long v = Long.parseLong(text.trim());
            if (v < 0 || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a non-negative integer, got '" + text + "'");
        }
    }
}
