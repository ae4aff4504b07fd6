package io.ebpfagent.agent.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadDumpParserTest {
    private static final String DUMP = """
            2026-11-25 12:00:00
            Full thread dump OpenJDK 64-Bit Server VM (25+36-LTS mixed mode, sharing):

            "main" #3 [13547] prio=5 os_prio=0 cpu=713.84ms elapsed=1.17s tid=0x00007f4d0c02aaa0 nid=13547 waiting on condition  [0x00007f4d12f1e000]
               java.lang.Thread.State: TIMED_WAITING (sleeping)
            \tat java.lang.Thread.sleep0(java.base@25/Native Method)

            "Reference Handler" #12 [13556] daemon prio=10 os_prio=0 cpu=0.38ms elapsed=1.15s tid=0x00007f4d0c0b4660 nid=13556 waiting on condition  [0x00007f4d10746000]
            "ForkJoinPool-1-worker-1" #24 [13567] daemon prio=5 os_prio=0 cpu=402.34ms elapsed=0.50s tid=0x00007f4d0c426920  [0x00007f4cb3ffd000]
               Carrying virtual thread #25
            "a "quoted" name" #28 [13570] prio=5 os_prio=0 cpu=0.14ms elapsed=0.50s tid=0x00007f4d0c4292b0 nid=13570 waiting on condition  [0x00007f4cb3cfe000]
            "old-format" #7 daemon prio=5 os_prio=0 tid=0x00007f4d0c4292b0 nid=0x3507 runnable
            "GC Thread#0" os_prio=0 cpu=3.30ms elapsed=1.17s tid=0x00007f4d0c0578f0 nid=13548 runnable
            """;

    @Test
    void parsesHeaders() {
        List<ThreadDumpParser.Entry> entries = ThreadDumpParser.parse(DUMP);
        assertThat(entries).containsExactly(
                new ThreadDumpParser.Entry(13547, 3, "main", false, ThreadKind.PLATFORM),
                new ThreadDumpParser.Entry(13556, 12, "Reference Handler", true, ThreadKind.PLATFORM),
                new ThreadDumpParser.Entry(13567, 24, "ForkJoinPool-1-worker-1", true, ThreadKind.CARRIER),
                new ThreadDumpParser.Entry(13570, 28, "a \"quoted\" name", false, ThreadKind.PLATFORM),
                new ThreadDumpParser.Entry(0x3507, 7, "old-format", true, ThreadKind.PLATFORM),
                new ThreadDumpParser.Entry(13548, -1, "GC Thread#0", false, ThreadKind.JVM_INTERNAL));
    }
}
