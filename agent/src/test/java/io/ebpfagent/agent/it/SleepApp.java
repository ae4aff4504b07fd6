package io.ebpfagent.agent.it;

/**
 * An application without any OpenTelemetry: {@code handle()} sleeps 150 ms. Run with
 * {@code instrumentation.methods: [io.ebpfagent.agent.it.SleepApp#handle]}; it waits until the
 * agent has connected its method-span bridge (after installing the transformation), then calls
 * {@code handle()} three times.
 */
public final class SleepApp {
    private SleepApp() {
    }

    public static void handle() throws InterruptedException {
        Thread.sleep(150);
    }

    public static void main(String[] args) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!bridgeConnected() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        System.out.println("APP bridge connected=" + bridgeConnected());
        for (int i = 0; i < 3; i++) {
            handle();
        }
        // The agent connects the bridge at the end of its kernel component's start; let that
        // return, so that the shutdown hook closes (and flushes) it.
        Thread.sleep(1000);
        System.out.println("APP OK");
    }

    private static boolean bridgeConnected() {
        try {
            return Class.forName("java.lang.EbpfAgentMethodSpans", false, null).getField("onEnter").get(null) != null;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
