package io.ebpfagent.e2e.apps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A light, fast service for the overhead benchmark: a Jetty 12 core server (no servlet) whose
 * requests are cheap enough that per-event costs of the agent show instead of hiding behind
 * the application's own work.
 * <ul>
 * <li>{@code /hello}: a 13-byte constant answer, tens of thousands of requests per second on one CPU;</li>
 * <li>{@code /mixed}: a fixed amount of CPU work (SHA-256 style mixing, {@code -Dapp.cpuRounds},
 * about 2 ms here), a 5 ms sleep and a 1 KiB write to a file of the worker thread (no fsync).</li>
 * </ul>
 * {@code -Dapp.idleThreads=N} starts N extra platform threads that park forever, for the memory
 * measurement at several thread counts. Prints {@code light-app listening on port N} when ready.
 */
public final class LightServiceApp {
    private static final ByteBuffer HELLO = ByteBuffer.wrap("hello, world\n".getBytes(StandardCharsets.US_ASCII))
            .asReadOnlyBuffer();
    private static final int CPU_ROUNDS = Integer.getInteger("app.cpuRounds", 700_000);
    private static final long SLEEP_MS = 5;
    private static final int FILE_BYTES = 1024;

    private final Path files;
    private final ThreadLocal<FileChannel> perThreadFile;
    private volatile long sink;

    private LightServiceApp(Path files) {
        this.files = files;
        this.perThreadFile = ThreadLocal.withInitial(this::openFile);
    }

    public static void main(String[] args) throws Exception {
        Path files = Files.createDirectories(Path.of(System.getProperty("app.files",
                System.getProperty("java.io.tmpdir"))));
        LightServiceApp app = new LightServiceApp(files);
        int idle = Integer.getInteger("app.idleThreads", 0);
        for (int i = 0; i < idle; i++) {
            Thread.ofPlatform().daemon().name("idle-" + i).start(() -> {
                while (true) {
                    LockSupport.park();
                }
            });
        }
        QueuedThreadPool threads = new QueuedThreadPool(Integer.getInteger("app.maxThreads", 64), 8);
        threads.setName("jetty-worker");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(app.handler());
        server.start();
        System.out.println("light-app listening on port " + connector.getLocalPort());
        server.join();
    }

    private FileChannel openFile() {
        try {
            Path f = files.resolve("light-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
            f.toFile().deleteOnExit();
            return FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A fixed amount of work (not a wall time: under contention a time-based burn would hide overhead). */
    private long burn(long seed) {
        long h = seed;
        for (int i = 0; i < CPU_ROUNDS; i++) {
            h ^= h << 13;
            h ^= h >>> 7;
            h ^= h << 17;
            h += i;
        }
        return h;
    }

    private void mixed() throws IOException, InterruptedException {
        sink += burn(System.nanoTime());
        Thread.sleep(SLEEP_MS);
        FileChannel f = perThreadFile.get();
        ByteBuffer data = ByteBuffer.allocate(FILE_BYTES);
        data.putLong(0, sink);
        f.write(data, 0);
    }

    private Handler handler() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                if (path.equals("/mixed")) {
                    mixed();
                } else if (!path.equals("/hello")) {
                    Response.writeError(request, response, callback, 404);
                    return true;
                }
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.write(true, HELLO.duplicate(), callback);
                return true;
            }
        };
    }
}
