package io.ebpfagent.agent.threads;

/** What an OS thread of this JVM is. */
public enum ThreadKind {
    /** A Java platform thread. */
    PLATFORM,
    /** A platform thread of the virtual-thread scheduler; the virtual thread it carries changes. */
    CARRIER,
    /** A JVM thread with no java.lang.Thread (GC, JIT compiler, VM thread). */
    JVM_INTERNAL
}
