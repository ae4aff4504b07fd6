package io.ebpfagent.probes.events;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.ebpfagent.probes.layout.CommonLayouts.EventHdr;
import io.ebpfagent.probes.layout.IoLayouts;
import io.ebpfagent.probes.layout.JvmLayouts;
import io.ebpfagent.probes.layout.NetLayouts;
import io.ebpfagent.probes.layout.SchedLayouts;
import io.ebpfagent.probes.layout.SyscallsLayouts;
import io.ebpfagent.loader.ringbuf.RecordHandler;
import java.lang.foreign.MemorySegment;

/**
 * Decodes records of the {@code events} ring buffers into flyweight views and dispatches them to
 * a listener. One decoder per draining thread: the views are reused, nothing is allocated per
 * record. A listener that throws loses that record only; the error is counted.
 */
public final class EventDecoder implements RecordHandler {
    private final EventListener listener;
    private final OffCpuEvent offCpu = new OffCpuEvent();
    private final SlowSyscallEvent slowSyscall = new SlowSyscallEvent();
    private final SlowIoEvent slowIo = new SlowIoEvent();
    private final FsyncEvent fsync = new FsyncEvent();
    private final OpenEvent open = new OpenEvent();
    private final ConnectEvent connect = new ConnectEvent();
    private final AcceptEvent accept = new AcceptEvent();
    private final TcpEvent tcp = new TcpEvent();
    private final ThreadEvent thread = new ThreadEvent();
    private final GcEvent gc = new GcEvent();
    private final MemPoolEvent memPool = new MemPoolEvent();
    private final VmopEvent vmop = new VmopEvent();
    private final CompileEvent compile = new CompileEvent();
    private final MonitorEvent monitor = new MonitorEvent();
    private final ClassEvent classLoaded = new ClassEvent();
    private long records;
    private long malformed;
    private long listenerErrors;
    private RuntimeException lastListenerError;

    public EventDecoder(EventListener listener) {
        this.listener = listener;
    }

    @Override
    public void onRecord(MemorySegment ring, long offset, int length) {
        records++;
        if (length < EventHdr.SIZE) {
            malformed++;
            listener.malformed(-1, length);
            return;
        }
        int kind = ring.get(JAVA_INT, offset + EventHdr.KIND);
        try {
            switch (kind) {
                case EventKind.OFFCPU -> {
                    if (fits(kind, length, SchedLayouts.OffcpuEvent.SIZE)) {
                        offCpu.wrap(ring, offset);
                        listener.offCpu(offCpu);
                    }
                }
                case EventKind.SLOW_SYSCALL -> {
                    if (fits(kind, length, SyscallsLayouts.SlowSyscallEvent.SIZE)) {
                        slowSyscall.wrap(ring, offset);
                        listener.slowSyscall(slowSyscall);
                    }
                }
                case EventKind.SLOW_IO -> {
                    if (fits(kind, length, IoLayouts.SlowIoEvent.SIZE)) {
                        slowIo.wrap(ring, offset);
                        listener.slowIo(slowIo);
                    }
                }
                case EventKind.FSYNC -> {
                    if (fits(kind, length, IoLayouts.FsyncEvent.SIZE)) {
                        fsync.wrap(ring, offset);
                        listener.fsync(fsync);
                    }
                }
                case EventKind.OPEN -> {
                    if (fits(kind, length, IoLayouts.OpenEvent.SIZE)) {
                        open.wrap(ring, offset);
                        listener.open(open);
                    }
                }
                case EventKind.CONNECT -> {
                    if (fits(kind, length, NetLayouts.ConnectEvent.SIZE)) {
                        connect.wrap(ring, offset);
                        listener.connect(connect);
                    }
                }
                case EventKind.ACCEPT -> {
                    if (fits(kind, length, NetLayouts.AcceptEvent.SIZE)) {
                        accept.wrap(ring, offset);
                        listener.accept(accept);
                    }
                }
                case EventKind.RETRANSMIT -> {
                    if (fits(kind, length, NetLayouts.TcpEvent.SIZE)) {
                        tcp.wrap(ring, offset);
                        listener.retransmit(tcp);
                    }
                }
                case EventKind.RESET -> {
                    if (fits(kind, length, NetLayouts.TcpEvent.SIZE)) {
                        tcp.wrap(ring, offset);
                        listener.reset(tcp);
                    }
                }
                case EventKind.THREAD_START -> {
                    if (fits(kind, length, JvmLayouts.ThreadEvent.SIZE)) {
                        thread.wrap(ring, offset);
                        listener.threadStart(thread);
                    }
                }
                case EventKind.THREAD_STOP -> {
                    if (fits(kind, length, JvmLayouts.ThreadEvent.SIZE)) {
                        thread.wrap(ring, offset);
                        listener.threadStop(thread);
                    }
                }
                case EventKind.GC -> {
                    if (fits(kind, length, JvmLayouts.GcEvent.SIZE)) {
                        gc.wrap(ring, offset);
                        listener.gc(gc);
                    }
                }
                case EventKind.MEM_POOL_GC -> {
                    if (fits(kind, length, JvmLayouts.MemPoolEvent.SIZE)) {
                        memPool.wrap(ring, offset);
                        listener.memPoolGc(memPool);
                    }
                }
                case EventKind.VMOP -> {
                    if (fits(kind, length, JvmLayouts.VmopEvent.SIZE)) {
                        vmop.wrap(ring, offset);
                        listener.vmop(vmop);
                    }
                }
                case EventKind.COMPILE -> {
                    if (fits(kind, length, JvmLayouts.CompileEvent.SIZE)) {
                        compile.wrap(ring, offset);
                        listener.compile(compile);
                    }
                }
                case EventKind.MONITOR_CONTENDED -> {
                    if (fits(kind, length, JvmLayouts.MonitorEvent.SIZE)) {
                        monitor.wrap(ring, offset);
                        listener.monitorContended(monitor);
                    }
                }
                case EventKind.CLASS_LOADED -> {
                    if (fits(kind, length, JvmLayouts.ClassEvent.SIZE)) {
                        classLoaded.wrap(ring, offset);
                        listener.classLoaded(classLoaded);
                    }
                }
                default -> {
                    malformed++;
                    listener.malformed(kind, length);
                }
            }
        } catch (RuntimeException e) {
            listenerErrors++;
            lastListenerError = e;
        }
    }

    private boolean fits(int kind, int length, long size) {
        if (length >= size) {
            return true;
        }
        malformed++;
        listener.malformed(kind, length);
        return false;
    }

    /** Records seen (read from the draining thread, or after it stopped). */
    public long records() {
        return records;
    }

    public long malformed() {
        return malformed;
    }

    public long listenerErrors() {
        return listenerErrors;
    }

    /** The last exception a listener threw, null when none. */
    public RuntimeException lastListenerError() {
        return lastListenerError;
    }
}
