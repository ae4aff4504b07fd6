package io.ebpfagent.otel;

import java.util.Objects;

/**
 * Who a kernel thread id is on the Java side.
 *
 * @param tid    the OS thread id the kernel reports
 * @param name   the Java thread name (high cardinality: spans only)
 * @param group  a bounded name for metric attributes, e.g. {@code pool-1-thread-*}
 * @param javaId {@link Thread#threadId()}, or {@code -1} for a thread with no Java peer
 */
public record ThreadKey(int tid, String name, String group, long javaId) {
    /** Group of threads nobody could name (native threads, tids that already exited). */
    public static final String UNKNOWN_GROUP = "unknown";

    public ThreadKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(group, "group");
    }

    /** The key of a tid that {@link ThreadNames} could not resolve. */
    public static ThreadKey unknown(int tid) {
        return new ThreadKey(tid, "tid-" + tid, UNKNOWN_GROUP, -1);
    }
}
