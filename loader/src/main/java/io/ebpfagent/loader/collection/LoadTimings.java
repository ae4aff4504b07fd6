package io.ebpfagent.loader.collection;

/**
 * Where {@link Collection#load(CollectionSpec, CollectionOptions)} spent its time, in nanoseconds
 * of wall-clock time, so callers can log a breakdown of a slow start.
 *
 * @param objectBtfNanos   fixing up, sanitising, encoding and loading ({@code BPF_BTF_LOAD}) the object's BTF
 * @param mapsNanos        creating (or reusing) the maps and writing their initial contents
 * @param kernelBtfNanos   reading and parsing the target kernel's BTF (0 when it was already cached)
 * @param coreNanos        CO-RE relocations and attach BTF id lookups against the kernel's BTF
 * @param programLoadNanos {@code BPF_PROG_LOAD} calls: mostly the kernel's verifier
 * @param totalNanos       the whole load, including what no other field counts
 */
public record LoadTimings(long objectBtfNanos, long mapsNanos, long kernelBtfNanos, long coreNanos,
                          long programLoadNanos, long totalNanos) {
    /** Nothing measured. */
    public static final LoadTimings NONE = new LoadTimings(0, 0, 0, 0, 0, 0);

    /** The phases in milliseconds with one decimal, e.g. {@code btf 1.2, maps 3.4, ...}. */
    public String describe() {
        return "objBtf " + ms(objectBtfNanos) + ", maps " + ms(mapsNanos) + ", kernelBtf " + ms(kernelBtfNanos)
                + ", core " + ms(coreNanos) + ", progLoad " + ms(programLoadNanos) + ", load total " + ms(totalNanos);
    }

    /** Nanoseconds as milliseconds with one decimal. */
    public static String ms(long nanos) {
        long tenths = (nanos + 50_000) / 100_000;
        return (tenths / 10) + "." + (tenths % 10);
    }
}
