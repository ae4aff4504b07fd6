package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;

/**
 * Writes the .rodata constant every probe object has ({@code target_tgid}, from common.bpf.h) and
 * checks configuration values; each probe sets its own constants with the setters generated
 * from its object ({@code *Layouts.Rodata}).
 */
final class Rodata {
    private Rodata() {
    }

    static void set(CollectionSpec spec, String name, long value) {
        spec.variable(name).set(value);
    }

    static void requireNonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
    }
}
