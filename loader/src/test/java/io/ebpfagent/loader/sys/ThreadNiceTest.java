package io.ebpfagent.loader.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {
    @Test
    void raisesTheCallingThreadsNiceValueOnlyAndThreadsItStartsInheritIt() throws Exception {
        int mine = niceOf("thread-self");
        int[] seen = new int[3];
        Thread worker = new Thread(() -> {
            try {
                seen[0] = ThreadNice.set(Math.min(19, mine + 7));
                seen[1] = niceOf("thread-self");
                Thread child = new Thread(() -> {
                    try {
                        seen[2] = niceOf("thread-self");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                child.start();
                child.join();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "nice-worker");
        worker.start();
        worker.join();
        assertEquals(0, seen[0], "setpriority's result");
        assertEquals(Math.min(19, mine + 7), seen[1], "the worker's nice value");
        assertEquals(seen[1], seen[2], "a thread the worker started");
        assertEquals(mine, niceOf("thread-self"), "the calling test thread is unchanged");
    }

    @Test
    void refusesValuesOutsideTheKernelsRange() {
        assertThrows(IllegalArgumentException.class, () -> ThreadNice.set(20));
        assertThrows(IllegalArgumentException.class, () -> ThreadNice.set(-21));
    }

    /** Field 19 of proc_pid_stat(5). */
    private static int niceOf(String task) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + task + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }
}
