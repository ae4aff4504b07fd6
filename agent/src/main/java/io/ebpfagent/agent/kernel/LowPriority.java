package io.ebpfagent.agent.kernel;

import io.ebpfagent.loader.sys.ThreadNice;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a part of the agent's start on a thread of its own at a raised nice value ({@code agent.nice})
 * and waits for it. The start (loading the probes, setting up the exporters: ~1.7 s of CPU in a
 * fresh JVM on a slow machine) runs while the application starts; at a raised nice value it
 * yields the CPU to the application's threads when they want it, and costs nothing more when
 * they do not. Threads started from there inherit the value (the exporters' transports, server
 * and export thread: background work too). The caller keeps its own priority, which a thread
 * could not get back once raised without {@code CAP_SYS_NICE}: the threads it starts itself, the
 * probes' event reader among them, run at the JVM's priority.
 */
final class LowPriority {
    private static final Logger LOG = LoggerFactory.getLogger(LowPriority.class);

    private LowPriority() {
    }

    /** {@code work} on a new thread {@code name} at {@code nice}; with 0, on the calling thread. */
    static <T> T call(String name, int nice, Callable<T> work) throws Exception {
        if (nice == 0) {
            return work.call();
        }
        FutureTask<T> task = new FutureTask<>(new Callable<T>() {
            @Override
            public T call() throws Exception {
                lowerThisThread(nice);
                return work.call();
            }
        });
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    /** Raises the calling thread's nice value to {@code nice}; a failure only costs the courtesy. */
    private static void lowerThisThread(int nice) {
        try {
            int r = ThreadNice.set(nice);
            if (r != 0) {
                LOG.debug("{} keeps the JVM's priority: setpriority failed with errno {}",
                        Thread.currentThread().getName(), -r);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("{} keeps the JVM's priority: {}", Thread.currentThread().getName(), e.toString());
        }
    }
}
