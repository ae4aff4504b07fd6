package io.ebpfagent.agent.exit;

/**
 * Template of the class the agent defines into the boot loader as
 * {@code java.lang.EbpfAgentHaltBridge} ({@link HaltHook}): {@code Runtime.halt} calls
 * {@link #beforeHalt()} first, which runs what the agent registered. Never used under its own name.
 */
public final class HaltBridge {
    public static volatile Runnable beforeHalt;

    private HaltBridge() {
    }

    public static void beforeHalt() {
        Runnable hook = beforeHalt;
        if (hook != null) {
            try {
                hook.run();
            } catch (Throwable t) {
                // A failure here must never keep Runtime.halt from halting.
            }
        }
    }
}
