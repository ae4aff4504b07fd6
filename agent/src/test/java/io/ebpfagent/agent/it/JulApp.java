package io.ebpfagent.agent.it;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * An application that uses java.util.logging: it counts every record that reaches its root
 * logger from a logger that is not its own, runs {@code args[0]} milliseconds, and prints the count.
 */
public final class JulApp {
    private JulApp() {
    }

    public static void main(String[] args) throws Exception {
        AtomicInteger foreign = new AtomicInteger();
        Logger root = Logger.getLogger("");
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLoggerName() == null || !record.getLoggerName().startsWith("app")) {
                    foreign.incrementAndGet();
                    System.out.println("APP foreign record " + record.getLoggerName() + ": " + record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        Logger.getLogger("app").info("application log line");
        Thread.sleep(Long.parseLong(args[0]));
        System.out.println("APP foreign records=" + foreign.get());
    }
}
