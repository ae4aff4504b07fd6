package io.ebpfagent.probes.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The switch-cost benchmarks' workload: two platform threads hand a turn to each other with
 * park/unpark, so that every hand-off is a wakeup and a voluntary switch of each.
 */
final class PingPong {

    /** Runs on each of the two threads (0 or 1, its own tid) before the hand-offs begin. */
    interface Setup {
        void run(int index, int tid) throws Exception;
    }

    private PingPong() {
    }

    /**
     * {@code roundTrips} hand-offs; {@code started} runs on the calling thread once both threads
     * are ready, {@code finished} once both are done. Answers the context switches of the two
     * threads meanwhile (at least 1), from their own {@code /proc/thread-self/status}.
     */
    static long run(int roundTrips, Setup setup, Runnable started, Runnable finished) throws Exception {
        return run(roundTrips, setup, started, finished, () -> { });
    }

    /**
     * The same with {@code beforeHandOff} run by each thread before it hands the turn over, e.g.
     * work that evicts the caches, so that the switch programs run cold as after a thread's
     * real work.
     */
    static long run(int roundTrips, Setup setup, Runnable started, Runnable finished, Runnable beforeHandOff)
            throws Exception {
        AtomicInteger turn = new AtomicInteger();
        CyclicBarrier ready = new CyclicBarrier(3);
        CyclicBarrier done = new CyclicBarrier(3);
        long[] switches = new long[2];
        Thread[] threads = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int me = i;
            threads[i] = Thread.ofPlatform().name("switch-cost-" + i).unstarted(() -> {
                try {
                    setup.run(me, tid());
                    ready.await();
                    long s0 = switchesOfThisThread();
                    for (int k = 0; k < roundTrips; k++) {
                        if (me == 0) {
                            beforeHandOff.run();
                            turn.set(1);
                            LockSupport.unpark(threads[1]);
                        }
                        while (turn.get() != (me == 0 ? 0 : 1)) {
                            LockSupport.park();
                        }
                        if (me == 1) {
                            beforeHandOff.run();
                            turn.set(0);
                            LockSupport.unpark(threads[0]);
                        }
                    }
                    switches[me] = switchesOfThisThread() - s0;
                    done.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads[i].start();
        }
        ready.await();
        started.run();
        done.await();
        finished.run();
        for (Thread t : threads) {
            t.join();
        }
        return Math.max(1, switches[0] + switches[1]);
    }

    private static int tid() throws Exception {
        // /proc/thread-self is a link to <pid>/task/<tid>
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        return Integer.parseInt(link.substring(link.lastIndexOf('/') + 1));
    }

    private static long switchesOfThisThread() throws Exception {
        long n = 0;
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return n;
    }
}
