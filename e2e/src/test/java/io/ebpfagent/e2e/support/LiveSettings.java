package io.ebpfagent.e2e.support;

import com.sun.tools.attach.VirtualMachine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Changes a setting of the agent running in a child JVM the way a user would: the agent jar
 * loaded into it again by dynamic attach with the settings as its arguments.
 */
public final class LiveSettings {
    private LiveSettings() {
    }

    /**
     * Sends {@code settings} ({@code name=value,...}) and waits until the child's output has one
     * more line matching {@code confirmation} (a regular expression) than before.
     */
    public static void apply(JavaProcess child, Path agentJar, String settings, String confirmation, Duration timeout)
            throws Exception {
        Pattern pattern = Pattern.compile(confirmation);
        long seen = count(child, pattern);
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(child.pid()));
        try {
            vm.loadAgent(agentJar.toString(), settings);
        } finally {
            vm.detach();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(child, pattern) <= seen) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the agent did not log /" + confirmation + "/ within " + timeout
                        + " after " + settings + ":\n" + child.output());
            }
            Thread.sleep(20);
        }
    }

    private static long count(JavaProcess child, Pattern pattern) {
        return child.lines().stream().filter(l -> pattern.matcher(l).find()).count();
    }
}
