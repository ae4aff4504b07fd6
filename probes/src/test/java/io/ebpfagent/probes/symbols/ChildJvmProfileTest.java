package io.ebpfagent.probes.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.KernelTests;
import io.ebpfagent.probes.ProfileProbe;
import io.ebpfagent.probes.SharedMaps;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * End to end: a child JVM with {@code -XX:+PreserveFramePointer} burns CPU in {@code
 * burnDistinctiveCpu}; the profile probe of this JVM samples it, the child writes its perf map,
 * and the folded stacks name the method as a Java frame of the burning thread.
 */
class ChildJvmProfileTest {
    @Test
    void foldedStacksOfAChildJvmNameItsJitCompiledMethod() throws Exception {
        KernelTests.assumeRoot();
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes = Path.of(BurnerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        Process child = new ProcessBuilder(java, "-XX:+PreserveFramePointer",
                "-XX:CompileCommand=quiet", "-XX:CompileCommand=dontinline,*BurnerMain.burnDistinctiveCpu",
                "-cp", classes, BurnerMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long pid = child.pid();
        Path perfMap = Path.of("/tmp/perf-" + pid + ".map");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
             PrintWriter in = new PrintWriter(child.getOutputStream(), true)) {
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("TID "), "child said " + first);
            int burner = Integer.parseInt(first.substring(4));
            try (SharedMaps shared = SharedMaps.create();
                 ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config((int) pid, 199, true, true),
                         shared)) {
                // Samples accumulate until the JIT has compiled the burning method and enough of them
                // name it: a readiness wait, however slowly a loaded machine runs the child.
                StackSymbolizer symbolizer = StackSymbolizer.create();
                Map<String, Long> folded = Map.of();
                long burnerSamples = 0;
                long named = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                do {
                    Thread.sleep(500);
                    in.println("perfmap");
                    assertEquals("OK", out.readLine());
                    folded = probe.foldedStacks(symbolizer, tid -> tid == burner ? "distinct-burner" : "other", false);
                    burnerSamples = folded.entrySet().stream().filter(e -> e.getKey().startsWith("distinct-burner;"))
                            .mapToLong(Map.Entry::getValue).sum();
                    named = folded.entrySet().stream()
                            .filter(e -> e.getKey().startsWith("distinct-burner;")
                                    && e.getKey().contains("BurnerMain.burnDistinctiveCpu_[j]"))
                            .mapToLong(Map.Entry::getValue).sum();
                } while ((burnerSamples < 40 || named * 2 < burnerSamples) && System.nanoTime() < deadline);
                List<Map.Entry<String, Long>> top = folded.entrySet().stream()
                        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(5).toList();
                top.forEach(e -> System.out.println("folded: " + e.getValue() + " " + e.getKey()));
                assertTrue(burnerSamples >= 20, "samples of the burning thread: " + burnerSamples + " in " + top);
                // most samples are inside the method; some land in the caller or the kernel (timer interrupts)
                assertTrue(named * 2 >= burnerSamples,
                        named + " of " + burnerSamples + " burner samples name burnDistinctiveCpu: " + top);
            }
            in.println("exit");
        } finally {
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            Files.deleteIfExists(perfMap);
        }
    }
}
