package io.ebpfagent.agent.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentLogTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final LogLevel level = AgentLog.level();

    @AfterEach
    void restore() {
        AgentLog.setOutput(System.err);
        AgentLog.setLevel(level);
        AgentLog.setExiting(false);
    }

    @Test
    void onceTheAgentExitsTheLibrariesInsideItLogAtDebugOnly() {
        AgentLog.setLevel(LogLevel.INFO);
        bytes.reset();
        AgentLog.setOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        org.slf4j.Logger netty = new AgentLogger("io.grpc.netty.shaded.io.netty.channel.AbstractChannel");
        org.slf4j.Logger shaded = new AgentLogger("io.ebpfagent.shaded.io.opentelemetry.sdk.OpenTelemetrySdk");
        org.slf4j.Logger own = new AgentLogger("io.ebpfagent.agent.kernel.KernelComponent");
        netty.warn("before the exit");
        AgentLog.exiting();
        netty.warn("Force-closing a channel");
        shaded.error("export failed");
        own.warn("exporters: the final collection and export did not finish");
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "[ebpf-agent] WARN before the exit",
                "[ebpf-agent] WARN exporters: the final collection and export did not finish");
        AgentLog.setLevel(LogLevel.DEBUG);
        netty.warn("still told at debug");
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).last()
                .isEqualTo("[ebpf-agent] DEBUG still told at debug");
    }

    private String log(String message, Throwable error) {
        bytes.reset();
        AgentLog.setOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        AgentLog.log(LogLevel.WARN, message, error);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyMessageIsOneLineWithControlCharactersEscaped() {
        AgentLog.setLevel(LogLevel.INFO);
        String line = log("bad value 'a\r\nWARN forged\u001b[0m\u2028x'", new IllegalStateException("two\nlines"));
        assertThat(line).isEqualTo("[ebpf-agent] WARN bad value 'a\\r\\nWARN forged\\u001b[0m\\u2028x': "
                + "java.lang.IllegalStateException: two\\nlines" + System.lineSeparator());
    }

    @Test
    void longMessagesAreCutWithTheirLength() {
        AgentLog.setLevel(LogLevel.INFO);
        String line = log("x".repeat(10_000_000), null);
        assertThat(line).hasSizeLessThan(AgentLog.MAX_MESSAGE + 100).endsWith("... (10000000 characters)"
                + System.lineSeparator());
    }

    @Test
    void stackTracesOnlyAtDebug() {
        AgentLog.setLevel(LogLevel.DEBUG);
        String lines = log("failed", new IllegalStateException("boom"));
        assertThat(lines.lines()).first().isEqualTo("[ebpf-agent] WARN failed");
        assertThat(lines).contains("\tat ");
    }
}
