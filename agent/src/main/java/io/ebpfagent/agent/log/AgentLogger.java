package io.ebpfagent.agent.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** SLF4J logger of the agent (relocated SLF4J in the agent jar): writes through {@link AgentLog}. */
final class AgentLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    /** Whether the logger is a library's inside the agent jar rather than the agent's own code. */
    private final boolean library;

    AgentLogger(String name) {
        this.name = name;
        this.library = !name.startsWith("io.ebpfagent.") || name.startsWith("io.ebpfagent.shaded.");
    }

    @Override
    public boolean isTraceEnabled() {
        return AgentLog.enabled(LogLevel.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return AgentLog.enabled(LogLevel.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return AgentLog.enabled(LogLevel.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return AgentLog.enabled(LogLevel.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return AgentLog.enabled(LogLevel.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
            Throwable throwable) {
        LogLevel at = LogLevel.valueOf(level.name());
        if (library) {
            at = AgentLog.ofLibrary(at);
        }
        String message = MessageFormatter.basicArrayFormat(pattern, arguments);
        AgentLog.log(at, message, throwable);
    }
}
