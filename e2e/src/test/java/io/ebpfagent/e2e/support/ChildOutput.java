package io.ebpfagent.e2e.support;

/** Runs a test body and, when it fails, appends what the child JVM printed to the failure. */
public final class ChildOutput {
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private ChildOutput() {
    }

    public static void onFailure(JavaProcess child, Body body) throws Exception {
        try {
            body.run();
        } catch (Throwable t) {
            AssertionError e = new AssertionError(t.getMessage() + "\n---- output of the child JVM (pid "
                    + child.pid() + (child.isAlive() ? ", running" : ", exited") + ") ----\n" + child.output()
                    + "\n---- end of child output ----", t);
            throw e;
        }
    }
}
