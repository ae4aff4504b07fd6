package io.ebpfagent.agent.it;

/** Exits at once: by returning from main, or with {@code System.exit} when the first argument is {@code exit}. */
public final class QuickExitApp {
    private QuickExitApp() {
    }

    public static void main(String[] args) {
        System.out.println("APP done");
        if (args.length > 0 && args[0].equals("exit")) {
            System.exit(3);
        }
    }
}
