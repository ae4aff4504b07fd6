package io.ebpfagent.loader.ringbuf;

import io.ebpfagent.loader.sys.Epoll;
import java.util.ArrayList;
import java.util.List;

/**
 * Several ring buffers waited on with one epoll instance and drained by one thread, each with
 * its own handler. The group owns the readers added to it and closes them with itself;
 * {@link #close()} may be called from any thread and ends a blocked {@link #poll}.
 */
public final class RingBufferGroup implements AutoCloseable {
    private final List<RingBufferReader> readers = new ArrayList<>();
    private final List<RecordHandler> handlers = new ArrayList<>();
    private final Epoll epoll;
    private volatile boolean closed;
    private final Object pollLock = new Object();

    public RingBufferGroup(int capacity) {
        this.epoll = new Epoll(capacity);
    }

    /** Adds a reader whose records go to {@code handler}. */
    public synchronized void add(RingBufferReader reader, RecordHandler handler) {
        if (closed) {
            throw new IllegalStateException("ring buffer group closed");
        }
        epoll.add(reader.mapFd().get(), readers.size());
        readers.add(reader);
        handlers.add(handler);
    }

    /**
     * Waits up to {@code timeoutMillis} for any ring to have data, then drains the ready ones.
     * Returns the number of records handled, -1 once closed.
     */
    public int poll(int timeoutMillis) {
        synchronized (pollLock) {
            if (closed) {
                return -1;
            }
            int total = drainAll();
            if (total > 0) {
                return total;
            }
            int n = epoll.waitReady(timeoutMillis);
            if (closed) {
                return -1;
            }
            for (int i = 0; i < n; i++) {
                int idx = (int) epoll.readyToken(i);
                RingBufferReader r;
                RecordHandler h;
                synchronized (this) {
                    r = readers.get(idx);
                    h = handlers.get(idx);
                }
                total += Math.max(0, r.consume(h));
            }
            return total;
        }
    }

    private int drainAll() {
        int total = 0;
        int count;
        synchronized (this) {
            count = readers.size();
        }
        for (int i = 0; i < count; i++) {
            RingBufferReader r;
            RecordHandler h;
            synchronized (this) {
                r = readers.get(i);
                h = handlers.get(i);
            }
            if (r.available() > 0) {
                total += Math.max(0, r.consume(h));
            }
        }
        return total;
    }

    /** Makes a {@link #poll} under way return now (it returns 0 if nothing is ready). */
    public void wakeup() {
        if (!closed) {
            epoll.wakeup();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        epoll.wakeup();
        synchronized (pollLock) {
            synchronized (this) {
                for (RingBufferReader r : readers) {
                    r.close();
                }
                readers.clear();
                handlers.clear();
            }
            epoll.close();
        }
    }
}
