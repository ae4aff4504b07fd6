package io.ebpfagent.agent.kernel;

import io.ebpfagent.probes.ProfileProbe;
import io.ebpfagent.probes.symbols.StackSymbolizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the profile probe's samples into a folded-stacks file ({@code group;frame;...;frame
 * count}, the input of flamegraph.pl and speedscope), rewritten on every run with the samples
 * since the previous one. Before symbolising it has the JVM write its perf map, so JIT-compiled
 * methods have names; that only helps when compiled code keeps frame pointers. The file is
 * replaced through {@link ReplaceFile} (exclusive creation, no symbolic link followed, mode 0600).
 */
final class ProfileWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileWriter.class);

    private final ProfileProbe probe;
    private final Path output;
    private final IntFunction<String> threadGroup;
    private final JitPerfMap perfMap;
    private final boolean perfMapExisted;
    private StackSymbolizer symbolizer;
    private boolean perfMapFailed;
    /** The failure last logged at WARN, until a write succeeds; only the scheduler thread (or the exit's) writes it. */
    private volatile String lastFailure;

    /** {@code perfMap} null: Java frames stay unnamed. */
    ProfileWriter(ProfileProbe probe, Path output, IntFunction<String> threadGroup, JitPerfMap perfMap) {
        this.probe = probe;
        this.output = output.toAbsolutePath();
        this.threadGroup = threadGroup;
        this.perfMap = perfMap;
        this.perfMapExisted = perfMap != null && Files.exists(perfMap.file());
    }

    /** The writer of this JVM: a perf map only when compiled code keeps frame pointers (logged otherwise). */
    static ProfileWriter create(ProfileProbe probe, Path output, IntFunction<String> threadGroup) {
        JitPerfMap perfMap = null;
        if (!JitPerfMap.framePointersPreserved()) {
            LOG.info("profile: Java frames need -XX:+PreserveFramePointer; without it stacks end at the first "
                    + "JIT-compiled frame and no perf map is written");
        } else {
            try {
                perfMap = new JitPerfMap();
            } catch (Exception e) {
                LOG.info("profile: no JIT perf map ({}); Java frames stay unnamed", e.toString());
            }
        }
        return new ProfileWriter(probe, output, threadGroup, perfMap);
    }

    /**
     * One pass, failures logged: the first of a kind at WARN, the same one again only at DEBUG
     * (a link in the way or a full disk would otherwise repeat the line every interval), and one
     * INFO line when writing works again.
     */
    @Override
    public void run() {
        try {
            writeOnce();
            if (lastFailure != null) {
                LOG.info("profile: writing {} works again", output);
                lastFailure = null;
            }
        } catch (Exception e) {
            String reason = e.toString();
            if (reason.equals(lastFailure)) {
                LOG.debug("profile: writing {} failed again: {}", output, reason);
            } else {
                LOG.warn("profile: writing {} failed: {} (the same failure again is logged at DEBUG)", output, reason);
                lastFailure = reason;
            }
        }
    }

    /** One pass; returns the number of distinct stacks written. */
    synchronized int writeOnce() throws IOException {
        if (perfMap != null && !perfMapFailed) {
            try {
                long ns = perfMap.write();
                LOG.debug("profile: perf map written in {} ms", ns / 1_000_000);
            } catch (Exception e) {
                perfMapFailed = true;
                LOG.info("profile: the JVM did not write its perf map ({}); Java frames stay unnamed", e.toString());
            }
        }
        if (symbolizer == null) {
            symbolizer = StackSymbolizer.create(); // reads kallsyms: at the first pass, not at agent start
        }
        Map<String, Long> folded = probe.foldedStacks(symbolizer, threadGroup, true);
        List<Map.Entry<String, Long>> lines = new ArrayList<>(folded.entrySet());
        lines.sort(Map.Entry.comparingByKey()); // stable files diff well
        Path dir = output.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        StringBuilder text = new StringBuilder(lines.size() * 128);
        for (Map.Entry<String, Long> e : lines) {
            text.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        ReplaceFile.write(output, text);
        return lines.size();
    }

    /** Removes the perf map this writer created: HotSpot leaves it in /tmp after exit. */
    void cleanUp() {
        if (perfMap != null && !perfMapExisted) {
            try {
                Files.deleteIfExists(perfMap.file());
            } catch (IOException e) {
                LOG.debug("profile: cannot delete {}: {}", perfMap.file(), e.toString());
            }
        }
    }
}
