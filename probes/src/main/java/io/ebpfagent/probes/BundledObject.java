package io.ebpfagent.probes;

import io.ebpfagent.loader.collection.CollectionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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
    /**
     * A spec parsed ahead ({@link #prepare()}) or for reading only ({@link #sharedSpec}), possibly
     * still being parsed, handed out by the next {@link #spec()}.
     */
    private final AtomicReference<FutureTask<CollectionSpec>> parked = new AtomicReference<>();

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
        FutureTask<CollectionSpec> ahead = parked.getAndSet(null);
        if (ahead != null) {
            ahead.run(); // parses here unless another thread already does (then waits for it)
            try {
                return ahead.get();
            } catch (ExecutionException failed) {
                // parsed again below, which reports the problem to the caller
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return CollectionSpec.load(bytes(), objectName + ".bpf.o");
    }

    /**
     * Has the next {@link #spec()} take a spec parsed by the returned task, which the caller runs
     * on a thread of its own: a starting agent parses the objects of the probes it will start
     * while its core starts, and the start waits only for what is not parsed yet. A
     * {@link #spec()} that comes first runs the task itself. When a spec is already parked, the
     * task does nothing. {@link #discardPrepared()} drops a spec nobody took.
     */
    public Runnable prepare() {
        FutureTask<CollectionSpec> task = new FutureTask<>(() -> CollectionSpec.load(bytes(), objectName + ".bpf.o"));
        return parked.compareAndSet(null, task) ? task : () -> { };
    }

    /** Forgets a spec {@link #prepare()} or {@link #sharedSpec()} parked and no start took. */
    public void discardPrepared() {
        FutureTask<CollectionSpec> unused = parked.getAndSet(null);
        if (unused != null) {
            unused.cancel(false);
        }
    }

    /** Whether a spec is parked for the next {@link #spec()} (parsed or not yet). */
    boolean hasPrepared() {
        return parked.get() != null;
    }

    /**
     * A spec to read map definitions from, which the caller must not change: it is kept and
     * returned, still unchanged, by the next {@link #spec()}, so reading the shared map
     * definitions from the sched object and then starting the sched probe parses it once.
     */
    CollectionSpec sharedSpec() {
        CollectionSpec s = spec();
        FutureTask<CollectionSpec> done = new FutureTask<>(() -> s);
        done.run();
        parked.compareAndSet(null, done);
        return s;
    }
}
