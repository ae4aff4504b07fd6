package io.ebpfagent.loader.link;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.sys.NotSupportedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A dynamic probe PMU ({@code kprobe} or {@code uprobe} under
 * {@code /sys/bus/event_source/devices}): its perf type and where its format puts the
 * return-probe bit and the reference counter offset.
 *
 * @param name              {@code kprobe} or {@code uprobe}
 * @param type              the perf event type to open
 * @param retprobeBit       config bit selecting a return probe
 * @param refCtrShift       first config bit of {@code ref_ctr_offset}, -1 if the PMU has none
 */
public record ProbePmu(String name, int type, int retprobeBit, int refCtrShift) {
    private static final Path DEVICES = Path.of("/sys/bus/event_source/devices");

    /** The PMU's description on this machine. */
    public static ProbePmu of(String name) {
        return of(name, DEVICES);
    }

    static ProbePmu of(String name, Path devices) {
        Path dir = devices.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new NotSupportedException(name + "s: " + dir + " does not exist (kernel built without CONFIG_"
                    + name.toUpperCase() + "_EVENTS" + (name.equals("kprobe") ? "/CONFIG_KPROBES" : "") + ")");
        }
        try {
            int type = Integer.parseInt(Files.readString(dir.resolve("type")).strip());
            int ret = formatBit(Files.readString(dir.resolve("format/retprobe")));
            Path refCtr = dir.resolve("format/ref_ctr_offset");
            int shift = Files.exists(refCtr) ? formatBit(Files.readString(refCtr)) : -1;
            return new ProbePmu(name, type, ret, shift);
        } catch (IOException e) {
            throw new LoaderException("cannot read " + dir, e);
        }
    }

    /** The first bit of a PMU format line such as {@code config:0} or {@code config:32-63}. */
    static int formatBit(String format) {
        String f = format.strip();
        if (!f.startsWith("config:")) {
            throw new LoaderException("unexpected PMU format '" + f + "'");
        }
        String bits = f.substring("config:".length());
        int dash = bits.indexOf('-');
        return Integer.parseInt(dash < 0 ? bits : bits.substring(0, dash));
    }

    /** The config word of a probe: return-probe bit and reference counter offset. */
    public long config(boolean retprobe, long refCtrOffset) {
        long c = retprobe ? 1L << retprobeBit : 0;
        if (refCtrOffset != 0) {
            if (refCtrShift < 0) {
                throw new NotSupportedException(name + " reference counters (USDT semaphores)");
            }
            c |= refCtrOffset << refCtrShift;
        }
        return c;
    }
}
