package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.BtfException;
import io.ebpfagent.loader.btf.BtfExterns;
import io.ebpfagent.loader.btf.BtfFeature;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.SyscallException;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an object's BTF into the kernel: data section sizes and offsets filled in, kinds the
 * kernel does not know rewritten, then {@code BPF_BTF_LOAD}. As libbpf does, a kernel that
 * refuses the BTF costs only the features that need it (BTF map types, func/line info), so a
 * failure is returned as a reason instead of thrown.
 */
final class ObjectBtfLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectBtfLoader.class);

    private ObjectBtfLoader() {
    }

    /**
     * The outcome: the loaded BTF ({@code fd} non-null) or why there is none.
     *
     * @param fd      the kernel BTF object, null if not loaded
     * @param missing BTF kinds the kernel lacks (types of those kinds were rewritten)
     * @param reason  why there is no BTF, null when it loaded
     */
    record Loaded(FileDescriptor fd, Set<BtfFeature> missing, String reason) implements AutoCloseable {
        boolean present() {
            return fd != null;
        }

        /** True if {@code DATASEC} was rewritten: data-section maps must not name their BTF value type. */
        boolean datasecUsable() {
            return fd != null && !missing.contains(BtfFeature.DATASEC);
        }

        @Override
        public void close() {
            if (fd != null) fd.close();
        }
    }

    static Loaded load(CollectionSpec spec) {
        Btf types = spec.types();
        if (types == null) return new Loaded(null, Set.of(), "the object has no BTF");
        if (!Features.supported(Features::haveBtf)) {
            String why = "the kernel does not load BTF: " + Features.missing(Features::haveBtf).orElse("");
            LOG.warn("{}; continuing without BTF", why);
            return new Loaded(null, Set.of(), why);
        }
        Set<BtfFeature> missing = missingFeatures();
        byte[] blob;
        try {
            Btf fixed = BtfExterns.staticFunctions(
                    BtfExterns.allocated(BtfExterns.ksyms(types).withDatasecFixups(spec.sectionSizes(), spec.symbolOffsets())),
                    spec.hiddenFunctions());
            blob = fixed.sanitized(missing).marshal();
        } catch (BtfException e) {
            LOG.warn("cannot prepare the object's BTF ({}); continuing without BTF", e.getMessage());
            return new Loaded(null, missing, e.getMessage());
        }
        try {
            return new Loaded(Bpf.btfLoad(blob), missing, null);
        } catch (SyscallException e) {
            LOG.warn("kernel rejected the object's BTF ({}); continuing without BTF", e.getMessage());
            return new Loaded(null, missing, e.getMessage());
        }
    }

    /** The BTF kinds the running kernel lacks, from the feature probes. */
    static Set<BtfFeature> missingFeatures() {
        Set<BtfFeature> missing = EnumSet.allOf(BtfFeature.class);
        missing.removeAll(Features.supportedBtfFeatures());
        return missing;
    }
}
