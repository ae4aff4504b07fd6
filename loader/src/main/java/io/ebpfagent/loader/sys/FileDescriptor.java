package io.ebpfagent.loader.sys;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned kernel file descriptor (a map, program, link, BTF object, perf event, epoll...).
 * Closing is idempotent and thread-safe; using a closed descriptor throws instead of silently
 * operating on whatever file reuses the number.
 */
public final class FileDescriptor implements AutoCloseable {
    private static final int CLOSED = -1;
    private final AtomicInteger fd;

    public FileDescriptor(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid file descriptor " + fd);
        }
        this.fd = new AtomicInteger(fd);
    }

    /** The descriptor number. */
    public int get() {
        int v = fd.get();
        if (v == CLOSED) {
            throw new IllegalStateException("file descriptor already closed");
        }
        return v;
    }

    public boolean isClosed() {
        return fd.get() == CLOSED;
    }

    /** A new descriptor for the same kernel object ({@code fcntl(F_DUPFD_CLOEXEC)}). */
    public FileDescriptor dup() {
        return new FileDescriptor(Fcntl.dupCloexec(get()));
    }

    @Override
    public void close() {
        int v = fd.getAndSet(CLOSED);
        if (v != CLOSED) {
            Native.close(v);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v == CLOSED ? "fd(closed)" : "fd(" + v + ")";
    }
}
