package io.ebpfagent.loader.perf;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.Cpus;
import io.ebpfagent.loader.sys.Epoll;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.Mmap;
import io.ebpfagent.loader.sys.PerfEvent;
import io.ebpfagent.loader.sys.PerfEventAttr;
import io.ebpfagent.loader.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads a {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: one {@code PERF_COUNT_SW_BPF_OUTPUT} event and
 * ring per online CPU, stored in the map at the CPU's index so that
 * {@code bpf_perf_event_output(..., BPF_F_CURRENT_CPU, ...)} finds it. Samples are handed out in
 * place; lost-sample records are counted ({@link #lost()}) and passed to the handler.
 * {@link #close()} may be called from any thread and ends a blocked {@link #poll}.
 */
public final class PerfReader implements AutoCloseable {
    private static final int MAX_RECORD = 64 * 1024;

    private final FileDescriptor map;
    private final Arena arena = Arena.ofShared();
    private final List<FileDescriptor> events = new ArrayList<>();
    private final List<PerfRing> rings = new ArrayList<>();
    private final Epoll epoll;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong lost = new AtomicLong();
    private volatile boolean closed;
    private PerfRecordHandler user;
    private final PerfRecordHandler counting = new PerfRecordHandler() {
        @Override
        public void onSample(int cpu, MemorySegment buffer, long offset, int length) {
            user.onSample(cpu, buffer, offset, length);
        }

        @Override
        public void onLost(int cpu, long count) {
            lost.addAndGet(count);
            user.onLost(cpu, count);
        }
    };

    private PerfReader(FileDescriptor map, PerfReaderOptions options) {
        this.map = map;
        int[] cpus = Cpus.online();
        this.epoll = new Epoll(cpus.length);
        try {
            long page = Mmap.pageSize();
            MemorySegment scratch = arena.allocate(MAX_RECORD, 8);
            PerfEventAttr attr = PerfEventAttr.of(PerfEventAttr.TYPE_SOFTWARE, PerfEventAttr.COUNT_SW_BPF_OUTPUT)
                    .withSampleType(PerfEventAttr.SAMPLE_RAW).withSampling(1, false)
                    .withWakeup(options.wakeup(), options.watermark());
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_INT);
            for (int cpu : cpus) {
                FileDescriptor event = PerfEvent.open(attr, -1, cpu, -1, 0);
                events.add(event);
                MemorySegment mapping = Mmap.map(arena, event.get(), (1L + options.pagesPerCpu()) * page,
                        Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_SHARED, 0);
                rings.add(new PerfRing(cpu, mapping, page, scratch));
                key.set(JAVA_INT, 0, cpu);
                value.set(JAVA_INT, 0, event.get());
                int r = Bpf.mapUpdateElem(map.get(), key, value, Bpf.ANY);
                if (r < 0) {
                    throw SyscallException.of("store perf event of CPU " + cpu + " in the perf event array", -r);
                }
                PerfEvent.enable(event);
                epoll.add(event.get(), rings.size() - 1);
            }
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /** A reader of the perf event array {@code map} (duplicated: the caller keeps its descriptor). */
    public static PerfReader open(FileDescriptor map, PerfReaderOptions options) {
        return new PerfReader(map.dup(), options);
    }

    /** A reader of a perf event array map. */
    public static PerfReader open(io.ebpfagent.loader.maps.BpfMap map, PerfReaderOptions options) {
        return open(map.fd(), options);
    }

    /** Lost samples reported by the kernel so far. */
    public long lost() {
        return lost.get();
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for data, then reads every ring. Returns the
     * number of samples, 0 on timeout (a finite wait may also end early with 0), -1 once closed.
     */
    public int poll(int timeoutMillis, PerfRecordHandler handler) {
        lock.lock();
        try {
            if (closed) {
                return -1;
            }
            user = handler;
            int n = consumeAll();
            if (n > 0) {
                return n;
            }
            // a stale readiness (left by data read without waiting) can end a wait with nothing
            // to read: only a finite wait may return empty-handed
            do {
                epoll.waitReady(timeoutMillis);
                if (closed) {
                    return -1;
                }
                n = consumeAll();
            } while (n == 0 && timeoutMillis < 0);
            return n;
        } finally {
            user = null;
            lock.unlock();
        }
    }

    /** Reads every ring without waiting; -1 once closed. */
    public int consume(PerfRecordHandler handler) {
        lock.lock();
        try {
            if (closed) {
                return -1;
            }
            user = handler;
            return consumeAll();
        } finally {
            user = null;
            lock.unlock();
        }
    }

    private int consumeAll() {
        int n = 0;
        for (int i = 0; i < rings.size(); i++) {
            PerfRing ring = rings.get(i);
            if (ring.available() > 0) {
                n += ring.consume(counting);
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        epoll.wakeup();
        lock.lock();
        try {
            release();
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment key = tmp.allocate(JAVA_INT);
            for (PerfRing ring : rings) {
                key.set(JAVA_INT, 0, ring.cpu());
                Bpf.mapDeleteElem(map.get(), key, 0);
            }
        }
        for (FileDescriptor e : events) {
            e.close();
        }
        epoll.close();
        arena.close();
        map.close();
    }
}
