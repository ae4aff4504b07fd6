package io.ebpfagent.agent.it;

/** Methods that get method spans in MethodSpansTest (loaded before the instrumentation is installed). */
public final class MethodWork {
    public void outer(Runnable inside) {
        inner(inside);
    }

    public void inner(Runnable inside) {
        inside.run();
    }

    public int fail(String message) {
        throw new IllegalStateException(message);
    }

    /** Not named by the test's patterns. */
    public void plain(Runnable inside) {
        inside.run();
    }

    public int recurse(int depth) {
        return depth == 0 ? 0 : 1 + recurse(depth - 1);
    }
}
