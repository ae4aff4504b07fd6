package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.IoLayouts;

/** EV_SLOW_IO: a read or write at least the configured threshold long. */
public final class SlowIoEvent extends EventView {
    /** Bytes transferred or -errno. */
    public long ret() {
        return i64(IoLayouts.SlowIoEvent.RET);
    }

    public int fd() {
        return i32(IoLayouts.SlowIoEvent.FD);
    }

    /** The syscall number. */
    public int nr() {
        return i32(IoLayouts.SlowIoEvent.NR);
    }

    /** {@code IoProbe.OP_READ} or {@code OP_WRITE}. */
    public int op() {
        return u8(IoLayouts.SlowIoEvent.OP);
    }

    /** {@code IoProbe.FT_*} file type. */
    public int fileType() {
        return u8(IoLayouts.SlowIoEvent.FTYPE);
    }

    /** Inode number of the descriptor's file when the call returned; 0 when the descriptor was gone. */
    public long inode() {
        return i64(IoLayouts.SlowIoEvent.INO);
    }
}
