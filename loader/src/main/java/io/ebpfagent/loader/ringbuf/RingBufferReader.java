package io.ebpfagent.loader.ringbuf;

import io.ebpfagent.loader.sys.Epoll;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.Mmap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads a {@code BPF_MAP_TYPE_RINGBUF} map from user space without copying.
 *
 * <p>The consumer page is mapped read-write, the producer page and the data area read-only; the
 * kernel maps the data area twice back to back so records that wrap around are contiguous.
 * {@link #poll} blocks in epoll until the kernel signals data (the kernel wakes readers per
 * batch, depending on the BPF side's {@code BPF_RB_*_WAKEUP} flags), then hands every committed
 * record to the handler. {@link #close()} may be called from any thread and ends a blocked
 * {@link #poll}.
 *
 * <p>One thread polls at a time; the handler runs on that thread.
 */
public final class RingBufferReader implements AutoCloseable {
    private final FileDescriptor mapFd;
    private final Arena arena = Arena.ofShared();
    private final RingConsumer ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final int size;
    private volatile boolean closed;
    private Epoll epoll;
    private RecordBuffer target;
    private final RecordHandler copier = (seg, off, len) -> target.copyFrom(seg, off, len);

    private RingBufferReader(FileDescriptor mapFd, int maxEntries) {
        if (maxEntries <= 0 || Long.bitCount(maxEntries) != 1) {
            throw new IllegalArgumentException("ring buffer size " + maxEntries + " is not a power of two");
        }
        this.mapFd = mapFd;
        this.size = maxEntries;
        try {
            long page = Mmap.pageSize();
            MemorySegment consumer = Mmap.map(arena, mapFd.get(), page, Mmap.PROT_READ | Mmap.PROT_WRITE,
                    Mmap.MAP_SHARED, 0);
            MemorySegment producer = Mmap.map(arena, mapFd.get(), page + 2L * maxEntries, Mmap.PROT_READ,
                    Mmap.MAP_SHARED, page);
            this.ring = new RingConsumer(consumer, producer.asSlice(0, page), producer.asSlice(page), maxEntries);
        } catch (RuntimeException e) {
            arena.close();
            mapFd.close();
            throw e;
        }
    }

    /**
     * A reader of the ring buffer map {@code mapFd} (duplicated: the caller keeps its own
     * descriptor) whose data size is {@code maxEntries} bytes.
     */
    public static RingBufferReader open(FileDescriptor mapFd, int maxEntries) {
        return new RingBufferReader(mapFd.dup(), maxEntries);
    }

    /** A reader of a ring buffer map. */
    public static RingBufferReader open(io.ebpfagent.loader.maps.BpfMap map) {
        return open(map.fd(), map.maxEntries());
    }

    /** The ring's data size in bytes. */
    public int size() {
        return size;
    }

    /** Bytes committed or reserved by the producer and not yet consumed. */
    public long available() {
        return ring.available();
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for records, then hands all committed ones
     * to {@code handler}. Returns the number of records, 0 on timeout (a finite wait may also end
     * early with 0), -1 once the reader is closed.
     */
    public int poll(int timeoutMillis, RecordHandler handler) {
        lock.lock();
        try {
            if (closed) {
                return -1;
            }
            int n = ring.consume(handler, Integer.MAX_VALUE);
            if (n > 0) {
                return n;
            }
            // a wake-up can find nothing committed yet (a record still busy): only a finite wait
            // may return empty-handed
            do {
                epoll().waitReady(timeoutMillis);
                if (closed) {
                    return -1;
                }
                n = ring.consume(handler, Integer.MAX_VALUE);
            } while (n == 0 && timeoutMillis < 0);
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Hands every committed record to {@code handler} without waiting; -1 once closed. */
    public int consume(RecordHandler handler) {
        return consume(handler, Integer.MAX_VALUE);
    }

    /** Like {@link #consume(RecordHandler)} but stops after {@code maxRecords}. */
    public int consume(RecordHandler handler, int maxRecords) {
        lock.lock();
        try {
            return closed ? -1 : ring.consume(handler, maxRecords);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies the next record into {@code into}, waiting up to {@code timeoutMillis}. Returns
     * true if a record was read, false on timeout or once closed.
     */
    public boolean read(RecordBuffer into, int timeoutMillis) {
        lock.lock();
        try {
            target = into;
            if (closed) {
                return false;
            }
            if (ring.consume(copier, 1) == 1) {
                return true;
            }
            epoll().waitReady(timeoutMillis);
            return !closed && ring.consume(copier, 1) == 1;
        } finally {
            target = null;
            lock.unlock();
        }
    }

    /** The map descriptor owned by this reader, for adding it to an epoll set. */
    FileDescriptor mapFd() {
        return mapFd;
    }

    boolean isClosed() {
        return closed;
    }

    private Epoll epoll() {
        if (epoll == null) {
            Epoll e = new Epoll(1);
            e.add(mapFd.get(), 0);
            epoll = e;
        }
        return epoll;
    }

    /** Unmaps the ring; a concurrent {@link #poll} returns -1. Idempotent, any thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Epoll e = epoll;
        if (e != null) {
            e.wakeup();
        }
        lock.lock();
        try {
            if (epoll != null) {
                epoll.close();
                epoll = null;
            }
            if (mapFd.isClosed()) {
                return;
            }
            arena.close();
            mapFd.close();
        } finally {
            lock.unlock();
        }
    }
}
