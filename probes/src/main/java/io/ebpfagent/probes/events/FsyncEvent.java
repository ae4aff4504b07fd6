package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.IoLayouts;

/** EV_FSYNC: an fsync or fdatasync at least the configured threshold long. */
public final class FsyncEvent extends EventView {
    public long ret() {
        return i64(IoLayouts.FsyncEvent.RET);
    }

    public int fd() {
        return i32(IoLayouts.FsyncEvent.FD);
    }

    public int nr() {
        return i32(IoLayouts.FsyncEvent.NR);
    }

    /** Inode number of the descriptor's file when the call returned; 0 when the descriptor was gone. */
    public long inode() {
        return i64(IoLayouts.FsyncEvent.INO);
    }
}
