package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.SyscallsLayouts;

/** EV_SLOW_SYSCALL: a system call at least the configured threshold long. */
public final class SlowSyscallEvent extends EventView {
    /** The return value (-errno on failure). */
    public long ret() {
        return i64(SyscallsLayouts.SlowSyscallEvent.RET);
    }

    /** Argument {@code i} (0..2) at entry. */
    public long arg(int i) {
        return i64(SyscallsLayouts.SlowSyscallEvent.ARGS + 8L * java.util.Objects.checkIndex(i, 3));
    }

    /** The x86-64 syscall number. */
    public int nr() {
        return i32(SyscallsLayouts.SlowSyscallEvent.NR);
    }
}
