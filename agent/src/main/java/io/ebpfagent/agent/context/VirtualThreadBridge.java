package io.ebpfagent.agent.context;

import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * Template of the class the agent defines into the boot loader as
 * {@code java.lang.EbpfAgentVirtualThreadBridge} (renamed at run time): the advice inlined into
 * {@code java.lang.VirtualThread} can only call boot classes, and this one forwards to the agent
 * through JDK functional interfaces. Never used under its own name.
 */
public final class VirtualThreadBridge {
    public static volatile IntSupplier beforeMount;
    public static volatile IntConsumer afterMount;
    public static volatile Runnable beforeUnmount;

    private VirtualThreadBridge() {
    }

    public static int beforeMount() {
        IntSupplier hook = beforeMount;
        if (hook == null) {
            return -1;
        }
        try {
            return hook.getAsInt();
        } catch (Throwable t) {
            return -1;
        }
    }

    public static void afterMount(int carrierSlot) {
        IntConsumer hook = afterMount;
        if (hook != null && carrierSlot >= 0) {
            try {
                hook.accept(carrierSlot);
            } catch (Throwable t) {
                // A failure here must never reach VirtualThread.mount.
            }
        }
    }

    public static void beforeUnmount() {
        Runnable hook = beforeUnmount;
        if (hook != null) {
            try {
                hook.run();
            } catch (Throwable t) {
                // A failure here must never reach VirtualThread.unmount.
            }
        }
    }
}
