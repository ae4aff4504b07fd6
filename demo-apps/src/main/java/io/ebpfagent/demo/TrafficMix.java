package io.ebpfagent.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weighted request targets for the {@link LoadGenerator}. A spec is a comma-separated list of
 * {@code target[:weight]}: a target is a short name ({@code cpu}, {@code sleep}, {@code lock},
 * {@code file}, {@code downstream}, {@code alloc}, {@code health}, {@code stats}) that stands for
 * its default request, or a path with its query ({@code /cpu?ms=5}); weight defaults to 1.
 * Results are reported per path, so two targets with the same path add up.
 */
public record TrafficMix(List<Target> targets) {

    /** One request to send ({@code pathAndQuery}), how often, and the path it is reported under. */
    public record Target(String pathAndQuery, String endpoint, int weight) {
        public Target {
            if (weight < 1) {
                throw new IllegalArgumentException("weight must be >= 1 for " + pathAndQuery);
            }
            if (!pathAndQuery.startsWith("/")) {
                throw new IllegalArgumentException("target must start with /: " + pathAndQuery);
            }
        }

        static Target of(String pathAndQuery, int weight) {
            int q = pathAndQuery.indexOf('?');
            return new Target(pathAndQuery, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q), weight);
        }
    }

    private static final Map<String, String> SHORT_NAMES = Map.of(
            "cpu", "/cpu?ms=5",
            "sleep", "/sleep?ms=20",
            "lock", "/lock?ms=2",
            "file", "/file?kb=64",
            "downstream", "/downstream?n=3",
            "alloc", "/alloc?mb=8",
            "health", "/health",
            "stats", "/stats");

    /** What {@code ./run demo} sends when no mix is given: every kind of work, sized to keep a
     *  small machine busy but not saturated. */
    public static final String DEFAULT_SPEC = "cpu:3,sleep:3,lock:2,file:1,downstream:3,alloc:1,health:1";

    public TrafficMix {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("the mix has no targets");
        }
        targets = List.copyOf(targets);
    }

    public static TrafficMix parse(String spec) {
        List<Target> targets = new ArrayList<>();
        for (String item : spec.split(",")) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int weight = 1;
            int colon = entry.lastIndexOf(':');
            if (colon > 0) {
                try {
                    weight = Integer.parseInt(entry.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad weight in mix entry '" + entry + "'");
                }
                entry = entry.substring(0, colon).trim();
            }
            String target = entry.startsWith("/") ? entry : SHORT_NAMES.get(entry);
            if (target == null) {
                throw new IllegalArgumentException("unknown mix target '" + entry + "'; use a path or one of "
                        + SHORT_NAMES.keySet().stream().sorted().toList());
            }
            targets.add(Target.of(target, weight));
        }
        return new TrafficMix(targets);
    }

    public static TrafficMix defaults() {
        return parse(DEFAULT_SPEC);
    }

    /** The distinct reported paths, in first-seen order. */
    public List<String> endpoints() {
        Map<String, Boolean> seen = new LinkedHashMap<>();
        targets.forEach(t -> seen.put(t.endpoint(), Boolean.TRUE));
        return List.copyOf(seen.keySet());
    }

    public int totalWeight() {
        return targets.stream().mapToInt(Target::weight).sum();
    }
}
