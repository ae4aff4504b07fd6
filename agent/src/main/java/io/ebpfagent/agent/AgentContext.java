package io.ebpfagent.agent;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.context.SpanContextPublication;
import io.ebpfagent.agent.threads.ThreadRegistry;
import java.lang.instrument.Instrumentation;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What components get: the configuration, the JVM's {@link Instrumentation} (null when started
 * without one, e.g. in tests), the thread registry, the span-context publication point (call
 * {@link SpanContextPublication#connect} with the mmapped BPF array) and a shared scheduler
 * (one daemon thread; do not block it).
 */
public record AgentContext(AgentConfig config, Instrumentation instrumentation, ThreadRegistry threads,
        SpanContextPublication spanContexts, ScheduledExecutorService scheduler) {
}
