package io.ebpfagent.loader.link;

import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.NotSupportedException;
import java.nio.file.Path;

/**
 * A perf event (tracepoint, kprobe, uprobe or sampling event) with a program attached, through
 * a BPF link on kernels that have {@code BPF_LINK_CREATE} for perf events (5.15+), else through
 * {@code PERF_EVENT_IOC_SET_BPF}. Only the former can be pinned, queried or updated.
 */
public final class PerfEventLink implements Link {
    private final FileDescriptor perfEvent;
    private final BpfLink link;

    PerfEventLink(FileDescriptor perfEvent, BpfLink link) {
        this.perfEvent = perfEvent;
        this.link = link;
    }

    /** The perf event descriptor. */
    public FileDescriptor perfEvent() {
        return perfEvent;
    }

    /** True if the program is attached through a BPF link. */
    public boolean hasBpfLink() {
        return link != null;
    }

    private BpfLink link(String what) {
        if (link == null) {
            throw new NotSupportedException(what + " of a perf event attached with PERF_EVENT_IOC_SET_BPF");
        }
        return link;
    }

    @Override
    public void pin(Path path) {
        link("pinning").pin(path);
    }

    @Override
    public void unpin() {
        if (link != null) {
            link.unpin();
        }
    }

    @Override
    public LinkInfo info() {
        return link("link info").info();
    }

    @Override
    public void update(FileDescriptor program) {
        throw new NotSupportedException("replacing the program of a perf event link");
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
        }
        perfEvent.close();
    }
}
