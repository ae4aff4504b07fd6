package io.ebpfagent.e2e.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM started as a separate process (the JDK the tests run on), its stdout and stderr
 * merged and kept line by line so tests can wait for and assert on what it printed.
 */
public final class JavaProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private JavaProcess(Process process, String name) {
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("output-" + name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    if (Boolean.getBoolean("e2e.echo")) {
                        System.out.println("[" + name + "] " + line);
                    }
                }
            } catch (IOException ignored) {
                // process went away
            }
        });
    }

    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The repository root (tests run with the module directory as working directory). */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("run"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("repository root not found from " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Starts {@code java <jvmArgs...>} with the given environment additions. */
    public static JavaProcess start(String name, List<String> args, java.util.Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return new JavaProcess(pb.start(), name);
    }

    /**
     * Starts an arbitrary command whose program ends up being a JVM (e.g. {@code setpriv ... java
     * ...}, which execs, so {@link #pid()} is the JVM's pid).
     */
    public static JavaProcess startCommand(String name, List<String> command, java.util.Map<String, String> env)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        return new JavaProcess(pb.start(), name);
    }

    /** Waits for a line matching {@code regex}; returns its match. */
    public Matcher await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (System.nanoTime() < deadline) {
            List<String> snapshot = List.copyOf(lines);
            for (int i = seen; i < snapshot.size(); i++) {
                Matcher m = p.matcher(snapshot.get(i));
                if (m.find()) {
                    return m;
                }
            }
            seen = 0; // lines only grow; rescanning everything keeps this simple and correct
            if (!process.isAlive() && pump.getState() == Thread.State.TERMINATED) {
                throw new IllegalStateException("process exited (" + process.exitValue() + ") before printing /"
                        + regex + "/; output:\n" + output());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no line matching /" + regex + "/ within " + timeout + "; output:\n" + output());
    }

    /** Writes {@code line} and a newline to the process's stdin. */
    public void send(String line) throws IOException {
        var in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    public Optional<String> firstLineContaining(String text) {
        return lines.stream().filter(l -> l.contains(text)).findFirst();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public String output() {
        return String.join("\n", lines);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for the process to exit by itself and returns its exit code. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("process still running after " + timeout + "; output:\n" + output());
        }
        pump.join(5000);
        return process.exitValue();
    }

    /** SIGTERM, then the exit code (shutdown hooks run). */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        pump.join(5000);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
