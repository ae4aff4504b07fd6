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
