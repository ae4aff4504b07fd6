package io.ebpfagent.loader.link;

import io.ebpfagent.loader.sys.Mount;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.nio.file.Path;

/** Helpers for pinning BPF objects on a bpffs. */
public final class Pinning {
    /** Where bpffs is conventionally mounted. */
    public static final Path DEFAULT_BPFFS = Path.of("/sys/fs/bpf");

    private Pinning() {
    }

    /**
     * Makes sure a bpffs is mounted at {@code mountPoint}, mounting one if absent (needs
     * CAP_SYS_ADMIN). Returns the mount point.
     */
    public static Path ensureBpffs(Path mountPoint) {
        try {
            Mount.ensure("bpf", mountPoint);
        } catch (SyscallException | java.io.UncheckedIOException e) {
            throw new NotSupportedException("no bpffs at " + mountPoint + " and mounting one failed ("
                    + e.getMessage() + "): run 'mount -t bpf bpf " + mountPoint + "' as root");
        }
        return mountPoint;
    }
}
