package io.ebpfagent.agent.log;

import java.util.Locale;

/** Agent log levels, lowest first; {@link #OFF} silences the agent. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, OFF;

    public static LogLevel parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
