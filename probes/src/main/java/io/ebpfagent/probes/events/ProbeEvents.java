package io.ebpfagent.probes.events;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.ringbuf.RingBufferGroup;
import io.ebpfagent.loader.ringbuf.RingBufferReader;
import io.ebpfagent.probes.Probe;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the {@code events} ring buffer of every probe added, on one daemon thread named
 * {@value #THREAD_NAME}, decoding each record into a flyweight view for the listener. The BPF
 * side wakes the reader per batch or interval, so the thread also polls with a timeout.
 */
public final class ProbeEvents implements AutoCloseable {
    public static final String THREAD_NAME = "ebpf-agent-events";
    private static final Logger LOG = LoggerFactory.getLogger(ProbeEvents.class);
    /**
     * The kernel side wakes this thread when a record arrives 50 ms or more after the previous
     * wakeup, or per 64 records: records that follow a wakeup within 50 ms wait for the next one.
     * So the thread waits with a timeout only while such a record can be pending (see
     * {@link Probe#signalledFromNanos()}), and otherwise until a record wakes it: an idle JVM's
     * agent thread does not wake at all. The timeout is long: a busy ring's next wakeup comes
     * sooner and picks such a record up, so the timeout adds no wakeup to it (a timeout at the
     * end of the 50 ms would double a trickling ring's wakeups, ~1 ms of CPU each on a virtual
     * machine), and a record that woke nobody waits at most this long. Also the bound for objects
     * that do not say when their records are signalled.
     */
    private static final int POLL_TIMEOUT_MS = 1000;
    /** Past the interval's end, for a record whose submission read the clock just before it. */
    private static final long MARGIN_NANOS = 2_000_000;

    private final RingBufferGroup group = new RingBufferGroup(16);
    private final EventDecoder decoder;
    private final List<Probe> probes = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ProbeEvents(EventListener listener) {
        this.decoder = new EventDecoder(listener);
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this::run);
    }

    /** Adds the probe's ring buffer (no-op for probes without events); starts the thread on first use. */
    public synchronized ProbeEvents add(Probe probe) {
        var events = probe.events();
        if (events.isEmpty()) {
            return this;
        }
        BpfMap map = events.get();
        group.add(RingBufferReader.open(map.fd(), map.maxEntries()), decoder);
        probes.add(probe);
        if (thread.getState() == Thread.State.NEW) {
            thread.start();
        }
        return this;
    }

    private void run() {
        while (running) {
            try {
                if (group.poll(waitMillis(System.nanoTime())) < 0) {
                    return;
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("event ring buffers: {}", e.toString());
            }
        }
    }

    /**
     * How long the next wait may last: without a timeout (-1) when every ring wakes this thread
     * for its next record (its last wakeup is more than the kernel side's interval, plus a
     * margin, ago: whatever it submitted without waking is drained before the wait), else
     * {@link #POLL_TIMEOUT_MS}. Computed before the wait's drain: a record submitted in between
     * either woke the thread (the ring is then readable and the wait returns at once) or was
     * submitted while the interval that makes this a timed wait had not ended.
     */
    int waitMillis(long now) {
        for (Probe p : probes) {
            long from = p.signalledFromNanos();
            if (from == Long.MAX_VALUE || from + MARGIN_NANOS > now) {
                return POLL_TIMEOUT_MS;
            }
        }
        return -1;
    }

    /** Records dropped by the kernel side because a ring buffer was full, over all probes. */
    public long droppedRecords() {
        long n = 0;
        for (Probe p : probes) {
            n += p.droppedEvents();
        }
        return n;
    }

    /** Records decoded so far (approximate from other threads). */
    public long records() {
        return decoder.records();
    }

    public long malformedRecords() {
        return decoder.malformed();
    }

    public long listenerErrors() {
        return decoder.listenerErrors();
    }

    /**
     * Ends the thread without unmapping anything (at JVM exit, where the kernel unmaps): it waits
     * in native code otherwise, which holds the JVM's exit up to 300 ms.
     */
    public void stop() {
        running = false;
        group.wakeup();
    }

    /** Stops the thread and unmaps the ring buffers; the probes stay open. */
    @Override
    public void close() {
        running = false;
        group.close();
        if (thread.getState() != Thread.State.NEW) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
