package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;

/** Writes the .rodata constants of a spec before it is loaded. */
final class Rodata {
    private Rodata() {
    }

    static void set(CollectionSpec spec, String name, long value) {
        spec.variable(name).set(value);
    }

    static void set(CollectionSpec spec, String name, boolean value) {
        spec.variable(name).set(value ? 1 : 0);
    }

    static void requireNonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
    }
}
