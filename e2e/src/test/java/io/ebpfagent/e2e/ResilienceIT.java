package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.Http;
import io.ebpfagent.e2e.support.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application runs unharmed whenever the agent cannot work: no privileges, native access
 * denied, a broken configuration. In each case the demo service must start and answer requests,
 * and the agent must say why it is not measuring, once, in one readable line.
 * (An agent combined with the OpenTelemetry Java agent is covered elsewhere.)
 */
class ResilienceIT {
    private static final Duration START = Duration.ofSeconds(180);
    private static final String AGENT_PREFIX = "[ebpf-agent]";

    @TempDir
    Path tmp;

    @Test
    void nonRootUserGetsOneDisabledLineAndAWorkingApp() throws Exception {
        // The unprivileged user must be able to read everything the JVM opens.
        Path dir = Files.createDirectories(tmp.resolve("nobody"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path agent = readableCopy(AgentJvm.agentJar(), dir);
        Path demo = readableCopy(AgentJvm.demoJar(), dir);
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, """
                exporter:
                  kind: [logging]
                  interval: 1s
                """);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));

        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--", JavaProcess.javaBinary().toString(),
                AgentJvm.javaagent(agent, config), "--enable-native-access=ALL-UNNAMED",
                "-jar", demo.toString(), "--port=0"));
        try (JavaProcess app = JavaProcess.startCommand("demo-nobody", cmd, Map.of())) {
            ChildOutput.onFailure(app, () -> {
                int port = Integer.parseInt(app.await(AgentJvm.DEMO_LISTENING, START).group(1));
                // setpriv execs the JVM: the pid is the JVM's, and it really runs without root.
                assertThat(Files.readAllLines(Path.of("/proc", Long.toString(app.pid()), "status")))
                        .filteredOn(l -> l.startsWith("Uid:")).singleElement().asString()
                        .matches("Uid:\\s+65534\\s+65534\\s+65534\\s+65534");
                serves(port);
                app.await(Pattern.quote(AGENT_PREFIX) + ".*disabled", START);
                serves(port);
                String line = singleDisabledLine(app);
                assertThat(line).as("the disabled line names the missing privilege")
                        .containsIgnoringCase("root").contains("CAP_BPF");
                noStackTrace(app);
            });
        }
    }

    /**
     * An unprivileged user with only CAP_BPF and CAP_PERFMON: every probe runs, io included (its
     * per-call classic tracepoints needed their ids from a tracefs only root may read; its raw
     * system-call hooks do not), nothing is reported disabled, and the jvm probe attaches (one
     * uprobe_multi link; per-site uprobe perf events needed CAP_SYS_ADMIN and failed with 14 WARN
     * lines while jvm was listed as running).
     */
    @Test
    void capBpfAndCapPerfmonRunEveryProbe() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("caps"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path agent = readableCopy(AgentJvm.agentJar(), dir);
        Path demo = readableCopy(AgentJvm.demoJar(), dir);
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, """
                exporter:
                  kind: [logging]
                  interval: 1h
                probes:
                  syscalls:
                    enabled: true
                  io:
                    enabled: true
                  profile:
                    enabled: true
                """);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon", "--",
                JavaProcess.javaBinary().toString(), AgentJvm.javaagent(agent, config),
                "--enable-native-access=ALL-UNNAMED", "-jar", demo.toString(), "--port=0"));
        try (JavaProcess app = JavaProcess.startCommand("demo-caps", cmd, Map.of())) {
            ChildOutput.onFailure(app, () -> {
                int port = Integer.parseInt(app.await(AgentJvm.DEMO_LISTENING, START).group(1));
                String running = app.await(Pattern.quote(AGENT_PREFIX) + " INFO kernel probes running: (.*)", START)
                        .group(1);
                assertThat(running).isEqualTo("sched, jvm (10 of 10 hotspot probes, one uprobe_multi link), syscalls, "
                        + "io (on the syscalls probe's hooks), net, faults, profile");
                serves(port);
                assertThat(app.lines()).as("no probe disabled")
                        .noneMatch(l -> l.contains(AGENT_PREFIX) && l.contains("disabled"));
                assertThat(app.lines()).as("no line per attachment").noneMatch(l -> l.contains("not attached"));
                noStackTrace(app);
            });
        }
    }

    @Test
    void deniedNativeAccessGetsOneDisabledLineAndAWorkingApp() throws Exception {
        Path config = AgentJvm.writeConfig("""
                exporter:
                  kind: [logging]
                  interval: 1s
                """);
        List<String> args = List.of("--illegal-native-access=deny", AgentJvm.javaagent(AgentJvm.agentJar(), config),
                "-jar", AgentJvm.demoJar().toString(), "--port=0");
        try (JavaProcess app = JavaProcess.start("demo-deny", args, Map.of())) {
            ChildOutput.onFailure(app, () -> {
                int port = Integer.parseInt(app.await(AgentJvm.DEMO_LISTENING, START).group(1));
                serves(port);
                app.await(Pattern.quote(AGENT_PREFIX) + ".*disabled", START);
                serves(port);
                String line = singleDisabledLine(app);
                assertThat(line.toLowerCase(Locale.ROOT)).as("the disabled line names native access")
                        .containsAnyOf("native access", "native-access");
                noStackTrace(app);
            });
        }
    }

    @Test
    void unknownConfigKeyIsNamedWithItsLine() throws Exception {
        Path config = AgentJvm.writeConfig("""
                exporter:
                  kind: [logging]
                probes:
                  sched:
                    enabeld: true
                """);
        runsAndNames(config, "probes.sched.enabeld", 5);
    }

    @Test
    void badConfigValueIsNamedWithItsLine() throws Exception {
        Path config = AgentJvm.writeConfig("""
                exporter:
                  kind: [logging]
                  interval: soon
                """);
        runsAndNames(config, "exporter.interval", 3);
    }

    private static void runsAndNames(Path config, String key, int line) throws Exception {
        try (JavaProcess app = JavaProcess.start("demo-bad-config", AgentJvm.demoWithAgent(config, List.of()), Map.of())) {
            ChildOutput.onFailure(app, () -> {
                int port = Integer.parseInt(app.await(AgentJvm.DEMO_LISTENING, START).group(1));
                serves(port);
                String where = config + ":" + line;
                // The configuration is read in premain, before main: the complaint precedes the ready line.
                String found = app.await(Pattern.quote(AGENT_PREFIX) + ".*" + Pattern.quote(key) + ".*", Duration.ofSeconds(10)).group();
                assertThat(found).as("the agent's complaint names the key and file:line").contains(where);
                assertThat(app.lines()).as("one complaint, not one per component")
                        .filteredOn(l -> l.contains(AGENT_PREFIX) && l.contains(key)).hasSize(1);
                serves(port);
                noStackTrace(app);
            });
        }
    }

    /** The demo service answers its endpoints (a plain request, CPU work and a sleep). */
    private static void serves(int port) throws IOException, InterruptedException {
        assertThat(Http.getJson(port, "/health")).containsEntry("status", "UP");
        assertThat(Http.getJson(port, "/cpu?ms=20")).containsKey("sha256_rounds");
        assertThat(Http.getJson(port, "/sleep?ms=20")).isNotEmpty();
    }

    private static String singleDisabledLine(JavaProcess app) {
        List<String> disabled = app.lines().stream()
                .filter(l -> l.contains(AGENT_PREFIX) && l.toLowerCase(Locale.ROOT).contains("disabled")).toList();
        assertThat(disabled).as("exactly one 'disabled' line from the agent").hasSize(1);
        return disabled.getFirst();
    }

    private static void noStackTrace(JavaProcess app) {
        assertThat(app.lines()).as("no stack trace in the application's output")
                .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by: "));
    }

    private static Path readableCopy(Path file, Path dir) throws IOException {
        Path copy = dir.resolve(file.getFileName());
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        return copy;
    }
}
