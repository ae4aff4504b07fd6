package io.ebpfagent.e2e.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Waits for one line on stdin, prints {@code EXIT_AT <System.nanoTime()>} and then ends the JVM
 * the way the line says: {@code exit} ({@code System.exit(0)}), {@code halt}
 * ({@code Runtime.halt(0)}), {@code end} (main returns; no other non-daemon thread runs);
 * anything else keeps it waiting (for a SIGTERM). The parent reads the
 * same clock (CLOCK_MONOTONIC) when the process is reaped: that difference is the exit's time.
 */
public final class ExitApp {
    private ExitApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("EXIT_APP_READY");
        System.out.flush();
        String command = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        System.out.println("EXIT_AT " + System.nanoTime());
        System.out.flush();
        if ("exit".equals(command)) {
            System.exit(0);
        } else if ("halt".equals(command)) {
            Runtime.getRuntime().halt(0);
        } else if ("end".equals(command)) {
            return;
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
