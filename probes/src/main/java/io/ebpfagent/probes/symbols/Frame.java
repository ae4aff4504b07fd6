package io.ebpfagent.probes.symbols;

/**
 * One symbolised stack frame.
 *
 * @param name   symbol or method name, free of {@code ;} and line breaks (folded-stack safe)
 * @param kind   where the code lives
 * @param module file name of the mapped object ({@code vmlinux} for the kernel, empty when anonymous)
 */
public record Frame(String name, Kind kind, String module) {
    public enum Kind {
        /** Kernel text, named from {@code /proc/kallsyms}. */
        KERNEL,
        /** A function of a mapped ELF file. */
        NATIVE,
        /** Code the JVM generated (JIT-compiled methods, interpreter, stubs), named from its perf map. */
        JAVA,
        /** No symbol covers the address. */
        UNKNOWN
    }

    public Frame {
        name = sanitize(name);
    }

    /** The name with the suffix of the flame graph tools: {@code _[k]} kernel, {@code _[j]} Java. */
    public String folded() {
        return switch (kind) {
            case KERNEL -> name + "_[k]";
            case JAVA -> name + "_[j]";
            case NATIVE, UNKNOWN -> name;
        };
    }

    static Frame unknownKernel() {
        return new Frame("[unknown kernel]", Kind.UNKNOWN, "vmlinux");
    }

    static Frame unknown(String module) {
        return new Frame(module.isEmpty() ? "[unknown]" : "[unknown] (" + module + ")", Kind.UNKNOWN, module);
    }

    private static String sanitize(String s) {
        if (s.indexOf(';') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return s.replace(';', ':').replace('\n', ' ').replace('\r', ' ');
    }
}
