package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The compiled probe objects shipped in this jar, {@code io/ebpfagent/probes/bpf/<name>.bpf.o}.
 * Each call returns a fresh spec: a probe rewrites its .rodata before loading, and two probes (or
 * two starts of one) must not see each other's changes.
 */
public enum BundledObject {
    SCHED("sched"),
    SYSCALLS("syscalls"),
    IO("io"),
    NET("net"),
    FAULTS("faults"),
    JVM("jvm"),
    PROFILE("profile");

    private final String objectName;

    BundledObject(String objectName) {
        this.objectName = objectName;
    }

    /** The object's base name, e.g. {@code sched}. */
    public String objectName() {
        return objectName;
    }

    /** The class path resource of the object. */
    public String resource() {
        return "bpf/" + objectName + ".bpf.o";
    }

    /** The raw ELF bytes. */
    public byte[] bytes() {
        try (InputStream in = BundledObject.class.getResourceAsStream(resource())) {
            if (in == null) {
                throw new IllegalStateException("probe object missing from the class path: io/ebpfagent/probes/"
                        + resource());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read probe object " + objectName, e);
        }
    }

    /** A new spec of the object. */
    public CollectionSpec spec() {
        return CollectionSpec.load(bytes(), objectName + ".bpf.o");
    }
}
