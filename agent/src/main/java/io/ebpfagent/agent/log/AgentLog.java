package io.ebpfagent.agent.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The agent's only log sink: one line per message on stderr, {@code [ebpf-agent] LEVEL message}.
 * The threshold is global because the whole agent shares one configuration.
 */
public final class AgentLog {
    public static final String PREFIX = "[ebpf-agent] ";
    private static volatile LogLevel threshold = initialLevel();
    private static volatile PrintStream out = System.err;

    private AgentLog() {
    }

    private static LogLevel initialLevel() {
        // Before the configuration is read, a system property may already ask for more detail.
        String value = System.getProperty("ebpf.agent.agent.log_level");
        try {
            return value == null ? LogLevel.INFO : LogLevel.parse(value);
        } catch (IllegalArgumentException e) {
            return LogLevel.INFO;
        }
    }

    public static void setLevel(LogLevel level) {
        threshold = level;
    }

    public static LogLevel level() {
        return threshold;
    }

    /** Redirects output; for tests. */
    public static void setOutput(PrintStream stream) {
        out = stream;
    }

    public static boolean enabled(LogLevel level) {
        return level != LogLevel.OFF && level.ordinal() >= threshold.ordinal();
    }

    public static void log(LogLevel level, String message, Throwable error) {
        if (!enabled(level)) {
            return;
        }
        StringBuilder line = new StringBuilder(PREFIX.length() + 8 + message.length())
                .append(PREFIX).append(level.name()).append(' ').append(message);
        if (error != null) {
            if (enabled(LogLevel.DEBUG)) {
                StringWriter trace = new StringWriter();
                error.printStackTrace(new PrintWriter(trace));
                line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
            } else {
                line.append(": ").append(error);
            }
        }
        out.println(line);
    }
}
