package io.ebpfagent.probes.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The address space of one process: its mappings, its perf map and the frames resolved so far. */
final class ProcessSymbols {
    private final int pid;
    private final Path procRoot;
    private final PerfMap perfMap;
    private final ElfCache elves;
    private final Map<Long, Frame> cache = new HashMap<>();
    private String mapsText = "";
    private Mapping[] mappings = new Mapping[0];
    private boolean reloadedSinceRefresh;

    ProcessSymbols(int pid, Path procRoot, Path perfMapDir, ElfCache elves) {
        this.pid = pid;
        this.procRoot = procRoot;
        this.perfMap = new PerfMap(perfMapDir.resolve("perf-" + pid + ".map"));
        this.elves = elves;
        reloadMaps();
        perfMap.reloadIfChanged();
    }

    /** False once the process is gone. */
    boolean refresh() {
        boolean changed = reloadMaps();
        changed |= perfMap.reloadIfChanged();
        if (changed) {
            cache.clear();
        }
        reloadedSinceRefresh = false;
        return Files.isDirectory(procRoot.resolve(Integer.toString(pid)));
    }

    Frame resolve(long ip) {
        Frame f = cache.get(ip);
        if (f == null) {
            f = resolveUncached(ip);
            cache.put(ip, f);
        }
        return f;
    }

    private Frame resolveUncached(long ip) {
        Mapping m = find(ip);
        if (m == null && !reloadedSinceRefresh) {
            // a library mapped after the last read of the maps
            reloadedSinceRefresh = true;
            if (reloadMaps()) {
                cache.clear();
            }
            m = find(ip);
        }
        if (m == null || !m.fileBacked()) {
            // JIT code lives in anonymous mappings; the perf map may also name code elsewhere
            String name = perfMap.lookup(ip);
            if (name != null) {
                return new Frame(name, Frame.Kind.JAVA, "");
            }
            return Frame.unknown(m == null ? "" : m.module());
        }
        ElfSymbols elf = elves.get(fileOf(m));
        String name = elf == null ? null : elf.lookupFileOffset(ip - m.start() + m.offset());
        return name != null ? new Frame(CppNames.simplify(name), Frame.Kind.NATIVE, m.module()) : Frame.unknown(m.module());
    }

    private Path fileOf(Mapping m) {
        // through the process's root: right inside containers, the same file otherwise
        Path viaRoot = procRoot.resolve(pid + "/root" + m.filePath());
        return Files.exists(viaRoot) ? viaRoot : Path.of(m.filePath());
    }

    private Mapping find(long ip) {
        int lo = 0;
        int hi = mappings.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = mappings[mid];
            if (Long.compareUnsigned(ip, m.start()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(ip, m.end()) >= 0) {
                lo = mid + 1;
            } else {
                return m;
            }
        }
        return null;
    }

    /** True when the mappings changed. */
    private boolean reloadMaps() {
        String text;
        try {
            text = Files.readString(procRoot.resolve(pid + "/maps"));
        } catch (IOException | RuntimeException gone) {
            text = "";
        }
        if (text.equals(mapsText)) {
            return false;
        }
        mapsText = text;
        List<Mapping> list = Mapping.parse(text);
        mappings = list.toArray(Mapping[]::new);
        return true;
    }
}
