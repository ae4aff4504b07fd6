package io.ebpfagent.e2e.apps;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A plain Jetty 12 core server (a {@link Handler.Abstract}, no servlet) for the correlation
 * tests: run as a child JVM under the OpenTelemetry Java agent and the ebpf-agent, it does work
 * the kernel sees (sleep, fsync, lock waits) inside HTTP requests and records, per work segment,
 * when it ran and on which OS thread: the ground truth the kernel spans are checked against.
 *
 * <p>It does not need the OpenTelemetry API ("no API" variant). With {@code -Dapp.manualSpan=true}
 * and the API on the class path, each request's work additionally runs inside one manual span made
 * current around it ({@link ManualSpans}, loaded only then).
 *
 * <p>Every request carries {@code ?id=N}. Paths:
 * <ul>
 * <li>{@code /direct}: on the request thread: sleep 30 ms, write 4 KiB to a new file and fsync it,
 * then wait for a {@link ReentrantLock} that a holder thread (started before any request, so it
 * carries no span context) has just taken and holds for 30 ms;</li>
 * <li>{@code /pool}: the sleep and the fsync on a fixed pool ({@code app-pool-N}), the request
 * thread waiting for the result ({@code submit(...).get()});</li>
 * <li>{@code /late}: as {@code /pool}, but the task ends the request's wait itself (a future it
 * completes) and then sleeps 200 ms more in the task, so the request's span ends first;</li>
 * <li>{@code /virtual}: the same as {@code /pool} on a virtual thread
 * ({@code newVirtualThreadPerTaskExecutor}). A sleeping virtual thread unmounts (its carrier does not block); fsync blocks the carrier with
 * the virtual thread mounted.</li>
 * </ul>
 *
 * <p>Segments are appended to {@code -Dapp.segments=<file>} as JSON lines, all lines of a request
 * written and flushed before its response: {@code {"id":7,"scenario":"pool","kind":"sleep",
 * "thread":"app-pool-2","thread_end":"app-pool-2","virtual":false,"start":<epoch ns>,"end":<epoch ns>,
 * "run_delay":-1}}.
 * {@code thread} is the OS thread as the kernel sees it (for a virtual thread its carrier, at the
 * start and at the end of the segment). {@code run_delay} (fsync only, else -1) is the time that OS
 * thread waited for a CPU during the segment (schedstat), which the kernel's system-call interval
 * does not contain when it falls after the call returned. Kinds: {@code sleep}, {@code fsync}, {@code lock} (the
 * wait for the held lock), {@code wait} (the request thread waiting for a pool or virtual task),
 * {@code handoff} (the request thread waiting for the lock holder to take the lock), and the
 * envelopes {@code request} (handler entry to exit on the request thread), {@code task}
 * (a pool or virtual task, start to end) and, for a virtual task, {@code mounted} (the stretches
 * before and after the sleep, during which it stays on one carrier). Times come from {@link Clock#systemUTC()} with
 * nanoseconds, the clock the exported spans' epoch times come from.
 *
 * <p>Prints {@code jetty-app listening on port N} when ready.
 */
public final class JettyCorrelationApp {
    static final long SLEEP_MS = 30;
    static final long HOLD_MS = 30;
    /** How long a {@code /late} task stays in its task after it ended the request's wait. */
    static final long LATE_MS = 200;
    static final int FILE_BYTES = 4096;
    private static final int LOCK_HOLDERS = 16;
    private static final Clock CLOCK = Clock.systemUTC();
    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

    /** Runs the work of one request on the current thread, optionally inside a span. */
    public interface Around {
        void run(String scenario, long id, Work work) throws Exception;
    }

    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    /** A lock a holder thread takes for {@link #HOLD_MS} on request. */
    private static final class Hold {
        final ReentrantLock lock = new ReentrantLock();
        final CountDownLatch taken = new CountDownLatch(1);
    }

    /** The segments of one request, written together. */
    private static final class Recorder {
        final long id;
        final String scenario;
        final List<String> lines = new ArrayList<>();
        /** Virtual task only: since when, and on which carrier, the virtual thread is mounted. */
        private long mountedSince;
        private String mountedOn;

        Recorder(long id, String scenario) {
            this.id = id;
            this.scenario = scenario;
        }

        synchronized void add(String kind, String thread, String threadEnd, boolean virtual, long start, long end,
                              long runDelay) {
            lines.add("{\"id\":" + id + ",\"scenario\":\"" + scenario + "\",\"kind\":\"" + kind + "\",\"thread\":\""
                    + escape(thread) + "\",\"thread_end\":\"" + escape(threadEnd) + "\",\"virtual\":" + virtual
                    + ",\"start\":" + start + ",\"end\":" + end + ",\"run_delay\":" + runDelay + "}\n");
        }

        /** Runs {@code work} as a segment of {@code kind} on the current thread. */
        void segment(String kind, Work work) throws Exception {
            segment(kind, false, work);
        }

        /**
         * Runs {@code work} as a segment of {@code kind} on the current thread; with
         * {@code runDelay} also records how long the OS thread waited for a CPU meanwhile.
         */
        void segment(String kind, boolean runDelay, Work work) throws Exception {
            boolean virtual = Thread.currentThread().isVirtual();
            String thread = osThread();
            long delay0 = runDelay ? runDelay() : -1;
            long start = now();
            boolean unmounts = virtual && kind.equals("sleep");
            if (unmounts) {
                mountedUntil(start, thread);
            }
            try {
                work.run();
            } finally {
                long end = now();
                long delay1 = runDelay ? runDelay() : -1;
                String threadEnd = osThread();
                add(kind, thread, threadEnd, virtual, start, end, delay0 < 0 || delay1 < 0 ? -1 : delay1 - delay0);
                if (unmounts) {
                    mounted(end, threadEnd);
                }
            }
        }

        /** A virtual task is mounted on {@code carrier} from {@code since} on. */
        void mounted(long since, String carrier) {
            mountedSince = since;
            mountedOn = carrier;
        }

        /**
         * Records the stretch since {@link #mounted} as a {@code mounted} segment ending at
         * {@code until} on {@code carrier}: between its start and a sleep, and between the
         * sleep and the task's end, the virtual thread does not unmount (file I/O on a virtual
         * thread keeps it mounted), so the kernel's intervals of its carrier then are its own.
         */
        void mountedUntil(long until, String carrier) {
            add("mounted", mountedOn, carrier, true, mountedSince, until, -1);
        }

        synchronized String text() {
            return String.join("", lines);
        }
    }

    private final Path files;
    private final OutputStream segments;
    private final Around around;
    private final ExecutorService pool = Executors.newFixedThreadPool(4,
            Thread.ofPlatform().name("app-pool-", 1).factory());
    private final ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final BlockingQueue<Hold> holds = new LinkedBlockingQueue<>();

    private JettyCorrelationApp(Path files, OutputStream segments, Around around) {
        this.files = files;
        this.segments = segments;
        this.around = around;
    }

    public static void main(String[] args) throws Exception {
        String segmentsPath = System.getProperty("app.segments");
        if (segmentsPath == null) {
            throw new IllegalArgumentException("-Dapp.segments=<file> is required");
        }
        Path files = Path.of(System.getProperty("app.files", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(files);
        Around around = plain();
        if (Boolean.getBoolean("app.manualSpan")) {
            // only with the OpenTelemetry API on the class path: the class is loaded here or never
            around = (Around) Class.forName("io.ebpfagent.e2e.apps.ManualSpans").getConstructor().newInstance();
        }
        JettyCorrelationApp app = new JettyCorrelationApp(files,
                Files.newOutputStream(Path.of(segmentsPath), StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                around);
        app.startLockHolders();

        QueuedThreadPool threads = new QueuedThreadPool(64, 16);
        threads.setName("jetty-worker");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(app.handler());
        server.start();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                server.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        System.out.println("jetty-app listening on port " + connector.getLocalPort()
                + (around instanceof ManualSpansMarker ? " (manual spans)" : ""));
        server.join();
    }

    /** Marks the span-making {@link Around}, for the ready line only. */
    interface ManualSpansMarker {
    }

    private static Around plain() {
        return (scenario, id, work) -> work.run();
    }

    /**
     * Holder threads, started before any request (no span context to inherit): each takes a
     * {@link Hold}, locks it, signals, keeps it {@link #HOLD_MS}, unlocks.
     */
    private void startLockHolders() {
        for (int i = 1; i <= LOCK_HOLDERS; i++) {
            Thread.ofPlatform().daemon().name("app-lock-holder-" + i).start(() -> {
                while (true) {
                    Hold h;
                    try {
                        h = holds.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    h.lock.lock();
                    try {
                        h.taken.countDown();
                        Thread.sleep(HOLD_MS);
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        h.lock.unlock();
                    }
                }
            });
        }
    }

    private Handler handler() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                String query = request.getHttpURI().getQuery();
                long id = idOf(query);
                String scenario = path.startsWith("/") ? path.substring(1) : path;
                try {
                    if (id < 0 || !(scenario.equals("direct") || scenario.equals("pool")
                            || scenario.equals("virtual") || scenario.equals("late"))) {
                        Response.writeError(request, response, callback, 404, "unknown path or no ?id=N: " + path);
                        return true;
                    }
                    Recorder rec = new Recorder(id, scenario);
                    String thread = Thread.currentThread().getName();
                    long start = now();
                    switch (scenario) {
                        case "direct" -> around.run(scenario, id, () -> direct(rec));
                        case "pool" -> handOff(rec, pool);
                        case "late" -> lateHandOff(rec);
                        default -> handOff(rec, virtualThreads);
                    }
                    rec.add("request", thread, Thread.currentThread().getName(), false, start, now(), -1);
                    byte[] lines = rec.text().getBytes(StandardCharsets.UTF_8);
                    synchronized (segments) {
                        segments.write(lines);
                        segments.flush();
                    }
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    Content.Sink.write(response, true, "{\"id\":" + id + ",\"thread\":\"" + escape(thread) + "\"}",
                            callback);
                } catch (Throwable t) {
                    Response.writeError(request, response, callback, 500, t.toString());
                }
                return true;
            }
        };
    }

    /** Sleep, fsync and a lock wait on the request thread. */
    private void direct(Recorder rec) throws Exception {
        rec.segment("sleep", () -> Thread.sleep(SLEEP_MS));
        fsync(rec);
        Hold h = new Hold();
        holds.put(h);
        rec.segment("handoff", h.taken::await);
        rec.segment("lock", h.lock::lock);
        h.lock.unlock();
    }

    /** Sleep and fsync as a task of {@code executor}; the request thread waits for it. */
    private void handOff(Recorder rec, ExecutorService executor) throws Exception {
        var task = executor.submit(() -> {
            boolean virtual = Thread.currentThread().isVirtual();
            String thread = osThread();
            long start = now();
            if (virtual) {
                rec.mounted(start, thread);
            }
            try {
                around.run(rec.scenario, rec.id, () -> {
                    rec.segment("sleep", () -> Thread.sleep(SLEEP_MS));
                    fsync(rec);
                });
            } finally {
                long end = now();
                String threadEnd = osThread();
                if (virtual) {
                    rec.mountedUntil(end, threadEnd);
                }
                rec.add("task", thread, threadEnd, virtual, start, end, -1);
            }
            return null;
        });
        rec.segment("wait", task::get);
    }

    /**
     * As {@code /pool}, but the task ends the request's wait itself and then stays in its task for
     * {@link #LATE_MS} more: the request's span ends while the task's scope (the OpenTelemetry Java
     * agent's, around the whole task) is still open.
     */
    private void lateHandOff(Recorder rec) throws Exception {
        java.util.concurrent.CompletableFuture<Void> handed = new java.util.concurrent.CompletableFuture<>();
        pool.submit(() -> {
            try {
                rec.segment("sleep", () -> Thread.sleep(SLEEP_MS));
                fsync(rec);
            } finally {
                handed.complete(null);
            }
            Thread.sleep(LATE_MS);
            return null;
        });
        rec.segment("wait", handed::get);
    }

    /** 4 KiB to a new file, fsync timed on its own, file deleted. */
    private void fsync(Recorder rec) throws Exception {
        Path file = files.resolve("seg-" + rec.id + "-" + ThreadLocalRandom.current().nextInt(1 << 30));
        byte[] data = new byte[FILE_BYTES];
        ThreadLocalRandom.current().nextBytes(data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            rec.segment("fsync", true, () -> ch.force(true));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The OS thread running the caller: its own name for a platform thread; for a virtual thread
     * the carrier's, from {@code VirtualThread[#22]/runnable@ForkJoinPool-1-worker-1}.
     */
    static String osThread() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            return t.getName();
        }
        String s = t.toString();
        int at = s.lastIndexOf('@');
        return at >= 0 ? s.substring(at + 1) : "";
    }

    /**
     * How long the calling OS thread (a virtual thread's carrier) has waited on a run queue, in ns:
     * the second field of {@code /proc/thread-self/schedstat}; -1 when unreadable. The time a
     * thread waits for a CPU after a system call returned counts in the app's segment but not in
     * the kernel's interval of the call: the fsync segments subtract it before deciding whether
     * the kernel must have reported the call.
     */
    static long runDelay() {
        try {
            String[] f = new String(Files.readAllBytes(SCHEDSTAT), StandardCharsets.US_ASCII).trim().split(" ");
            return Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Now, epoch nanoseconds, from the clock the segments use. */
    public static long now() {
        Instant i = CLOCK.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static long idOf(String query) {
        if (query == null) {
            return -1;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("id=")) {
                try {
                    return Long.parseLong(pair.substring(3));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
