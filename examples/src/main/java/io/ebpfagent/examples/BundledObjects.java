package io.ebpfagent.examples;

import io.ebpfagent.loader.collection.CollectionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The examples' eBPF objects, compiled from {@code src/main/bpf} and shipped as class path resources. */
final class BundledObjects {
    private BundledObjects() {
    }

    /** A fresh spec of {@code bpf/<name>}, e.g. {@code tracepoint.bpf.o}. */
    static CollectionSpec spec(String name) {
        try (InputStream in = BundledObjects.class.getResourceAsStream("bpf/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no resource io/ebpfagent/examples/bpf/" + name);
            }
            return CollectionSpec.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
