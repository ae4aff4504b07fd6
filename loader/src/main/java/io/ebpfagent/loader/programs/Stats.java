package io.ebpfagent.loader.programs;

import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.FileDescriptor;

/**
 * Run-time statistics of every BPF program ({@code BPF_ENABLE_STATS}): while an instance is
 * open, the kernel counts {@link ProgramInfo#runCount()} and {@link ProgramInfo#runTimeNs()}.
 * Counting costs some nanoseconds per program run, so enable it only while measuring. Several
 * holders may be open at once; counting stops when the last one closes.
 */
public final class Stats implements AutoCloseable {
    private final FileDescriptor fd;

    private Stats(FileDescriptor fd) {
        this.fd = fd;
    }

    /** Starts counting run time and run count ({@code BPF_STATS_RUN_TIME}). */
    public static Stats enable() {
        return new Stats(Bpf.enableStats(Bpf.STATS_RUN_TIME));
    }

    /** Stops counting (unless other holders remain). Counters keep their values. */
    @Override
    public void close() {
        fd.close();
    }
}
