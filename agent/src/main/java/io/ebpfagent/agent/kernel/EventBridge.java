package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.threads.ThreadRegistry;
import io.ebpfagent.otel.ConnectOutcome;
import io.ebpfagent.otel.IntervalKind;
import io.ebpfagent.otel.KernelInterval;
import io.ebpfagent.otel.KernelSignals;
import io.ebpfagent.otel.Log2Histogram;
import io.ebpfagent.otel.OffCpuReason;
import io.ebpfagent.otel.SpanParent;
import io.ebpfagent.probes.events.CompileEvent;
import io.ebpfagent.probes.events.ConnectEvent;
import io.ebpfagent.probes.events.EventListener;
import io.ebpfagent.probes.events.EventView;
import io.ebpfagent.probes.events.FsyncEvent;
import io.ebpfagent.probes.events.GcEvent;
import io.ebpfagent.probes.events.OffCpuEvent;
import io.ebpfagent.probes.events.SlowIoEvent;
import io.ebpfagent.probes.events.SlowSyscallEvent;
import io.ebpfagent.probes.events.TcpEvent;
import io.ebpfagent.probes.events.ThreadEvent;
import io.ebpfagent.probes.events.VmopEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns ring-buffer events of the probes into thread-registry updates, exporter metrics and
 * kernel intervals (spans). Runs on the single {@code ebpf-agent-events} thread, so its state
 * needs no locking; the collector reads the per-thread connect/retransmit accumulators from the
 * scheduler thread through {@link #drainTcp}, which is synchronized.
 *
 * <p>Only events above the probes' thresholds arrive here (off-CPU waits of 10 ms and more,
 * slow syscalls, GC pauses...), so building a {@link KernelInterval} per event is cheap; the
 * exporter is asked first whether it wants the interval at all. TCP connects are the exception:
 * every one arrives, for the latency histogram, and only slow or failed ones become intervals.
 */
final class EventBridge implements EventListener {
    private static final int SLOTS = Log2Histogram.SLOTS;
    private static final int OFFCPU_VOLUNTARY = 1;
    private static final int ECONNREFUSED = 111;
    private static final int ETIMEDOUT = 110;

    private final KernelSignals signals;
    private final ThreadRegistry registry;
    private final Map<Long, long[]> connectHist = new HashMap<>();
    private final Map<Integer, long[]> retransmits = new HashMap<>();
    private final byte[] name = new byte[256];
    private final DescriptorPaths paths = new DescriptorPaths();
    private final GcNames gcNames = GcNames.ofThisJvm();
    private final boolean standalone;
    private final long connectThresholdNs;
    /** Thread exits after which the per-thread maps are read early (their entries wait for that read). */
    static final int EXITS_PER_EARLY_COLLECTION = 512;
    private volatile Runnable onManyExits = () -> { };
    private int exitsSinceTrigger;

    /**
     * @param connectThresholdNs connects at least this long (and every failed one) become
     *     intervals; the latency histogram counts every connect, so the kernel is asked for all
     */
    EventBridge(KernelSignals signals, ThreadRegistry registry, boolean standalone, long connectThresholdNs) {
        this.signals = signals;
        this.registry = registry;
        this.standalone = standalone;
        this.connectThresholdNs = connectThresholdNs;
    }

    /**
     * Runs {@code action} (it must not block: it schedules a collection) after every
     * {@value #EXITS_PER_EARLY_COLLECTION} thread exits: exited threads keep their kernel map
     * entries until a collection read them a last time.
     */
    void onManyExits(Runnable action) {
        this.onManyExits = action;
    }

    private static SpanParent parentOf(EventView e) {
        if (!e.hasSpan()) {
            return null;
        }
        return new SpanParent(e.traceIdHigh(), e.traceIdLow(), e.spanId(), (byte) e.traceFlags());
    }

    /** Whether an interval of this event becomes a span: inside an application span, or standalone ones wanted. */
    private boolean wants(EventView e, IntervalKind kind) {
        return (standalone || e.hasSpan()) && signals.wantsInterval(kind, e.durationNs());
    }

    @Override
    public void offCpu(OffCpuEvent e) {
        if (wants(e, IntervalKind.OFF_CPU)) {
            OffCpuReason reason = e.reason() == OFFCPU_VOLUNTARY ? OffCpuReason.VOLUNTARY : OffCpuReason.INVOLUNTARY;
            signals.onInterval(KernelInterval.offCpu(e.tid(), e.startNs(), e.durationNs(), reason, parentOf(e)));
        }
    }

    @Override
    public void slowSyscall(SlowSyscallEvent e) {
        if (wants(e, IntervalKind.SLOW_SYSCALL)) {
            signals.onInterval(KernelInterval.syscall(e.tid(), e.startNs(), e.durationNs(), e.nr(), null, parentOf(e)));
        }
    }

    /** A slow read or write of a regular file: its path, when the descriptor still names it. */
    @Override
    public void slowIo(SlowIoEvent e) {
        if (wants(e, IntervalKind.SLOW_FILE_IO)) {
            signals.onInterval(new KernelInterval(IntervalKind.SLOW_FILE_IO, e.tid(), e.startNs(), e.durationNs(),
                    parentOf(e), OffCpuReason.NONE, e.nr(), paths.path(e.fd(), e.inode())));
        }
    }

    @Override
    public void fsync(FsyncEvent e) {
        if (wants(e, IntervalKind.SLOW_FILE_IO)) {
            signals.onInterval(new KernelInterval(IntervalKind.SLOW_FILE_IO, e.tid(), e.startNs(), e.durationNs(),
                    parentOf(e), OffCpuReason.NONE, e.nr(), paths.path(e.fd(), e.inode())));
        }
    }

    @Override
    public void connect(ConnectEvent e) {
        ConnectOutcome outcome = switch (e.error()) {
            case 0 -> ConnectOutcome.SUCCESS;
            case ECONNREFUSED -> ConnectOutcome.REFUSED;
            case ETIMEDOUT -> ConnectOutcome.TIMEOUT;
            default -> ConnectOutcome.ERROR;
        };
        synchronized (this) {
            long[] h = connectHist.computeIfAbsent(((long) e.tid() << 8) | outcome.ordinal(), k -> new long[SLOTS + 1]);
            h[Log2Histogram.slotOf(e.durationNs())]++;
            h[SLOTS] += e.durationNs();
        }
        if ((outcome != ConnectOutcome.SUCCESS || e.durationNs() >= connectThresholdNs)
                && wants(e, IntervalKind.SLOW_CONNECT)) {
            signals.onInterval(KernelInterval.of(IntervalKind.SLOW_CONNECT, e.tid(), e.startNs(), e.durationNs(),
                    peer(e), parentOf(e)));
        }
    }

    /** {@code address:port} of the connect's peer (IPv6 in brackets), or null when unknown. */
    private static String peer(ConnectEvent e) {
        try {
            java.net.InetAddress a = e.remoteAddress();
            if (a == null) {
                return null;
            }
            String host = a.getHostAddress();
            return (a instanceof java.net.Inet6Address ? "[" + host + "]" : host) + ":" + e.remotePort();
        } catch (RuntimeException ex) {
            return null;
        }
    }

    @Override
    public void retransmit(TcpEvent e) {
        synchronized (this) {
            retransmits.computeIfAbsent(e.tid(), k -> new long[1])[0]++;
        }
    }

    /** Hands the cumulative per-thread connect histograms and retransmit counts to the exporter. */
    synchronized void drainTcp() {
        long[] buckets = new long[SLOTS];
        for (var entry : connectHist.entrySet()) {
            int tid = (int) (entry.getKey() >>> 8);
            ConnectOutcome outcome = ConnectOutcome.values()[(int) (entry.getKey() & 0xff)];
            System.arraycopy(entry.getValue(), 0, buckets, 0, SLOTS);
            signals.onTcpConnect(tid, outcome, buckets, entry.getValue()[SLOTS]);
        }
        for (var entry : retransmits.entrySet()) {
            signals.onRetransmit(entry.getKey(), entry.getValue()[0]);
        }
    }

    /** Forgets the accumulators of an exited thread (the exporter was told already). */
    synchronized void forget(int tid) {
        connectHist.keySet().removeIf(k -> (int) (k >>> 8) == tid);
        retransmits.remove(tid);
    }

    @Override
    public void threadStart(ThreadEvent e) {
        int len = e.copyName(name);
        String threadName = new String(name, 0, Math.max(0, len), java.nio.charset.StandardCharsets.UTF_8);
        registry.onThreadStart((int) e.nativeTid(), e.javaId(), threadName, e.daemon());
        signals.onThreadRenamed((int) e.nativeTid());
    }

    @Override
    public void threadStop(ThreadEvent e) {
        registry.onThreadStop((int) e.nativeTid());
        if (++exitsSinceTrigger >= EXITS_PER_EARLY_COLLECTION) {
            exitsSinceTrigger = 0;
            onManyExits.run();
        }
    }

    @Override
    public void gc(GcEvent e) {
        String action = e.full() ? "end of major GC" : "end of minor GC";
        String collector = gcNames.of(e.full());
        signals.onGcPause(collector, action, e.startNs(), e.durationNs());
        if (wants(e, IntervalKind.GC_PAUSE)) {
            signals.onInterval(KernelInterval.of(IntervalKind.GC_PAUSE, e.tid(), e.startNs(), e.durationNs(),
                    collector, null));
        }
    }

    @Override
    public void vmop(VmopEvent e) {
        signals.onVmOperation(e.name(), e.startNs(), e.durationNs());
        if (wants(e, IntervalKind.VM_OPERATION)) {
            signals.onInterval(KernelInterval.of(IntervalKind.VM_OPERATION, e.tid(), e.startNs(), e.durationNs(),
                    e.name(), null));
        }
    }

    /**
     * A compilation above {@code probes.jvm.compile_threshold}; the kernel counts every
     * compilation in its statistics (read by the collector), so this only makes the span.
     */
    @Override
    public void compile(CompileEvent e) {
        if (wants(e, IntervalKind.JIT_COMPILATION)) {
            String method = e.className().replace('/', '.') + "." + e.methodName();
            signals.onInterval(KernelInterval.of(IntervalKind.JIT_COMPILATION, e.tid(), e.startNs(), e.durationNs(),
                    method, null));
        }
    }
}
