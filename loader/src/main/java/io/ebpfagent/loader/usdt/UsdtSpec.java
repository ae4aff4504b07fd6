package io.ebpfagent.loader.usdt;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The BPF-side description of a probe's arguments, in the layout of libbpf's
 * {@code struct __bpf_usdt_spec} ({@code usdt.bpf.h}), which BPF programs written with
 * {@code BPF_USDT(...)} read from the {@code __bpf_usdt_specs} array map to fetch their arguments.
 */
public final class UsdtSpec {
    /** {@code BPF_USDT_MAX_ARG_CNT}. */
    public static final int MAX_ARGS = 12;

    /** {@code struct __bpf_usdt_arg_spec}. */
    public static final StructLayout ARG_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("val_off"),
            JAVA_INT.withName("arg_type"),
            JAVA_SHORT.withName("reg_off"),
            JAVA_BYTE.withName("arg_signed"),
            JAVA_BYTE.withName("arg_bitshift"));

    /** {@code struct __bpf_usdt_spec}: 208 bytes. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(MAX_ARGS, ARG_LAYOUT).withName("args"),
            JAVA_LONG.withName("usdt_cookie"),
            JAVA_SHORT.withName("arg_cnt"),
            MemoryLayout.paddingLayout(6));

    private UsdtSpec() {
    }

    /** Encodes the arguments and the user cookie into {@code out} ({@link #LAYOUT} bytes). */
    public static void encode(List<UsdtArgument> args, long cookie, MemorySegment out) {
        if (args.size() > MAX_ARGS) {
            throw new IllegalArgumentException("USDT probe has " + args.size() + " arguments, at most " + MAX_ARGS
                    + " supported");
        }
        out.asSlice(0, LAYOUT.byteSize()).fill((byte) 0);
        for (int i = 0; i < args.size(); i++) {
            UsdtArgument a = args.get(i);
            long base = i * ARG_LAYOUT.byteSize();
            out.set(JAVA_LONG, base, a.value());
            out.set(JAVA_INT, base + 8, a.kind().ordinal());
            out.set(JAVA_SHORT, base + 12, (short) Math.max(a.registerOffset(), 0));
            out.set(JAVA_BYTE, base + 14, (byte) (a.signed() ? 1 : 0));
            out.set(JAVA_BYTE, base + 15, (byte) a.bitShift());
        }
        out.set(JAVA_LONG, MAX_ARGS * ARG_LAYOUT.byteSize(), cookie);
        out.set(JAVA_SHORT, MAX_ARGS * ARG_LAYOUT.byteSize() + 8, (short) args.size());
    }
}
