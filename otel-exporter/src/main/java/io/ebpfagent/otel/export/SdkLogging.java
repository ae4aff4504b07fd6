package io.ebpfagent.otel.export;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the OpenTelemetry SDK logs through {@code java.util.logging} (export failures, a
 * full span queue) to the agent's own log instead of the application's: one line each, prefixed
 * {@code exporter:}, the stack trace only at DEBUG. Inside the agent jar the SDK is relocated, so
 * its JUL loggers have names of their own ({@code io.ebpfagent.shaded.io.opentelemetry...}): a
 * handler on their common parent, with propagation to the root logger off, catches them all and
 * never touches the application's loggers. Without relocation (the exporter used as a library)
 * nothing is changed unless asked with {@link #install(String)}.
 */
final class SdkLogging {
    private static final Logger LOG = LoggerFactory.getLogger("io.ebpfagent.otel.export.sdk");
    private static final String PREFIX = "exporter: ";
    /** JUL holds loggers weakly: this keeps the configured one (and its handler) alive. */
    private static java.util.logging.Logger configured;

    private SdkLogging() {
    }

    /** Routes the relocated SDK's logging, if the SDK is relocated here. */
    static synchronized void install() {
        String root = sdkLoggerRoot();
        // built at run time: the agent jar's relocation rewrites "io.opentelemetry" constants
        if (!root.equals("io.".concat("opentelemetry"))) {
            install(root);
        }
    }

    /** The JUL logger name every SDK logger starts with: the SDK's (possibly relocated) package root. */
    static String sdkLoggerRoot() {
        String name = io.opentelemetry.sdk.OpenTelemetrySdk.class.getName();
        return name.substring(0, name.indexOf(".sdk.OpenTelemetrySdk"));
    }

    /** Routes the JUL loggers under {@code root} to the agent's log, once. */
    static synchronized java.util.logging.Logger install(String root) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(root);
        for (Handler h : logger.getHandlers()) {
            if (h instanceof ToAgentLog) {
                return logger;
            }
        }
        logger.setUseParentHandlers(false);
        logger.setLevel(LOG.isDebugEnabled() ? Level.FINE : Level.INFO);
        logger.addHandler(new ToAgentLog());
        configured = logger;
        return logger;
    }

    /** Undoes {@link #install(String)} (tests). */
    static synchronized void uninstall(String root) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(root);
        for (Handler h : logger.getHandlers()) {
            if (h instanceof ToAgentLog) {
                logger.removeHandler(h);
            }
        }
        logger.setUseParentHandlers(true);
        logger.setLevel(null);
        configured = null;
    }

    /** One agent log line per record. */
    static final class ToAgentLog extends Handler {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            if (record == null) {
                return;
            }
            String message = PREFIX + formatter.formatMessage(record);
            Throwable thrown = record.getThrown();
            int level = record.getLevel().intValue();
            if (redundant(record)) {
                LOG.debug(message, thrown);
            } else if (level >= Level.WARNING.intValue()) {
                if (LOG.isDebugEnabled()) {
                    LOG.warn(message, thrown);
                } else {
                    LOG.warn(thrown == null ? message : message + ": " + thrown);
                }
            } else if (level >= Level.INFO.intValue()) {
                LOG.info(thrown == null ? message : message + ": " + thrown);
            } else if (level >= Level.FINE.intValue()) {
                LOG.debug(message, thrown);
            } else {
                LOG.trace(message, thrown);
            }
        }

        /**
         * The periodic reader's "Exporter failed" follows the exporter's own line about the same
         * failure: that one line is enough at WARN.
         */
        private static boolean redundant(LogRecord record) {
            String logger = record.getLoggerName();
            return logger != null && logger.endsWith(".PeriodicMetricReader") && "Exporter failed".equals(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
