package io.ebpfagent.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JvmStartTest {
    @Test
    void startTicksAreField22EvenWithSpacesAndParenthesesInTheName() {
        String stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 12 0 987654 1000 10 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertEquals(987654, JvmStart.startTicks(stat));
    }

    @Test
    void uptimeIsReadInHundredths() {
        assertEquals(1234507, JvmStart.uptimeCentis("12345.07 99999.99\n"));
    }

    @Test
    void ageAgreesWithTheJdksProcessStartTime() {
        long now = System.nanoTime();
        long ours = JvmStart.millisSince(now);
        // the JDK's start instant comes from the boot time in whole seconds: a second apart at most
        Instant start = ProcessHandle.current().info().startInstant().orElseThrow();
        long jdk = Duration.between(start, Instant.now()).toMillis();
        assertTrue(ours >= 0, "age " + ours);
        assertTrue(Math.abs(ours - jdk) <= 1_500, "procfs age " + ours + " ms, JDK's " + jdk + " ms");
        // an earlier moment is that much younger
        assertTrue(JvmStart.millisSince(now - 200_000_000L) <= ours - 180);
    }
}
