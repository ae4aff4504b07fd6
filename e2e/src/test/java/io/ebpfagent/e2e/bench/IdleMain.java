package io.ebpfagent.e2e.bench;

/** An application that does nothing: says "ready" once in main, then sleeps (argument: milliseconds). */
public final class IdleMain {
    private IdleMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.parseLong(args[0]));
    }
}
