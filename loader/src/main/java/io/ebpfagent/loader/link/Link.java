package io.ebpfagent.loader.link;

import io.ebpfagent.loader.sys.FileDescriptor;
import java.nio.file.Path;

/**
 * A program attached to a hook. Closing the link detaches the program, unless the link is
 * pinned: a pinned link stays attached until its pin is removed and every descriptor closed.
 *
 * <p>{@link BpfLink} is a kernel BPF link (cgroup, tracing, raw tracepoint, iterator, multi-probe
 * and perf-event links); {@link PerfEventLink} is a perf event carrying a program (tracepoints,
 * kprobes, uprobes, sampling events); {@link MultiLink} groups links made together (one per CPU,
 * one per USDT location).
 */
public sealed interface Link extends AutoCloseable permits BpfLink, PerfEventLink, MultiLink {

    /** Pins the link on a bpffs so it outlives this process. */
    void pin(Path path);

    /** Removes the pin made by {@link #pin}; no-op if not pinned. */
    void unpin();

    /** The kernel's description of the link. */
    LinkInfo info();

    /** Replaces the attached program atomically, where the link type allows it. */
    void update(FileDescriptor program);

    /** {@link #update(FileDescriptor)} with a loaded program. */
    default void update(io.ebpfagent.loader.programs.Program program) {
        update(program.fd());
    }

    /** Detaches (unless pinned) and releases the descriptors. Idempotent. */
    @Override
    void close();
}
