package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.threads.JavaThreadInfo;
import io.ebpfagent.agent.threads.ThreadRegistry;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.otel.ThreadNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Names kernel tids for the exporter: Java threads from the registry, JVM-internal threads the
 * registry has not seen (yet) from {@code /proc/self/task/<tid>/comm}, so nothing the kernel
 * reports ends up nameless. Called once per tid by the exporter, so it may allocate.
 */
final class RegistryThreadNames implements ThreadNames {
    /** A thread dump costs a safepoint: at most one per this many nanoseconds on behalf of names. */
    private static final long RESCAN_INTERVAL_NS = 5_000_000_000L;
    private final ThreadRegistry registry;
    private long lastRescan = System.nanoTime() - RESCAN_INTERVAL_NS;

    RegistryThreadNames(ThreadRegistry registry) {
        this.registry = registry;
    }

    private static boolean isLive(int tid) {
        return Files.exists(Path.of("/proc/self/task/" + tid));
    }

    @Override
    public synchronized ThreadKey resolve(int tid) {
        JavaThreadInfo info = registry.lookup(tid);
        if (info == null && System.nanoTime() - lastRescan >= RESCAN_INTERVAL_NS && isLive(tid)) {
            // a thread started while the probes were loading: the kernel's comm is only the
            // first 15 bytes of the Java name, so ask the JVM before falling back to it
            lastRescan = System.nanoTime();
            try {
                registry.rescan();
            } catch (RuntimeException e) {
                // keep the fallback below
            }
            info = registry.lookup(tid);
        }
        if (info != null) {
            return new ThreadKey(tid, info.name(), info.group(), info.javaId());
        }
        try {
            String comm = Files.readString(Path.of("/proc/self/task/" + tid + "/comm")).strip();
            if (!comm.isEmpty()) {
                return new ThreadKey(tid, comm, registry.groups().groupOf(comm), -1);
            }
        } catch (IOException | RuntimeException gone) {
            // the thread already exited
        }
        return ThreadKey.unknown(tid);
    }
}
