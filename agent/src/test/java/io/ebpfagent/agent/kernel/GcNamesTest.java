package io.ebpfagent.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class GcNamesTest {
    @Test
    void collectorsAreNamedAsTheirMxBeans() {
        assertThat(GcNames.of(List.of("G1 Young Generation", "G1 Concurrent GC", "G1 Old Generation")))
                .isEqualTo(new GcNames("G1 Young Generation", "G1 Old Generation"));
        assertThat(GcNames.of(List.of("PS Scavenge", "PS MarkSweep"))).isEqualTo(new GcNames("PS Scavenge", "PS MarkSweep"));
        assertThat(GcNames.of(List.of("Copy", "MarkSweepCompact"))).isEqualTo(new GcNames("Copy", "MarkSweepCompact"));
        assertThat(GcNames.of(List.of("ZGC Minor Cycles", "ZGC Minor Pauses", "ZGC Major Cycles", "ZGC Major Pauses")))
                .isEqualTo(new GcNames("ZGC Minor Pauses", "ZGC Major Pauses"));
        assertThat(GcNames.of(List.of("Shenandoah Pauses", "Shenandoah Cycles")))
                .isEqualTo(new GcNames("Shenandoah Pauses", "Shenandoah Pauses"));
        assertThat(GcNames.of(List.of())).isEqualTo(new GcNames("unknown", "unknown"));
    }

    @Test
    void thisJvmsNamesAreAmongItsBeans() {
        List<String> beans = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).toList();
        GcNames names = GcNames.ofThisJvm();
        assertThat(beans).contains(names.minor(), names.major());
        assertThat(names.of(false)).isEqualTo(names.minor());
        assertThat(names.of(true)).isEqualTo(names.major());
    }
}
