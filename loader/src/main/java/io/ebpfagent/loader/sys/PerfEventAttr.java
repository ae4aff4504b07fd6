package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The kernel's {@code struct perf_event_attr} in its version-8 size (136 bytes,
 * {@code PERF_ATTR_SIZE_VER8}). Kernels older than the layout ignore trailing zero bytes, so
 * sending the newest size is safe as long as the new fields stay zero.
 *
 * <p>Unions are flattened to the name the loader uses: {@code samplePeriodOrFreq} is
 * {@code sample_period} or {@code sample_freq} (with {@link #FLAG_FREQ}); {@code wakeup} is
 * {@code wakeup_events} or {@code wakeup_watermark} (with {@link #FLAG_WATERMARK});
 * {@code config1} is also {@code uprobe_path}/{@code kprobe_func}; {@code config2} is also
 * {@code probe_offset}/{@code kprobe_addr}.
 *
 * @param type               {@code PERF_TYPE_*} or a dynamic PMU type (uprobe, kprobe)
 * @param config             event selector within the type
 * @param samplePeriodOrFreq sampling period, or frequency in Hz with {@link #FLAG_FREQ}
 * @param sampleType         {@code PERF_SAMPLE_*} bits
 * @param readFormat         {@code PERF_FORMAT_*} bits
 * @param flags              the bit field word ({@code FLAG_*} constants)
 * @param wakeup             events (or bytes with {@link #FLAG_WATERMARK}) before a wake-up
 * @param config1            extension of config; a pointer for probe PMUs
 * @param config2            extension of config; the probe offset for probe PMUs
 * @param config3            extension of config (kernel 6.3+)
 */
public record PerfEventAttr(int type, long config, long samplePeriodOrFreq, long sampleType, long readFormat,
                            long flags, int wakeup, long config1, long config2, long config3) {

    /** {@code PERF_ATTR_SIZE_VER8}. */
    public static final int SIZE = 136;

    public static final int TYPE_HARDWARE = 0;
    public static final int TYPE_SOFTWARE = 1;
    public static final int TYPE_TRACEPOINT = 2;

    public static final long COUNT_SW_CPU_CLOCK = 0;
    public static final long COUNT_SW_TASK_CLOCK = 1;
    public static final long COUNT_SW_BPF_OUTPUT = 10;

    public static final long SAMPLE_IP = 1L;
    public static final long SAMPLE_TID = 1L << 1;
    public static final long SAMPLE_RAW = 1L << 10;

    public static final long FLAG_DISABLED = 1L;
    public static final long FLAG_INHERIT = 1L << 1;
    public static final long FLAG_EXCLUDE_USER = 1L << 4;
    public static final long FLAG_EXCLUDE_KERNEL = 1L << 5;
    public static final long FLAG_FREQ = 1L << 10;
    public static final long FLAG_WATERMARK = 1L << 14;

    /** The C layout, for readers that want the field offsets. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("size"),
            JAVA_LONG.withName("config"),
            JAVA_LONG.withName("sample_period"),
            JAVA_LONG.withName("sample_type"),
            JAVA_LONG.withName("read_format"),
            JAVA_LONG.withName("flags"),
            JAVA_INT.withName("wakeup_events"),
            JAVA_INT.withName("bp_type"),
            JAVA_LONG.withName("config1"),
            JAVA_LONG.withName("config2"),
            JAVA_LONG.withName("branch_sample_type"),
            JAVA_LONG.withName("sample_regs_user"),
            JAVA_INT.withName("sample_stack_user"),
            JAVA_INT.withName("clockid"),
            JAVA_LONG.withName("sample_regs_intr"),
            JAVA_INT.withName("aux_watermark"),
            JAVA_SHORT.withName("sample_max_stack"),
            JAVA_SHORT.withName("reserved_2"),
            JAVA_INT.withName("aux_sample_size"),
            JAVA_INT.withName("reserved_3"),
            JAVA_LONG.withName("sig_data"),
            JAVA_LONG.withName("config3"));

    static {
        if (LAYOUT.byteSize() != SIZE) {
            throw new AssertionError("perf_event_attr layout is " + LAYOUT.byteSize() + " bytes");
        }
    }

    /** An attribute of the given type and config, everything else zero. */
    public static PerfEventAttr of(int type, long config) {
        return new PerfEventAttr(type, config, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    public PerfEventAttr withSampling(long periodOrFreq, boolean frequency) {
        long f = frequency ? flags | FLAG_FREQ : flags & ~FLAG_FREQ;
        return new PerfEventAttr(type, config, periodOrFreq, sampleType, readFormat, f, wakeup, config1, config2, config3);
    }

    public PerfEventAttr withSampleType(long value) {
        return new PerfEventAttr(type, config, samplePeriodOrFreq, value, readFormat, flags, wakeup, config1, config2, config3);
    }

    public PerfEventAttr withFlags(long value) {
        return new PerfEventAttr(type, config, samplePeriodOrFreq, sampleType, readFormat, value, wakeup, config1, config2, config3);
    }

    /** Wake readers after {@code value} events, or after {@code value} bytes if {@code bytes}. */
    public PerfEventAttr withWakeup(int value, boolean bytes) {
        long f = bytes ? flags | FLAG_WATERMARK : flags & ~FLAG_WATERMARK;
        return new PerfEventAttr(type, config, samplePeriodOrFreq, sampleType, readFormat, f, value, config1, config2, config3);
    }

    public PerfEventAttr withConfig1(long value) {
        return new PerfEventAttr(type, config, samplePeriodOrFreq, sampleType, readFormat, flags, wakeup, value, config2, config3);
    }

    public PerfEventAttr withConfig2(long value) {
        return new PerfEventAttr(type, config, samplePeriodOrFreq, sampleType, readFormat, flags, wakeup, config1, value, config3);
    }

    public PerfEventAttr withConfig(long value) {
        return new PerfEventAttr(type, value, samplePeriodOrFreq, sampleType, readFormat, flags, wakeup, config1, config2, config3);
    }

    /** Encodes the attribute into native memory of {@link #SIZE} bytes. */
    public MemorySegment encode(Arena arena) {
        MemorySegment s = arena.allocate(LAYOUT);
        encodeInto(s);
        return s;
    }

    /** Encodes into {@code s}, which must be at least {@link #SIZE} bytes and zeroed. */
    public void encodeInto(MemorySegment s) {
        s.set(JAVA_INT, 0, type);
        s.set(JAVA_INT, 4, SIZE);
        s.set(JAVA_LONG, 8, config);
        s.set(JAVA_LONG, 16, samplePeriodOrFreq);
        s.set(JAVA_LONG, 24, sampleType);
        s.set(JAVA_LONG, 32, readFormat);
        s.set(JAVA_LONG, 40, flags);
        s.set(JAVA_INT, 48, wakeup);
        s.set(JAVA_LONG, 56, config1);
        s.set(JAVA_LONG, 64, config2);
        s.set(JAVA_LONG, 128, config3);
    }
}
