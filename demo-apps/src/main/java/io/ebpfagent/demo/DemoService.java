package io.ebpfagent.demo;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The demo HTTP service: every endpoint does one kind of real work on the thread that serves the
 * request (CPU, sleep, monitor contention, file I/O with fsync, TCP round trips, allocation), so
 * the agent has something known to observe. Runs on the JDK's built-in HTTP server with platform
 * workers, virtual threads, or both on two ports.
 *
 * <p>{@code java -jar demo-apps.jar [--port=8080] [--virtual|--both] ...} (see
 * {@link ServiceOptions}); prints {@code demo-service listening on port N (...)} once it accepts
 * requests and stops gracefully on SIGTERM.
 */
public final class DemoService implements AutoCloseable {
    /** Seconds {@link HttpServer#stop(int)} waits for requests in flight. */
    private static final int STOP_GRACE_SECONDS = 2;

    /** One HTTP listener and the threads behind it. */
    public record Listener(int port, ExecutorMode executor) {
    }

    private final List<HttpServer> servers;
    private final List<ExecutorService> executors;
    private final List<Listener> listeners;
    private final EchoServer echo;
    private final InetSocketAddress downstream;
    private final RequestStats stats;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DemoService(List<HttpServer> servers, List<ExecutorService> executors, List<Listener> listeners,
                        EchoServer echo, InetSocketAddress downstream, RequestStats stats) {
        this.servers = servers;
        this.executors = executors;
        this.listeners = listeners;
        this.echo = echo;
        this.downstream = downstream;
        this.stats = stats;
    }

    /** Binds every listener and starts serving; on any failure nothing is left running. */
    public static DemoService start(ServiceOptions options) throws IOException {
        List<HttpServer> servers = new ArrayList<>();
        List<ExecutorService> executors = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        EchoServer echo = null;
        try {
            InetSocketAddress downstream;
            if (options.downstream().isPresent()) {
                downstream = options.downstream().get();
            } else {
                echo = EchoServer.startLoopback();
                downstream = echo.address();
            }
            RequestStats stats = new RequestStats();
            // One set of endpoints for all listeners: /lock contends on the same monitor whether
            // the request came in on a platform or a virtual thread.
            EndpointHandler handler = new EndpointHandler(endpoints(options, downstream, stats), stats);
            switch (options.mode()) {
                case PLATFORM -> listen(options.port(), ExecutorMode.PLATFORM, options, handler, servers, executors, listeners);
                case VIRTUAL -> listen(options.port(), ExecutorMode.VIRTUAL, options, handler, servers, executors, listeners);
                case BOTH -> {
                    listen(options.port(), ExecutorMode.PLATFORM, options, handler, servers, executors, listeners);
                    listen(options.virtualPort(), ExecutorMode.VIRTUAL, options, handler, servers, executors, listeners);
                }
            }
            return new DemoService(List.copyOf(servers), List.copyOf(executors), List.copyOf(listeners),
                    echo, downstream, stats);
        } catch (IOException | RuntimeException e) {
            servers.forEach(s -> s.stop(0));
            executors.forEach(ExecutorService::shutdownNow);
            if (echo != null) {
                echo.close();
            }
            throw e;
        }
    }

    private static Map<String, Endpoint> endpoints(ServiceOptions options, InetSocketAddress downstream,
                                                   RequestStats stats) {
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (Endpoint e : List.of(
                new CpuEndpoint(),
                new SleepEndpoint(),
                new LockEndpoint(),
                new FileEndpoint(options.fileDirectory()),
                new DownstreamEndpoint(downstream),
                new AllocEndpoint(),
                new HealthEndpoint(),
                new StatsEndpoint(stats))) {
            endpoints.put(e.path(), e);
        }
        return endpoints;
    }

    private static void listen(int port, ExecutorMode kind, ServiceOptions options, EndpointHandler handler,
                               List<HttpServer> servers, List<ExecutorService> executors,
                               List<Listener> listeners) throws IOException {
        ExecutorService executor = kind == ExecutorMode.VIRTUAL
                ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-vthread-", 1).factory())
                : new ThreadPoolExecutor(options.platformThreads(), options.platformThreads(),
                        60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                        Thread.ofPlatform().name("http-worker-", 1).factory());
        executors.add(executor);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 1024);
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
        servers.add(server);
        listeners.add(new Listener(server.getAddress().getPort(), kind));
    }

    /** The first listener's port (the platform one in BOTH mode). */
    public int port() {
        return listeners.getFirst().port();
    }

    /** The port served by the given kind of thread. */
    public int port(ExecutorMode kind) {
        return listeners.stream().filter(l -> l.executor() == kind).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + kind + " listener"))
                .port();
    }

    public List<Listener> listeners() {
        return listeners;
    }

    public RequestStats stats() {
        return stats;
    }

    /** Where {@code /downstream} connects to. */
    public InetSocketAddress downstream() {
        return downstream;
    }

    /** Stops accepting, lets requests in flight finish (a few seconds at most), then stops threads. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (HttpServer server : servers) {
            server.stop(STOP_GRACE_SECONDS);
        }
        for (ExecutorService executor : executors) {
            executor.shutdown();
        }
        try {
            for (ExecutorService executor : executors) {
                if (!executor.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    executor.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            executors.forEach(ExecutorService::shutdownNow);
            Thread.currentThread().interrupt();
        }
        if (echo != null) {
            echo.close();
        }
    }

    public static void main(String[] args) {
        ServiceOptions options;
        try {
            options = ServiceOptions.parse(args, System.getProperties());
        } catch (IllegalArgumentException e) {
            System.err.println("demo-service: " + e.getMessage());
            System.err.println("usage: DemoService [PORT|--port=N] [--platform|--virtual|--both] [--virtual-port=N]"
                    + " [--threads=N] [--downstream=host:port] [--file-dir=DIR]");
            System.exit(2);
            return;
        }
        DemoService service;
        try {
            service = start(options);
        } catch (IOException e) {
            throw new UncheckedIOException("demo-service: cannot start", e);
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("demo-service-shutdown").unstarted(() -> {
            service.close();
            System.out.println("demo-service stopped; requests served " + service.stats().requestsSnapshot());
        }));
        System.out.println("demo-service downstream " + (service.echo != null ? "in-process echo at " : "at ")
                + service.downstream().getHostString() + ":" + service.downstream().getPort());
        for (Listener listener : service.listeners()) {
            System.out.println("demo-service listening on port " + listener.port()
                    + " (" + listener.executor().name().toLowerCase(java.util.Locale.ROOT) + " threads)");
        }
        System.out.flush();
        // The HTTP dispatcher threads are non-daemon: the JVM runs until SIGTERM or close().
    }
}
