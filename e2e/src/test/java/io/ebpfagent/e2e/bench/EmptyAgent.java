package io.ebpfagent.e2e.bench;

import java.lang.instrument.Instrumentation;

/**
 * A {@code -javaagent} whose premain does nothing: what any agent costs a JVM before its
 * premain runs ({@code StartupBenchmark --floor}).
 */
public final class EmptyAgent {
    private EmptyAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        // nothing: the JVM's own cost of an agent is what is measured
    }
}
