package io.ebpfagent.loader.link;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfInfo;
import io.ebpfagent.loader.sys.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kernel BPF link ({@code bpf_link}) owned through its descriptor. */
public final class BpfLink implements Link {
    private final FileDescriptor fd;
    private volatile Path pinnedAt;

    /** Takes ownership of a link descriptor. */
    public BpfLink(FileDescriptor fd) {
        this.fd = fd;
    }

    /** Opens a link pinned at {@code path}; the returned object does not own the pin. */
    public static BpfLink loadPinned(Path path) {
        return new BpfLink(Bpf.objGet(path.toString(), 0));
    }

    /** The link descriptor. */
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void pin(Path path) {
        Bpf.objPin(fd.get(), path.toString(), 0);
        pinnedAt = path;
    }

    @Override
    public void unpin() {
        Path p = pinnedAt;
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new LoaderException("cannot remove link pin " + p, e);
            }
            pinnedAt = null;
        }
    }

    @Override
    public LinkInfo info() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(BpfInfo.Link.LAYOUT);
            Bpf.objGetInfoByFd(fd.get(), info);
            byte[] details = info.asSlice(BpfInfo.Link.UNION).toArray(JAVA_BYTE);
            return new LinkInfo(LinkType.of(info.get(JAVA_INT, BpfInfo.Link.TYPE)),
                    info.get(JAVA_INT, BpfInfo.Link.ID), info.get(JAVA_INT, BpfInfo.Link.PROG_ID), details);
        }
    }

    @Override
    public void update(FileDescriptor program) {
        Bpf.linkUpdate(fd.get(), program.get(), 0, 0);
    }

    /** Detaches the program now, even if the link is pinned or its descriptor shared. */
    public void detach() {
        Bpf.linkDetach(fd.get());
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "BpfLink(" + fd + (pinnedAt == null ? "" : ", pinned at " + pinnedAt) + ")";
    }
}
