package io.ebpfagent.e2e.support;

import io.ebpfagent.e2e.apps.ExitApp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * How long a JVM takes to end ({@link ExitApp}): from the moment it is told to (its
 * {@code System.exit}/{@code Runtime.halt} call, the return from main, or the SIGTERM sent) until
 * its parent reaps it,
 * on CLOCK_MONOTONIC in both processes.
 */
public final class ExitTimes {
    private ExitTimes() {
    }

    /** How the JVM is ended. */
    public enum How {
        EXIT("System.exit", "exit"), SIGTERM("SIGTERM", null), HALT("Runtime.halt", "halt"), END("end of main", "end");

        public final String label;
        /** What {@link ExitApp} is told on stdin; null: a signal instead. */
        final String command;

        How(String label, String command) {
            this.label = label;
            this.command = command;
        }
    }

    /** One timed exit, with the JVM's output. */
    public record Result(double millis, int exitCode, List<String> output) {
    }

    /**
     * Starts {@link ExitApp} with {@code jvmArgs} (e.g. the agent), waits until it is ready (and,
     * with an agent, until the agent says it is initialized), lets it run {@code settle}, then
     * ends it {@code how} and times that.
     */
    public static Result measure(List<String> jvmArgs, boolean agent, Duration settle, How how) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(JavaProcess.javaBinary().toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", testClasses().toString(), ExitApp.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        try {
            boolean ready = false;
            boolean initialized = !agent;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!(ready && initialized)) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (System.nanoTime() > deadline || (line == null && !process.isAlive())) {
                    throw new IllegalStateException("not ready: " + String.join("\n", output));
                }
                if (line != null) {
                    ready |= line.equals("EXIT_APP_READY");
                    initialized |= line.contains("[ebpf-agent] INFO initialized in");
                }
            }
            Thread.sleep(settle.toMillis());
            long start;
            if (how == How.SIGTERM) {
                start = System.nanoTime();
                process.destroy();
            } else {
                OutputStream in = process.getOutputStream();
                in.write((how.command + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                start = 0;
                while (start == 0) {
                    String line = lines.poll(60, TimeUnit.SECONDS);
                    if (line == null) {
                        throw new IllegalStateException("no EXIT_AT line: " + String.join("\n", output));
                    }
                    if (line.startsWith("EXIT_AT ")) {
                        start = Long.parseLong(line.substring("EXIT_AT ".length()));
                    }
                }
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("still running 120 s after " + how.label);
            }
            long end = System.nanoTime();
            pump.join(5000);
            return new Result((end - start) / 1e6, process.exitValue(), List.copyOf(output));
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** e2e's test classes (where {@link ExitApp} is). */
    public static Path testClasses() {
        try {
            return Path.of(ExitApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The median of {@code values}. */
    public static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    public static String ms(double millis) {
        return String.format(Locale.ROOT, "%.0f", millis);
    }

    /**
     * A TCP server on loopback that accepts every connection and never answers: an OTLP backend
     * that hangs.
     */
    public static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        public SilentServer() throws IOException {
            socket = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("silent-server").start(() -> {
                while (!socket.isClosed()) {
                    try {
                        accepted.add(socket.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        public String endpoint() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** A loopback port nothing listens on: connections are refused. */
    public static String refusedEndpoint() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }
}
