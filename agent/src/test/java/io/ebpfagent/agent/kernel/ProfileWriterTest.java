package io.ebpfagent.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.ProfileProbe;
import io.ebpfagent.probes.SharedMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folded-stacks file of this JVM, with its perf map written in-process. */
class ProfileWriterTest {
    static volatile long sink;

    @TempDir
    Path tmp;

    @Test
    void writesFoldedStacksNamingTheBurningJavaMethod() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
        long pid = ProcessHandle.current().pid();
        Path perfMapFile = Path.of("/tmp/perf-" + pid + ".map");
        boolean existed = Files.exists(perfMapFile);
        Path out = tmp.resolve("sub/profile.folded");
        try (SharedMaps shared = SharedMaps.create();
             ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config((int) pid, 199, true, true), shared)) {
            AtomicInteger burner = new AtomicInteger();
            Thread t = Thread.ofPlatform().name("profile-writer-burner").start(() -> {
                burner.set(Integer.parseInt(readThreadSelf()));
                sink = burnInProfileWriterTest(1500);
            });
            t.join();
            // the perf map names the leaf frame even without -XX:+PreserveFramePointer in this JVM
            ProfileWriter writer = new ProfileWriter(probe, out,
                    tid -> tid == burner.get() ? "burner group" : "other", new JitPerfMap());
            int stacks = writer.writeOnce();
            List<String> lines = Files.readAllLines(out);
            assertTrue(stacks > 0 && lines.size() == stacks, stacks + " stacks, " + lines.size() + " lines");
            for (String l : lines) {
                assertTrue(l.matches("[^;\\n]+(;[^;\\n]+)* \\d+"), "folded line: " + l);
            }
            long named = lines.stream().filter(l -> l.startsWith("burner group;")
                    && l.contains("ProfileWriterTest.burnInProfileWriterTest_[j]"))
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertTrue(named >= 20, "samples naming the burning method: " + named + "\n" + String.join("\n",
                    lines.stream().limit(30).toList()));
            assertFalse(Files.exists(out.resolveSibling("profile.folded.tmp")));
            writer.cleanUp();
            if (!existed) {
                assertFalse(Files.exists(perfMapFile), "the perf map the writer created is removed");
            }
        }
    }

    private static String readThreadSelf() {
        try {
            String s = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            return s.substring(s.lastIndexOf('/') + 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Burns CPU in its own loop (OSR-compiled soon), checking the clock rarely so samples land here. */
    private static long burnInProfileWriterTest(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        long x = 1;
        while (true) {
            for (int i = 0; i < 1_000_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                x ^= x >>> 29;
            }
            if (System.nanoTime() > end) {
                return x;
            }
        }
    }
}
