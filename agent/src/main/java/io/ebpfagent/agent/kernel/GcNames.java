package io.ebpfagent.agent.kernel;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * The {@code jvm.gc.name} of a pause the jvm probe saw. HotSpot's {@code gc__begin} probe only
 * says whether the collection was full; OpenTelemetry's JVM metrics name the collector as its
 * {@link GarbageCollectorMXBean} does ("G1 Young Generation", "G1 Old Generation", "PS Scavenge",
 * "ZGC Minor Pauses", ...), so the names come from this JVM's beans: the one that counts the
 * young (minor) pauses and the one that counts the full (major) ones.
 *
 * @param minor the collector of pauses that are not full
 * @param major the collector of full pauses
 */
record GcNames(String minor, String major) {
    static final String UNKNOWN = "unknown";

    String of(boolean full) {
        return full ? major : minor;
    }

    static GcNames ofThisJvm() {
        try {
            return of(ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .map(GarbageCollectorMXBean::getName).toList());
        } catch (RuntimeException | Error e) {
            return new GcNames(UNKNOWN, UNKNOWN);
        }
    }

    /** Picks the minor and the major collector among the beans' names. */
    static GcNames of(List<String> beanNames) {
        String minor = null;
        String major = null;
        for (String name : beanNames) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.contains("cycles") || n.contains("concurrent")) {
                continue; // concurrent work, not a stop-the-world pause
            }
            if (n.contains("young") || n.contains("scavenge") || n.equals("copy") || n.contains("minor")
                    || n.contains("parnew")) {
                minor = minor == null ? name : minor;
            } else if (n.contains("old") || n.contains("marksweep") || n.contains("major")) {
                major = major == null ? name : major;
            } else if (n.contains("pauses")) {
                // Shenandoah: one bean for every pause
                minor = minor == null ? name : minor;
                major = major == null ? name : major;
            }
        }
        if (minor == null && major == null && !beanNames.isEmpty()) {
            minor = beanNames.get(0);
        }
        if (minor == null) {
            minor = major != null ? major : UNKNOWN;
        }
        if (major == null) {
            major = minor;
        }
        return new GcNames(minor, major);
    }
}
