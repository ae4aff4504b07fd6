package io.ebpfagent.e2e.bench;

import java.time.Duration;
import java.time.Instant;

/** Prints how long after the process started its main method ran (time-to-main). */
public final class StartupMain {
    private StartupMain() {
    }

    public static void main(String[] args) {
        Instant start = ProcessHandle.current().info().startInstant().orElseThrow();
        System.out.println("TIME_TO_MAIN_MS " + Duration.between(start, Instant.now()).toMillis());
    }
}
