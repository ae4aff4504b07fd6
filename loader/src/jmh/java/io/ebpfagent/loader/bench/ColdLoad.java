package io.ebpfagent.loader.bench;

import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.collection.CollectionOptions;
import io.ebpfagent.loader.collection.CollectionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One cold load: in this fresh JVM, parses and loads (maps, BTF, CO-RE, verifier; no attach) each
 * object named on the command line in turn, then closes them all. Prints
 * {@code COLD <object> <ms>} per object, then {@code COLD_TOTAL <wall ms> <process cpu ms>}: wall
 * time from the first parse to the last load, CPU of the whole process (JIT and GC threads
 * included) from its start. Run by {@link LoaderBenchmarks} next to {@code bpftool prog loadall}.
 * With {@code -Debpf.btf.cache=<dir>} the kernel's BTF index is kept in (and read from) that
 * directory ({@link io.ebpfagent.loader.btf.Btf#cacheKernelIndexIn}).
 */
public final class ColdLoad {
    /**
     * The jvm object's usdt.bpf.h asks for LINUX_HAS_BPF_COOKIE, which libbpf (and so bpftool)
     * supplies itself; the jvm probe passes it the same way (this kernel has BPF cookies).
     */
    private static final CollectionOptions OPTIONS = CollectionOptions.DEFAULT
            .withKconfig(Map.of("LINUX_HAS_BPF_COOKIE", "y"));
    private ColdLoad() {
    }

    /**
     * User + system CPU of this process so far (all threads), from {@code /proc/self/stat} in
     * 10 ms ticks. Not the OperatingSystemMXBean: initialising the management classes costs a
     * fresh JVM ~50 ms of CPU that would count as the loader's.
     */
    private static long processCpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // fields 14 and 15: utime, stime
    }

    public static void main(String[] args) throws Exception {
        String cache = System.getProperty("ebpf.btf.cache");
        if (cache != null) {
            io.ebpfagent.loader.btf.Btf.cacheKernelIndexIn(Path.of(cache));
        }
        List<Collection> loaded = new ArrayList<>();
        long t0 = System.nanoTime();
        StringBuilder out = new StringBuilder();
        for (String a : args) {
            Path p = Path.of(a);
            long s = System.nanoTime();
            loaded.add(Collection.load(CollectionSpec.load(Files.readAllBytes(p), p.getFileName().toString()), OPTIONS));
            out.append("COLD ").append(p.getFileName()).append(' ').append((System.nanoTime() - s) / 1_000_000).append('\n');
        }
        long wall = System.nanoTime() - t0;
        long cpu = processCpuMillis();
        out.append("COLD_TOTAL ").append(wall / 1_000_000).append(' ').append(cpu).append('\n');
        if (cache != null) {
            out.append("COLD_INDEX ").append(io.ebpfagent.loader.btf.Btf.kernelIndexCacheStatus()).append('\n');
        }
        System.out.print(out);
        for (Collection c : loaded) {
            c.close();
        }
    }
}
