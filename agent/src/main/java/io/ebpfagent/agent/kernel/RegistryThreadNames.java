package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.threads.JavaThreadInfo;
import io.ebpfagent.agent.threads.ThreadRegistry;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.otel.ThreadNames;
import io.ebpfagent.probes.JvmProbe.JavaThreadName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * Names kernel tids for the exporter, alive or exited, in this order:
 * <ol>
 *   <li>the thread registry's Java thread (live Java threads);</li>
 *   <li>the name and Java id the jvm probe kept from the thread's {@code thread__start} (Java
 *       threads that started after the probe attached, also after they exited: the kernel keeps
 *       the entry until the collector has read the thread's final counters);</li>
 *   <li>a registry rescan, for a live thread started while the probes were loading (at most
 *       every 5 s: it costs a safepoint);</li>
 *   <li>the kernel's name ({@code comm}, the first 15 bytes of a Java name) of a live thread
 *       from {@code /proc/self/task/<tid>/comm}, or of an exited one as the sched probe kept it
 *       from its final switch-out; grouped by the same {@code threads.group_patterns}.</li>
 * </ol>
 * Only a tid none of these knows (the sched probe off and the thread gone) is {@code unknown}.
 * Called once per tid by the exporter (and again after a rename), so it may allocate.
 */
final class RegistryThreadNames implements ThreadNames {
    /** A thread dump costs a safepoint: at most one per this many nanoseconds on behalf of names. */
    private static final long RESCAN_INTERVAL_NS = 5_000_000_000L;
    private final ThreadRegistry registry;
    private long lastRescan = System.nanoTime() - RESCAN_INTERVAL_NS;
    private volatile IntFunction<JavaThreadName> javaThreads = tid -> null;
    private volatile IntFunction<String> exitedNames = tid -> null;

    RegistryThreadNames(ThreadRegistry registry) {
        this.registry = registry;
    }

    /**
     * The kernel's names: {@code javaThreads} answers from the jvm probe's {@code thread__start}
     * records, {@code exitedNames} the {@code comm} of an exited thread from the sched probe.
     * Either may return null; neither may take a lock the exporter's callers hold.
     */
    void useKernelNames(IntFunction<JavaThreadName> javaThreads, IntFunction<String> exitedNames) {
        if (javaThreads != null) {
            this.javaThreads = javaThreads;
        }
        if (exitedNames != null) {
            this.exitedNames = exitedNames;
        }
    }

    private static boolean isLive(int tid) {
        return Files.exists(Path.of("/proc/self/task/" + tid));
    }

    @Override
    public synchronized ThreadKey resolve(int tid) {
        JavaThreadInfo info = registry.lookup(tid);
        if (info != null) {
            return new ThreadKey(tid, info.name(), info.group(), info.javaId());
        }
        JavaThreadName started = lookup(javaThreads, tid);
        if (started != null && !started.name().isEmpty()) {
            return new ThreadKey(tid, started.name(), registry.groups().groupOf(started.name()), started.javaId());
        }
        if (System.nanoTime() - lastRescan >= RESCAN_INTERVAL_NS && isLive(tid)) {
            // a thread started while the probes were loading: the kernel's comm is only the
            // first 15 bytes of the Java name, so ask the JVM before falling back to it
            lastRescan = System.nanoTime();
            try {
                registry.rescan();
            } catch (RuntimeException e) {
                // keep the fallbacks below
            }
            info = registry.lookup(tid);
            if (info != null) {
                return new ThreadKey(tid, info.name(), info.group(), info.javaId());
            }
        }
        String comm = liveComm(tid);
        if (comm == null) {
            comm = lookup(exitedNames, tid);
        }
        if (comm != null && !comm.isEmpty()) {
            return new ThreadKey(tid, comm, registry.groups().groupOf(comm), -1);
        }
        return ThreadKey.unknown(tid);
    }

    private static String liveComm(int tid) {
        try {
            return Files.readString(Path.of("/proc/self/task/" + tid + "/comm")).strip();
        } catch (IOException | RuntimeException gone) {
            return null; // the thread already exited
        }
    }

    private static <T> T lookup(IntFunction<T> source, int tid) {
        try {
            return source.apply(tid);
        } catch (RuntimeException e) {
            return null; // a closed probe or a failed lookup: the next source decides
        }
    }
}
