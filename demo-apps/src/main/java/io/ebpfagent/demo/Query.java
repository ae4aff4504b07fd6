package io.ebpfagent.demo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The decoded query string of one request, with bounded numeric accessors. */
public record Query(Map<String, String> params) {

    public Query {
        params = Map.copyOf(params);
    }

    public static Query parse(String rawQuery) {
        Map<String, String> params = new HashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                params.put(URLDecoder.decode(key, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return new Query(params);
    }

    /**
     * The parameter as a long in [min, max], or the default when absent. Bounds keep one request
     * from sleeping for a day or filling the disk.
     */
    public long longParam(String name, long defaultValue, long min, long max) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new BadRequestException(name + " must be an integer, got '" + raw + "'");
        }
        if (value < min || value > max) {
            throw new BadRequestException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    public int intParam(String name, int defaultValue, int min, int max) {
        return (int) longParam(name, defaultValue, min, max);
    }
}
