package io.ebpfagent.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs applications in child JVMs with the built target/ebpf-agent.jar. The applications run until
 * the test, having seen the agent get ready (or say why it did not) in their output, closes their
 * stdin: how long the agent needs on a loaded machine never decides what a test sees.
 */
class AgentJarIT {
    private static final Path AGENT_JAR = Path.of(System.getProperty("ebpf.agent.jar", "target/ebpf-agent.jar"));
    private static final Path APP_LIBS = Path.of(System.getProperty("ebpf.agent.it.libs", "target/it-app-libs"));
    private static final Path TEST_CLASSES = Path.of(System.getProperty("ebpf.agent.test.classes", "target/test-classes"));
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    /** Generous: the machine may be shared and loaded. */
    private static final long READY_SECONDS = 300;
    private static final String INITIALIZED = "[ebpf-agent] INFO initialized in";

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    @Test
    void applicationWithItsOwnSlf4jAndByteBuddyRunsUnaffected() throws Exception {
        String classpath = TEST_CLASSES + File.pathSeparator + jarsIn(APP_LIBS);
        Run run = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-Dnet.bytebuddy.experimental=true",
                "-javaagent:" + AGENT_JAR, "-cp", classpath, "io.ebpfagent.agent.it.ClashApp"), INITIALIZED);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("APP slf4j=slf4j-api-1.7.36.jar", "APP bytebuddy=byte-buddy-1.14.12.jar",
                "APP generated=io.ebpfagent.agent.it.Generated", "APP agent classes visible=false,false", "APP OK");
        assertThat(run.err()).contains("application logging through its own SLF4J binding")
                .contains("[ebpf-agent] INFO premain took")
                .contains(INITIALIZED)
                .doesNotContain("SLF4J: ").doesNotContain("sun.misc.Unsafe").doesNotContain("Sharing is only supported")
                .doesNotContain("Exception");
    }

    @Test
    void openTelemetryApplicationGetsTheContextStorageBridge() throws Exception {
        String otel = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.contains("opentelemetry")).collect(Collectors.joining(File.pathSeparator));
        Run run = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED",
                "-javaagent:" + AGENT_JAR + "=agent.log_level=debug", "-cp",
                TEST_CLASSES + File.pathSeparator + otel, "io.ebpfagent.agent.it.OtelApp"), INITIALIZED);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("APP storage=io.opentelemetry.context.EbpfAgentContextStorage",
                "APP vthread hooks=true", "APP OK");
        assertThat(run.err()).contains("span context: hooked the OpenTelemetry context storage of the application")
                .doesNotContain("not followed").doesNotContain("cannot hook");
        // no backend listens for the default OTLP endpoint here: the bounded final export may say so at exit
        assertThat(run.err().lines().filter(l -> l.contains("WARN"))
                .filter(l -> !l.contains("exporters: the final collection and export did not finish")))
                .as("warnings other than the exit's bounded export").isEmpty();
    }

    @Test
    void theKernelBtfIndexWrittenByOneJvmIsReadByTheNext() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel probes need root");
        Path cache = dir.resolve("btf-cache");
        Path config = dir.resolve("btf-cache.yaml");
        Files.writeString(config, """
                agent:
                  log_level: debug
                exporter:
                  kind: [logging]
                probes:
                  btf_cache: %s
                """.formatted(cache));
        List<String> command = List.of(JAVA, "--enable-native-access=ALL-UNNAMED",
                "-javaagent:" + AGENT_JAR + "=config=" + config, "-cp", TEST_CLASSES.toString(),
                "io.ebpfagent.agent.it.SleepApp");
        Run first = run(command, INITIALIZED);
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.err()).contains("kernel probes running: sched")
                .contains("kernel BTF index: written to " + cache.resolve("kernel-btf-"));
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .singleElement().satisfies(name -> assertThat(name).startsWith("kernel-btf-").endsWith(".index"));
        }
        Run second = run(command, INITIALIZED);
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.err()).contains("kernel probes running: sched")
                .contains("kernel BTF index: read from " + cache.resolve("kernel-btf-"))
                .doesNotContain("probe sched disabled");

        // a directory others may write to is not trusted: the probes load as without it, one line says why
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Run refused = run(command, INITIALIZED);
        assertThat(refused.exit()).as(refused.toString()).isZero();
        assertThat(refused.err()).contains("kernel probes running: sched")
                .contains("[ebpf-agent] INFO kernel BTF index not used: " + cache)
                .contains("writable by group or others").doesNotContain("kernel BTF index: read from");
    }

    @Test
    void theThreadDumpDescribesNoDiagnosticCommands() throws Exception {
        // the diagnostic-command bean's public invoke first describes every command, and the
        // Flight Recorder's describe themselves by parsing the JDK's .jfc files
        Path classes = dir.resolve("classes.txt");
        Path config = dir.resolve("dump.yaml");
        Files.writeString(config, """
                exporter:
                  kind: [logging]
                """);
        Run run = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:file=" + classes,
                "-javaagent:" + AGENT_JAR + "=config=" + config, "-cp", TEST_CLASSES.toString(),
                "io.ebpfagent.agent.it.SleepApp"), INITIALIZED);
        assertThat(run.exit()).as(run.toString()).isZero();
        String loaded = Files.readString(classes, StandardCharsets.UTF_8);
        assertThat(loaded).as("the initial thread scan ran").contains("ThreadDumps$Direct");
        assertThat(loaded.lines().filter(l -> l.contains(" jdk.jfr.")).toList())
                .as("Flight Recorder classes loaded by the agent's thread dump").isEmpty();
    }

    @Test
    void configuredMethodGetsASpanThatParentsTheKernelOffCpuInterval() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel probes need root");
        Path config = dir.resolve("methods.yaml");
        Files.writeString(config, """
                instrumentation:
                  methods: [io.ebpfagent.agent.it.SleepApp#handle]
                exporter:
                  kind: [logging]
                probes:
                  sched:
                    enabled: true
                """);
        Run run = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-javaagent:" + AGENT_JAR + "=config=" + config,
                "-cp", TEST_CLASSES.toString(), "io.ebpfagent.agent.it.SleepApp"), INITIALIZED);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("APP bridge connected=true", "APP OK");
        assertThat(run.err()).doesNotContain("method spans disabled").doesNotContain("cannot instrument")
                .doesNotContain("probe sched disabled").doesNotContain("sun.misc.Unsafe");

        Pattern spanLine = Pattern.compile("span (\\S+) ([0-9.]+)s trace=(\\p{XDigit}{32}) span=(\\p{XDigit}{16})"
                + "(?: parent=(\\p{XDigit}{16}))?(\\{.*)?");
        record Line(String name, double seconds, String trace, String span, String parent, String attributes) {
        }
        List<Line> spans = run.err().lines().map(spanLine::matcher).filter(Matcher::find)
                .map(m -> new Line(m.group(1), Double.parseDouble(m.group(2)), m.group(3), m.group(4), m.group(5),
                        m.group(6)))
                .toList();
        List<Line> methods = spans.stream().filter(l -> l.name().equals("SleepApp.handle")).toList();
        assertThat(methods).as(run.err()).hasSize(3).allSatisfy(m -> {
            assertThat(m.seconds()).isGreaterThanOrEqualTo(0.15);
            assertThat(m.parent()).as("no application span: a root").isNull();
            assertThat(m.attributes()).contains("code.namespace=io.ebpfagent.agent.it.SleepApp", "code.function=handle",
                    "thread.name=main", "thread.id=");
        });
        for (Line method : methods) {
            assertThat(spans).as("an off-cpu child of " + method + " in\n" + run.err()).anySatisfy(child -> {
                assertThat(child.name()).isEqualTo("off-cpu");
                assertThat(child.trace()).isEqualTo(method.trace());
                assertThat(child.parent()).isEqualTo(method.span());
                assertThat(child.seconds()).isGreaterThanOrEqualTo(0.1);
            });
        }
    }

    @Test
    void configurationErrorsDisableTheAgentButNotTheApplication() throws Exception {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "probes:\n  sched:\n    enabled: yes\n");
        Run run = run(List.of(JAVA, "-javaagent:" + AGENT_JAR + "=config=" + config, "-cp", TEST_CLASSES
                + File.pathSeparator + jarsIn(APP_LIBS), "-Dnet.bytebuddy.experimental=true",
                "io.ebpfagent.agent.it.ClashApp"), "[ebpf-agent] ERROR configuration error");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("APP OK");
        assertThat(run.err()).contains("[ebpf-agent] ERROR configuration error: 'probes.sched.enabled' ("
                + config + ":3): expected true or false, found 'yes'; agent disabled");

        Run unknown = run(List.of(JAVA, "-Debpf.agent.probes.shed.enabled=false", "-javaagent:" + AGENT_JAR, "-cp",
                TEST_CLASSES + File.pathSeparator + jarsIn(APP_LIBS), "-Dnet.bytebuddy.experimental=true",
                "io.ebpfagent.agent.it.ClashApp"), "unknown configuration key");
        assertThat(unknown.exit()).isZero();
        assertThat(unknown.err()).contains("unknown configuration key")
                .contains("did you mean ebpf.agent.probes.sched.enabled", "system property -Debpf.agent.probes.shed.enabled")
                .isNotEmpty();
    }

    /**
     * Export failures (nothing listens at the endpoint) are the agent's own WARN lines, one per
     * failure, never java.util.logging output of the application.
     */
    @Test
    void exportErrorsAreOneAgentLineEachAndNeverTheApplicationsLogging() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel probes need root");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String protocol : List.of("grpc", "http/protobuf")) {
            Path config = dir.resolve("export.yaml");
            Files.writeString(config, "exporter:\n  kind: [otlp]\n  interval: 1s\n  otlp:\n    protocol: " + protocol
                    + "\n    endpoint: http://127.0.0.1:" + port + "\n");
            Run run = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-javaagent:" + AGENT_JAR + "=config="
                    + config, "-cp", TEST_CLASSES.toString(), "io.ebpfagent.agent.it.JulApp", "20000"), null);
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).as(protocol + ": " + run).contains("APP foreign records=0");
            List<String> failures = run.err().lines().filter(l -> l.contains("Failed to export")).toList();
            assertThat(failures).as(protocol + ": " + run.err()).isNotEmpty()
                    .allMatch(l -> l.startsWith("[ebpf-agent] WARN exporter: Failed to export"));
            assertThat(run.err()).as(protocol).doesNotContain("SEVERE:").doesNotContain("WARNING:")
                    .doesNotContain("Exporter failed").doesNotContain("\tat ");
        }
    }

    /**
     * In a mount namespace without tracefs and bpffs (as on a host that has not mounted them) the
     * agent runs every probe, the io probe included, and mounts nothing where the application or
     * anyone else could see it: bpffs is never needed, and no probe of the agent needs tracefs.
     */
    @Test
    void nothingIsMountedWhereAnyoneCouldSeeIt() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel probes need root");
        Path config = dir.resolve("io.yaml");
        Files.writeString(config, "exporter:\n  kind: [logging]\n  interval: 1h\nprobes:\n  io:\n    enabled: true\n");
        try (Unshared app = Unshared.start(List.of(JAVA, "--enable-native-access=ALL-UNNAMED",
                "-javaagent:" + AGENT_JAR.toAbsolutePath() + "=config=" + config, "-cp", TEST_CLASSES.toAbsolutePath().toString(),
                "io.ebpfagent.agent.it.JulApp", "600000"))) {
            app.await("[ebpf-agent] INFO initialized in");
            app.assertNothingMounted();
            assertThat(app.log()).containsPattern("kernel probes running: .*\\bio\\b");
        }
    }

    /**
     * The agent's probes need no tracefs (raw and BTF tracepoints only), but the loader attaches
     * classic tracepoints for its users (NetProbe's accept hooks): without tracefs it reads their
     * ids from a tracefs it mounts in a private mount namespace of one thread, which the process
     * never sees.
     */
    @Test
    void aTracepointIdIsReadFromATracefsNobodyElseSees() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting needs root");
        Path hostId = Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getpid/id");
        try (Unshared app = Unshared.start(List.of(JAVA, "-cp", System.getProperty("java.class.path"),
                "io.ebpfagent.agent.it.TracepointIdApp", "600000"))) {
            app.await("APP tracepoint id ");
            app.assertNothingMounted();
            if (Files.isReadable(hostId)) {
                assertThat(app.log()).contains("APP tracepoint id " + Files.readString(hostId).strip());
            }
        }
    }

    /** A child process started in a private copy of the mounts without tracefs, debugfs and bpffs. */
    private record Unshared(Process process, List<String> lines, Thread pump) implements AutoCloseable {
        static Unshared start(List<String> command) throws IOException {
            // unmount in the private copy, then exec the command (same pid)
            Process process = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "for m in /sys/kernel/debug/tracing /sys/kernel/tracing /sys/kernel/debug /sys/fs/bpf; do "
                            + "umount -l $m 2>/dev/null; done; exec " + String.join(" ", command))
                    .redirectErrorStream(true).start();
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread pump = Thread.ofPlatform().daemon().start(() -> {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // ended
                }
            });
            return new Unshared(process, lines, pump);
        }

        void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (lines.stream().noneMatch(l -> l.contains(line))) {
                assertThat(System.nanoTime() < deadline && process.isAlive()).as(log()).isTrue();
                Thread.sleep(100);
            }
        }

        void assertNothingMounted() throws IOException {
            String mounts = Files.readString(Path.of("/proc", Long.toString(process.pid()), "mountinfo"));
            assertThat(mounts).as("the application's mounts").doesNotContain(" - tracefs ").doesNotContain(" - bpf ")
                    .doesNotContain(" - debugfs ");
        }

        String log() {
            return String.join("\n", lines);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
            pump.join(5000);
        }
    }

    /** A JVM that is done before the agent has read its configuration still prints the error. */
    @Test
    void theAgentsStartYieldsToTheApplicationButItsEventReaderDoesNot() throws Exception {
        Path config = dir.resolve("nice.yaml");
        Files.writeString(config, """
                exporter:
                  kind: [logging]
                  interval: 1h
                """);
        for (int nice : new int[] {10, 0}) {
            Map<String, Integer>[] seen = new Map[1];
            Run run = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED",
                    "-javaagent:" + AGENT_JAR + "=config=" + config + ",agent.nice=" + nice, "-cp",
                    TEST_CLASSES.toString(), "io.ebpfagent.agent.it.SleepApp"), INITIALIZED,
                    p -> seen[0] = niceByThreadName(p.pid()));
            assertThat(run.exit()).as(run.toString()).isZero();
            // names as the kernel keeps them: 15 characters
            assertThat(seen[0]).as("agent.nice=%d: %s", nice, seen[0])
                    .containsEntry("ebpf-agent-metr", nice) // the exporters' threads inherit the setup's value
                    .containsEntry("ebpf-agent-even", 0) // the probes' event reader keeps the JVM's priority
                    .containsEntry("ebpf-agent-sche", 0)
                    .containsEntry("java", 0); // the application's main thread
        }
    }

    @Test
    void configurationErrorsOfJvmsThatExitAtOnceArePrinted() throws Exception {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "exporter:\n  interval: soon\n");
        for (String how : List.of("return", "exit")) {
            Run run = run(List.of(JAVA, "-javaagent:" + AGENT_JAR + "=config=" + config, "-cp", TEST_CLASSES.toString(),
                    "io.ebpfagent.agent.it.QuickExitApp", how), null);
            assertThat(run.exit()).as(run.toString()).isEqualTo(how.equals("exit") ? 3 : 0);
            assertThat(run.out()).contains("APP done");
            assertThat(run.err()).as(how).contains("[ebpf-agent] ERROR configuration error: 'exporter.interval' ("
                    + config + ":2)");
        }
    }

    /** The README states the Java release the jar really requires. */
    @Test
    void readmeNamesTheJavaTheJarRequires() throws Exception {
        String required;
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(AGENT_JAR.toFile())) {
            required = jar.getManifest().getMainAttributes().getValue("Ebpf-Agent-Min-Java");
        }
        assertThat(required).isNotBlank();
        String readme = Files.readString(Path.of(System.getProperty("ebpf.agent.test.basedir", "."), "..", "README.md"));
        assertThat(readme).contains("The target JVM: Java " + required + " or newer")
                .doesNotContainPattern("Java 2[0-4] or newer");
    }

    @Test
    void oldJvmLogsAndRunsTheApplication() throws Exception {
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
        Assumptions.assumeTrue(Files.isExecutable(java17), "no JDK 17 installed at " + java17);
        Path source = dir.resolve("Hello.java");
        Files.writeString(source, "public class Hello { public static void main(String[] a) { System.out.println(\"HELLO\"); } }");
        // the agent refuses in premain, before the application runs: nothing to wait for
        Run run = run(List.of(java17.toString(), "-javaagent:" + AGENT_JAR, source.toString()), null);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("HELLO");
        assertThat(run.err()).contains("[ebpf-agent] ERROR ebpf-agent requires Java 25+, disabled (running on Java 17)");
    }

    private static String jarsIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(Path::toString).filter(p -> p.endsWith(".jar")).sorted()
                    .collect(Collectors.joining(File.pathSeparator));
        }
    }

    /**
     * Runs {@code command} until its output (stdout or stderr) contains {@code ready}, or it exits
     * by itself; then sends a line and closes its stdin, which the applications wait for before
     * they finish, and waits for the exit. {@code ready} null: only wait for the exit.
     */
    private Run run(List<String> command, String ready) throws Exception {
        return run(command, ready, p -> { });
    }

    /** As {@link #run(List, String)}, handing the running child to {@code whileReady} once it printed {@code ready}. */
    private Run run(List<String> command, String ready, WhileReady whileReady) throws Exception {
        assertThat(AGENT_JAR).exists();
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
            while (ready != null && process.isAlive() && !printed(out, err, ready) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (process.isAlive() && ready != null && printed(out, err, ready)) {
                whileReady.accept(process);
            }
            if (process.isAlive()) {
                try (var stdin = process.getOutputStream()) {
                    stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException exited) {
                    // it did not wait for its stdin
                }
            }
            assertThat(process.waitFor(READY_SECONDS, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        } finally {
            process.destroyForcibly();
        }
        Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        if (ready != null) {
            assertThat(run.out() + run.err()).as("the child printed '%s' (%d s allowed): %s", ready, READY_SECONDS, run)
                    .contains(ready);
        }
        return run;
    }

    @FunctionalInterface
    private interface WhileReady {
        void accept(Process process) throws Exception;
    }

    /** Nice value of each thread of {@code pid} by its (15-character) name; the last one of a name wins. */
    private static Map<String, Integer> niceByThreadName(long pid) throws IOException {
        Map<String, Integer> nice = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException exited) {
                    continue;
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                nice.put(comm, Integer.parseInt(fields[16])); // field 19 of proc_pid_stat(5)
            }
        }
        return nice;
    }

    private static boolean printed(Path out, Path err, String text) throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8).contains(text)
                || Files.readString(out, StandardCharsets.UTF_8).contains(text);
    }
}
