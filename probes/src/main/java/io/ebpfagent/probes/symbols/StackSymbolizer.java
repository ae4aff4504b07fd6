package io.ebpfagent.probes.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns instruction pointers of stack traces into frames: kernel addresses through {@code
 * /proc/kallsyms}, user addresses through the process's mappings and the symbol tables of the
 * mapped ELF files, JVM-generated code through {@code /tmp/perf-<pid>.map}. Results are cached
 * per process and address; call {@link #refresh()} before each pass over a batch of stacks so
 * changed mappings and perf maps are picked up. Runs at export time, not per event: it
 * allocates. Not thread safe.
 */
public final class StackSymbolizer {
    private final KernelSymbols kernel;
    private final Path procRoot;
    private final Path perfMapDir;
    private final ElfCache elves = new ElfCache();
    private final Map<Integer, ProcessSymbols> processes = new HashMap<>();
    private final Map<Long, Frame> kernelCache = new HashMap<>();
    private final Map<Integer, Integer> tgids = new HashMap<>();

    /**
     * @param kernel     kernel symbols (may be unavailable: kernel frames are then {@code [unknown kernel]})
     * @param procRoot   the proc file system ({@code /proc})
     * @param perfMapDir where JIT perf maps are ({@code /tmp})
     */
    public StackSymbolizer(KernelSymbols kernel, Path procRoot, Path perfMapDir) {
        this.kernel = kernel;
        this.procRoot = procRoot;
        this.perfMapDir = perfMapDir;
    }

    /** {@code /proc/kallsyms}, {@code /proc}, {@code /tmp}. */
    public static StackSymbolizer create() {
        return new StackSymbolizer(KernelSymbols.load(), Path.of("/proc"), Path.of("/tmp"));
    }

    public KernelSymbols kernelSymbols() {
        return kernel;
    }

    /** Re-reads changed mappings and perf maps; forgets processes that exited. */
    public void refresh() {
        for (Iterator<ProcessSymbols> it = processes.values().iterator(); it.hasNext(); ) {
            if (!it.next().refresh()) {
                it.remove();
            }
        }
        tgids.clear();
    }

    /** The frame of a kernel address. */
    public Frame kernelFrame(long ip) {
        Frame f = kernelCache.get(ip);
        if (f == null) {
            String name = kernel.lookup(ip);
            f = name == null ? Frame.unknownKernel() : new Frame(name, Frame.Kind.KERNEL, "vmlinux");
            kernelCache.put(ip, f);
        }
        return f;
    }

    /** The frame of a user address of process {@code pid}. */
    public Frame userFrame(int pid, long ip) {
        return processes.computeIfAbsent(pid, p -> new ProcessSymbols(p, procRoot, perfMapDir, elves)).resolve(ip);
    }

    /** The process (thread group) of a thread, or the tid itself when it is unknown (already exited). */
    public int processOf(int tid) {
        return tgids.computeIfAbsent(tid, this::readTgid);
    }

    private int readTgid(int tid) {
        try {
            for (String line : Files.readAllLines(procRoot.resolve(tid + "/status"))) {
                if (line.startsWith("Tgid:")) {
                    return Integer.parseInt(line.substring(5).strip());
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited
        }
        return tid;
    }
}
