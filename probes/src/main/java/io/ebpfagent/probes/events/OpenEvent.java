package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.IoLayouts;

/** EV_OPEN: an openat call (rate limited in the kernel). */
public final class OpenEvent extends EventView {
    private static final int PATH_BYTES = IoLayouts.OpenEvent.PATH_LENGTH;

    /** The descriptor or -errno. */
    public long ret() {
        return i64(IoLayouts.OpenEvent.RET);
    }

    /** Open flags. */
    public int flags() {
        return i32(IoLayouts.OpenEvent.FLAGS);
    }

    /** The path (allocates). */
    public String path() {
        return string(IoLayouts.OpenEvent.PATH, PATH_BYTES);
    }

    /** Copies the path's bytes into {@code dst}; returns how many. */
    public int copyPath(byte[] dst) {
        return copyString(IoLayouts.OpenEvent.PATH, PATH_BYTES, dst);
    }
}
