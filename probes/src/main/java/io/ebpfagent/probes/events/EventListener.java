package io.ebpfagent.probes.events;

/**
 * Receives decoded ring buffer records on the events thread, one method per event kind. The
 * view passed in is a flyweight re-pointed at the next record after the call returns: read
 * what you need inside the call. Methods default to ignoring the event.
 */
public interface EventListener {
    default void offCpu(OffCpuEvent e) {
    }

    default void slowSyscall(SlowSyscallEvent e) {
    }

    default void slowIo(SlowIoEvent e) {
    }

    default void fsync(FsyncEvent e) {
    }

    default void open(OpenEvent e) {
    }

    default void connect(ConnectEvent e) {
    }

    default void accept(AcceptEvent e) {
    }

    default void retransmit(TcpEvent e) {
    }

    default void reset(TcpEvent e) {
    }

    default void threadStart(ThreadEvent e) {
    }

    default void threadStop(ThreadEvent e) {
    }

    default void gc(GcEvent e) {
    }

    default void memPoolGc(MemPoolEvent e) {
    }

    default void vmop(VmopEvent e) {
    }

    default void compile(CompileEvent e) {
    }

    default void monitorContended(MonitorEvent e) {
    }

    default void classLoaded(ClassEvent e) {
    }

    /** A record of an unknown kind or shorter than its kind's struct (an object/binding mismatch). */
    default void malformed(int kind, int length) {
    }
}
