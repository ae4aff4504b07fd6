package io.ebpfagent.agent.threads;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/** Runs the in-process {@code Thread.print} diagnostic command (one safepoint, ~100 ms). */
public final class ThreadDumps {
    private ThreadDumps() {
    }

    public static String threadPrint() {
        try {
            Object result = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "threadPrint",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return (String) result;
        } catch (Exception e) {
            throw new IllegalStateException("Thread.print diagnostic command failed: " + e, e);
        }
    }
}
