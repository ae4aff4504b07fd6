package io.ebpfagent.otel;

/**
 * Resolves kernel thread ids to Java threads; supplied by the agent's thread registry.
 *
 * <p>Called once per tid the exporter first sees (and again after {@link
 * KernelSignals#onThreadRenamed(int)}), never per event, so it may take a lock or allocate.
 */
@FunctionalInterface
public interface ThreadNames {

    /** The thread behind {@code tid}, or {@code null} when the registry does not know it. */
    ThreadKey resolve(int tid);

    /**
     * The default bounded grouping of a thread name: a trailing run of digits becomes {@code *}
     * ({@code pool-1-thread-7 -> pool-1-thread-*}, {@code GC Thread#3 -> GC Thread#*}), so every
     * thread of a pool shares one metric series.
     */
    static String groupOf(String threadName) {
        int end = threadName.length();
        int i = end;
        while (i > 0 && Character.isDigit(threadName.charAt(i - 1))) {
            i--;
        }
        if (i == end || i == 0) {
            return threadName;
        }
        return threadName.substring(0, i) + '*';
    }
}
