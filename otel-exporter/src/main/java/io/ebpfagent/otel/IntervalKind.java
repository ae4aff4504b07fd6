package io.ebpfagent.otel;

/** What a {@link KernelInterval} measured; decides the span name and its attributes. */
public enum IntervalKind {
    /** The thread was switched out (blocked or preempted); {@link KernelInterval#reason()} says which. */
    OFF_CPU("off-cpu"),
    /** The thread was runnable but waited on a run queue. */
    RUNQUEUE_WAIT("runqueue wait"),
    /** One syscall that took longer than the threshold; {@link KernelInterval#syscallNr()}. */
    SLOW_SYSCALL("syscall"),
    /** One file read/write that took longer than the threshold; target is the path. */
    SLOW_FILE_IO("file io"),
    /** A TCP connect that took longer than the threshold; target is the peer. */
    SLOW_CONNECT("tcp connect"),
    /** A stop-the-world GC pause; target is the collector name. */
    GC_PAUSE("gc pause"),
    /** A HotSpot VM operation at a safepoint; target is the operation name. */
    VM_OPERATION("vm operation"),
    /** A page fault that blocked the thread on I/O. */
    MAJOR_PAGE_FAULT("major page fault"),
    /** A JIT compilation on a compiler thread; target is the compiled method ({@code pkg.Class.method}). */
    JIT_COMPILATION("jit compilation");

    private final String spanName;

    IntervalKind(String spanName) {
        this.spanName = spanName;
    }

    /** The base span name; syscall spans append the syscall name ({@code syscall read}). */
    public String spanName() {
        return spanName;
    }
}
