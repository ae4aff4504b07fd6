package io.ebpfagent.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines of child JVMs running with the built agent jar: {@code -javaagent:<jar>=config=<yaml>}
 * plus whatever the test adds. The jars come from the reactor build ({@code mvn verify} packages
 * agent and demo-apps before e2e runs).
 */
public final class AgentJvm {
    private AgentJvm() {
    }

    public static Path agentJar() {
        Path jar = JavaProcess.repoRoot().resolve("agent/target/ebpf-agent.jar");
        assertThat(jar).as("agent jar (build it: mvn -pl agent -am package -DskipTests)").isRegularFile();
        return jar;
    }

    public static Path demoJar() {
        Path jar = JavaProcess.repoRoot().resolve("demo-apps/target/demo-apps.jar");
        assertThat(jar).as("demo jar (build it: mvn -pl demo-apps package -DskipTests)").isRegularFile();
        return jar;
    }

    /** Writes {@code yaml} to a new temp file. */
    public static Path writeConfig(String yaml) throws IOException {
        Path file = Files.createTempFile("ebpf-agent-e2e", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** {@code -javaagent:<jar>=config=<config>}. */
    public static String javaagent(Path agentJar, Path config) {
        return "-javaagent:" + agentJar + "=config=" + config;
    }

    /**
     * JVM arguments running the demo service with the agent and native access granted, on a free
     * port: {@code <extra...> -javaagent:... --enable-native-access=ALL-UNNAMED -jar demo.jar --port=0}.
     */
    public static List<String> demoWithAgent(Path config, List<String> extraJvmArgs) {
        List<String> args = new ArrayList<>(extraJvmArgs);
        args.add(javaagent(agentJar(), config));
        args.add("--enable-native-access=ALL-UNNAMED");
        args.add("-jar");
        args.add(demoJar().toString());
        args.add("--port=0");
        return args;
    }

    /** The regex of the demo service's ready line; group 1 is the port. */
    public static final String DEMO_LISTENING = "demo-service listening on port (\\d+)";
}
