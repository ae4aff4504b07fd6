package io.ebpfagent.agent.it;

/**
 * An application without any OpenTelemetry: {@code handle()} sleeps 150 ms. Run with
 * {@code instrumentation.methods: [io.ebpfagent.agent.it.SleepApp#handle]}; it waits for a line on
 * stdin, which the test sends once the agent said it is initialized (the method-span bridge is
 * connected then), calls {@code handle()} three times and ends, so that the shutdown hook closes
 * (and flushes) the agent.
 */
public final class SleepApp {
    private SleepApp() {
    }

    public static void handle() throws InterruptedException {
        Thread.sleep(150);
    }

    public static void main(String[] args) throws Exception {
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        System.out.println("APP bridge connected=" + bridgeConnected());
        for (int i = 0; i < 3; i++) {
            handle();
        }
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
