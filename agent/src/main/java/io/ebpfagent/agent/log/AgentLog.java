package io.ebpfagent.agent.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The agent's only log sink: one line per message on stderr, {@code [ebpf-agent] LEVEL message},
 * control characters in messages escaped (a stack trace, printed only at DEBUG, is the exception).
 * The threshold is global because the whole agent shares one configuration.
 */
public final class AgentLog {
    public static final String PREFIX = "[ebpf-agent] ";
    /** Longest message printed; longer ones are cut (their length is given). */
    static final int MAX_MESSAGE = 4000;
    private static volatile LogLevel threshold = initialLevel();
    private static volatile PrintStream out = System.err;
    /** Set when the agent's exit begins: see {@link #exiting()}. */
    private static volatile boolean exiting;

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

    /**
     * The agent's exit has begun: from now on the libraries inside the agent (exporters, their
     * transports) log at DEBUG only. Ending their threads while a last export is under way makes
     * them complain (Netty force-closing a channel whose event loop is gone), which is the
     * expected end of a bounded exit, not something for the application's operator to act on.
     */
    public static void exiting() {
        setExiting(true);
    }

    static void setExiting(boolean value) {
        exiting = value;
    }

    /** The level a message of a library inside the agent is logged at (see {@link #exiting()}). */
    static LogLevel ofLibrary(LogLevel level) {
        return exiting && level.ordinal() > LogLevel.DEBUG.ordinal() ? LogLevel.DEBUG : level;
    }

    public static boolean enabled(LogLevel level) {
        return level != LogLevel.OFF && level.ordinal() >= threshold.ordinal();
    }

    public static void log(LogLevel level, String message, Throwable error) {
        if (!enabled(level)) {
            return;
        }
        String text = oneLine(String.valueOf(message));
        StringBuilder line = new StringBuilder(PREFIX.length() + 8 + text.length())
                .append(PREFIX).append(level.name()).append(' ').append(text);
        if (error != null) {
            if (enabled(LogLevel.DEBUG)) {
                StringWriter trace = new StringWriter();
                error.printStackTrace(new PrintWriter(trace));
                line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
            } else {
                line.append(": ").append(oneLine(String.valueOf(error)));
            }
        }
        out.println(line);
    }

    /**
     * {@code text} as one line: line breaks and other control characters escaped, cut to
     * {@value #MAX_MESSAGE} characters. Stack traces (DEBUG only) are the one multi-line output.
     */
    static String oneLine(String text) {
        int end = Math.min(text.length(), MAX_MESSAGE);
        StringBuilder b = null;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (control && b == null) {
                b = new StringBuilder(end + 16).append(text, 0, i);
            }
            if (b != null) {
                switch (c) {
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (control) {
                            b.append("\\u").append(String.format("%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
        }
        String result = b != null ? b.toString() : end == text.length() ? text : text.substring(0, end);
        return end == text.length() ? result : result + "... (" + text.length() + " characters)";
    }
}
