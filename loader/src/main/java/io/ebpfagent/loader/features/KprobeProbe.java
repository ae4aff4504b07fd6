package io.ebpfagent.loader.features;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Opens (and closes) one kprobe perf event through the kprobe PMU: the decisive test that
 * kprobes work, beyond the PMU's presence in sysfs. Only the few {@code perf_event_attr}
 * fields a kprobe needs are written here; the full perf binding is elsewhere.
 */
final class KprobeProbe {
    /** {@code PERF_ATTR_SIZE_VER5}. */
    private static final int ATTR_SIZE = 112;
    private static final long OFF_TYPE = 0, OFF_SIZE = 4, OFF_CONFIG1 = 56, OFF_CONFIG2 = 64;
    private static final long PERF_FLAG_FD_CLOEXEC = 8;

    private KprobeProbe() {
    }

    /** 0 when a kprobe on {@code symbol} opened, else the errno. */
    static int open(int pmuType, String symbol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(128, 8);
            attr.set(JAVA_INT, OFF_TYPE, pmuType);
            attr.set(JAVA_INT, OFF_SIZE, ATTR_SIZE);
            attr.set(JAVA_LONG, OFF_CONFIG1, arena.allocateFrom(symbol).address());
            attr.set(JAVA_LONG, OFF_CONFIG2, 0);
            long fd = Native.syscall(SyscallNumbers.PERF_EVENT_OPEN, attr.address(), -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
            if (fd < 0) {
                return (int) -fd;
            }
            Native.close((int) fd);
            return 0;
        }
    }
}
