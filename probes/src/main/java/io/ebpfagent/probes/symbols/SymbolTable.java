package io.ebpfagent.probes.symbols;

import java.util.Arrays;

/**
 * Address-sorted symbols with binary search. A symbol with a size covers {@code [start,
 * start + size)}; one without a size (kallsyms has none) covers everything up to the next
 * symbol, when {@code sizeless} lookups are allowed.
 */
final class SymbolTable {
    private final long[] starts;
    private final long[] sizes;
    private final String[] names;

    private SymbolTable(long[] starts, long[] sizes, String[] names) {
        this.starts = starts;
        this.sizes = sizes;
        this.names = names;
    }

    static SymbolTable empty() {
        return new SymbolTable(new long[0], new long[0], new String[0]);
    }

    int size() {
        return starts.length;
    }

    /**
     * The symbol covering {@code address}, or null. Symbols of size 0 count only when {@code
     * sizeless} (they then reach up to the next symbol); among symbols at the same address the
     * first added wins.
     */
    String lookup(long address, boolean sizeless) {
        int i = Arrays.binarySearch(starts, address);
        if (i < 0) {
            i = -i - 2; // last start below the address
            if (i < 0) {
                return null;
            }
        }
        int first = i;
        while (first > 0 && starts[first - 1] == starts[i]) {
            first--;
        }
        if (starts[i] == address) {
            return names[first]; // an exact start is a hit whatever the size
        }
        for (int j = first; j <= i; j++) {
            if (sizes[j] > 0 && address - starts[j] < sizes[j]) {
                return names[j];
            }
        }
        if (sizeless) {
            return names[first];
        }
        // a large symbol may span smaller ones after its start (overlapping code-cache entries)
        for (int j = first - 1, steps = 0; j >= 0 && steps < 8; j--, steps++) {
            if (sizes[j] > 0 && address - starts[j] < sizes[j]) {
                return names[j];
            }
        }
        return null;
    }

    /** Collects entries in any order, then sorts them stably by address. */
    static final class Builder {
        private long[] starts = new long[1024];
        private long[] sizes = new long[1024];
        private String[] names = new String[1024];
        private int n;

        Builder add(long start, long size, String name) {
            if (n == starts.length) {
                starts = Arrays.copyOf(starts, n * 2);
                sizes = Arrays.copyOf(sizes, n * 2);
                names = Arrays.copyOf(names, n * 2);
            }
            starts[n] = start;
            sizes[n] = size;
            names[n] = name;
            n++;
            return this;
        }

        int count() {
            return n;
        }

        SymbolTable build() {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            // signed order is fine: a table holds only kernel (top bit set) or only user addresses
            Arrays.sort(order, (a, b) -> Long.compare(starts[a], starts[b]));
            long[] s = new long[n];
            long[] z = new long[n];
            String[] m = new String[n];
            for (int i = 0; i < n; i++) {
                s[i] = starts[order[i]];
                z[i] = sizes[order[i]];
                m[i] = names[order[i]];
            }
            return new SymbolTable(s, z, m);
        }
    }
}
