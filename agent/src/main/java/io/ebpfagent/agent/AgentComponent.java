package io.ebpfagent.agent;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.LiveSettings;

/**
 * A part of the agent started on the {@code ebpf-agent-init} thread after the core (config,
 * thread registry, span-context hooks): a probe, the exporter. Found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.ebpfagent.agent.AgentComponent},
 * public no-argument constructor) or passed to {@link Agent#launch}. A component that throws
 * from {@link #start} is logged once as {@code <name> disabled: <reason>} and skipped; the
 * others start regardless. Components close in reverse start order at JVM shutdown.
 */
public interface AgentComponent extends AutoCloseable {

    /** Used in log lines, e.g. {@code probe sched}, {@code exporter}. */
    String name();

    /** Whether to start at all under this configuration (e.g. {@code probes.sched.enabled}). */
    default boolean enabled(AgentConfig config) {
        return true;
    }

    /** Lower starts first (e.g. probes before the exporter that reads them). */
    default int order() {
        return 0;
    }

    void start(AgentContext context) throws Exception;

    @Override
    default void close() throws Exception {
    }

    /**
     * Closes at JVM exit, where the kernel releases every descriptor, mapping and link of the
     * process anyway: only what must happen before the process ends (a last collection, a final
     * export bounded in time) is worth the exit's time. The default is {@link #close()}.
     */
    default void closeAtExit() throws Exception {
        close();
    }

    /**
     * Called on the thread that calls {@code Runtime.halt}, which runs no shutdown hook: HotSpot's
     * exit then waits up to 300 ms for every Java thread in native code, so threads that wait in
     * native code (epoll, selectors) are woken and ended here. Must be quick and must not block;
     * nothing is flushed. The default does nothing.
     */
    default void releaseBeforeHalt() {
    }

    /**
     * A setting of {@link LiveSettings#KEYS} changed while the agent runs. Answers whether this
     * component is the one that uses it (and then logs what it did, or why it could not); the
     * default uses none.
     */
    default boolean applyLive(LiveSettings.Change change) {
        return false;
    }
}
