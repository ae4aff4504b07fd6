package io.ebpfagent.probes.symbols;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * The child JVM of {@link ChildJvmProfileTest}: one thread burns CPU in a method with a
 * distinctive name; on "perfmap" from stdin the JVM writes its perf map in-process (as the agent
 * does), on "exit" (or end of input) it exits.
 */
public final class BurnerMain {
    static volatile long sink;

    private BurnerMain() {
    }

    public static void main(String[] args) throws Exception {
        Thread.ofPlatform().name("distinct-burner").daemon().start(() -> {
            try {
                String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
                System.out.println("TID " + self.substring(self.lastIndexOf('/') + 1));
                System.out.flush();
            } catch (Exception e) {
                System.out.println("ERROR " + e);
            }
            long x = 1;
            while (true) {
                x = burnDistinctiveCpu(x);
                sink = x;
            }
        });
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("perfmap")) {
                var server = ManagementFactory.getPlatformMBeanServer();
                server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerPerfmap",
                        new Object[] {new String[0]}, new String[] {String[].class.getName()});
                System.out.println("OK");
                System.out.flush();
            } else if (line.equals("exit")) {
                break;
            }
        }
        System.exit(0);
    }

    /** Kept out of its caller by the test's CompileCommand, so it is a frame of its own. */
    static long burnDistinctiveCpu(long seed) {
        long x = seed;
        for (int i = 0; i < 200_000; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            x ^= x >>> 29;
        }
        return x;
    }
}
