package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

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
    /** A spec parsed for reading only ({@link #sharedSpec}), handed out by the next {@link #spec()}. */
    private final AtomicReference<CollectionSpec> parked = new AtomicReference<>();

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
        CollectionSpec unused = parked.getAndSet(null);
        return unused != null ? unused : CollectionSpec.load(bytes(), objectName + ".bpf.o");
    }

    /**
     * A spec to read map definitions from, which the caller must not change: it is kept and
     * returned, still unchanged, by the next {@link #spec()}, so reading the shared map
     * definitions from the sched object and then starting the sched probe parses it once.
     */
    CollectionSpec sharedSpec() {
        CollectionSpec s = spec();
        parked.compareAndSet(null, s);
        return s;
    }
}
