package io.ebpfagent.examples;

import io.ebpfagent.examples.UprobeBpf.Calls;
import io.ebpfagent.loader.collection.Collection;
import io.ebpfagent.loader.link.Link;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.link.UprobeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A uprobe and a uretprobe on libc's {@code getpid}, for this process only: both programs update
 * the struct global {@code calls} in {@code .bss}, which Java reads in place (the section is
 * mmapped) with the layout generated from {@code uprobe.bpf.o} ({@link UprobeBpf}).
 */
public final class UprobeExample {
    private static final MethodHandle GETPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getpid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private UprobeExample() {
    }

    /** What the programs counted. */
    public record Counts(long entered, long returned, long lastReturn) {
    }

    /** Calls libc's {@code getpid} {@code times} times with both probes attached. */
    public static Counts countGetpid(int times) throws Throwable {
        Path libc = libc();
        int pid = (int) ProcessHandle.current().pid();
        try (Collection c = Collection.load(BundledObjects.spec("uprobe.bpf.o"));
             Link _ = Links.uprobe(libc, "getpid", c.program(UprobeBpf.Programs.ON_ENTRY),
                     UprobeOptions.DEFAULT.withPid(pid));
             Link _ = Links.uprobe(libc, "getpid", c.program(UprobeBpf.Programs.ON_RETURN),
                     UprobeOptions.DEFAULT.withPid(pid).withRetprobe(true))) {
            for (int i = 0; i < times; i++) {
                int _ = (int) GETPID.invokeExact();
            }
            MemorySegment calls = c.variable("calls").memory();
            return new Counts((long) Calls.VH_ENTERED.get(calls, 0L), (long) Calls.VH_RETURNED.get(calls, 0L),
                    (long) Calls.VH_LAST_RET.get(calls, 0L));
        }
    }

    /** The libc this JVM has mapped, the file the probes go into. */
    static Path libc() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash > 0 && line.substring(slash).matches(".*/libc\\.so\\.6")) {
                    return Path.of(line.substring(slash));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("libc.so.6 is not mapped into this process");
    }

    /** Calls getpid ten times and prints the counts. Run as root. */
    public static void main(String[] args) throws Throwable {
        System.out.println(countGetpid(10));
    }
}
