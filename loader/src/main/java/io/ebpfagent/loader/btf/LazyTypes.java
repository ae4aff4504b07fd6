package io.ebpfagent.loader.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * The types of a base BTF blob, decoded one by one on first access. The kernel's BTF holds about
 * a hundred thousand types; a loader resolves a few hundred of them, so decoding all up front
 * (and keeping tens of megabytes of records in the observed application's heap) is wasted work.
 *
 * <p>Name lookups use an index over the raw string section: a hash table of the types' names
 * without their CO-RE flavor, so neither the index nor a lookup creates a string per type.
 */
final class LazyTypes extends AbstractList<Type> implements RandomAccess {
    private static final Type VOID = new Type.Void();

    /** Where the raw types live when they may be released; null for a blob on the Java heap. */
    private final NativeBlob blob;
    private final int typeSectionBytes;
    /** Guarded by this; null while the blob is released. */
    private BtfParser parser;
    private final byte[] strings;
    private final int[] offsets;
    private final int sectionStart;
    private final ByteOrder order;
    private final Type[] decoded;
    private volatile NameIndex names;

    LazyTypes(BtfParser parser, int[] offsets, int sectionStart, ByteOrder order, NativeBlob blob) {
        this.parser = parser;
        this.blob = blob;
        this.typeSectionBytes = parser.typeSection().capacity();
        this.strings = parser.stringSection();
        this.offsets = offsets;
        this.sectionStart = sectionStart;
        this.order = order;
        this.decoded = new Type[offsets.length];
        this.decoded[0] = VOID;
    }

    /**
     * Gives the raw type section back (native memory only). Types decoded so far stay; the next
     * type that needs decoding reads the blob again.
     */
    synchronized void release() {
        if (blob != null) {
            parser = null;
            blob.release();
        }
    }

    /** Whether the raw types are in memory (always, for a blob on the Java heap). */
    synchronized boolean resident() {
        return parser != null;
    }

    /** The parser over the raw types, reading them again after a release. Hold the lock. */
    private BtfParser parser() {
        if (parser == null) {
            parser = BtfParser.reopen(blob.bytes(), strings, typeSectionBytes);
        }
        return parser;
    }

    ByteOrder order() {
        return order;
    }

    byte[] strings() {
        return strings;
    }

    @Override
    public int size() {
        return offsets.length;
    }

    @Override
    public Type get(int index) {
        Type t = decoded[index];
        if (t != null) return t;
        synchronized (this) {
            // types are immutable records: a racy read of the array sees either null or a complete one
            t = decoded[index];
            if (t == null) {
                t = parser().decodeAt(offsets[index], sectionStart);
                decoded[index] = t;
            }
            return t;
        }
    }

    /** Ids (ascending) of the types called exactly {@code name}. */
    synchronized int[] idsByName(String name) {
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        return index().find(want, essentialLength(want, 0, want.length), true);
    }

    /** Ids (ascending) of the named types whose name without its flavor is {@code essential}. */
    synchronized int[] idsByEssentialName(String essential) {
        byte[] want = essential.getBytes(StandardCharsets.UTF_8);
        return index().find(want, want.length, false);
    }

    private NameIndex index() {
        NameIndex n = names;
        if (n == null) {
            synchronized (this) {
                n = names;
                if (n == null) names = n = new NameIndex();
            }
        }
        return n;
    }

    /** The string offset of type {@code id}'s name. Hold the lock. */
    private int nameOffset(int id) {
        return parser().typeSection().getInt(offsets[id]);
    }

    private int end(int off) {
        int e = off;
        while (strings[e] != 0) e++;
        return e;
    }

    /** The length of the bytes {@code [from, to)} without the CO-RE flavor, as {@link Btf#essentialName}. */
    private static int essentialLength(byte[] s, int from, int to) {
        for (int i = to - 5; i >= from; i--) {
            if (s[i] != '_' && s[i + 1] == '_' && s[i + 2] == '_' && s[i + 3] == '_' && s[i + 4] != '_') {
                return i + 1 - from;
            }
        }
        return to - from;
    }

    private static int hash(byte[] s, int from, int len) {
        int h = 0x811c9dc5;
        for (int i = from; i < from + len; i++) {
            h = (h ^ (s[i] & 0xff)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /**
     * Chained hash table over the essential names: {@code heads[hash & mask]} is the first type
     * id of a bucket, {@code next[id]} the following one. Chains run in ascending id order.
     */
    private final class NameIndex {
        private final int[] heads;
        private final int[] next;
        private final int mask;

        NameIndex() {
            int n = offsets.length;
            int cap = Integer.highestOneBit(Math.max(16, n)) << 1;
            heads = new int[cap];
            next = new int[n];
            mask = cap - 1;
            // ids from last to first, each pushed in front: every chain ends up ascending
            for (int id = n - 1; id >= 1; id--) {
                int off = nameOffset(id);
                if (off == 0) continue;
                int e = end(off);
                int h = hash(strings, off, essentialLength(strings, off, e)) & mask;
                next[id] = heads[h];
                heads[h] = id; // 0 (void, never named) ends a chain
            }
        }

        int[] find(byte[] want, int essentialLen, boolean exact) {
            int[] out = null;
            int count = 0;
            for (int id = heads[hash(want, 0, essentialLen) & mask]; id != 0; id = next[id]) {
                int off = nameOffset(id);
                int e = end(off);
                if (essentialLength(strings, off, e) != essentialLen) continue;
                if (exact ? e - off != want.length : false) continue;
                if (!Arrays.equals(strings, off, off + (exact ? want.length : essentialLen), want, 0,
                        exact ? want.length : essentialLen)) {
                    continue;
                }
                if (out == null) out = new int[4];
                else if (count == out.length) out = Arrays.copyOf(out, count * 2);
                out[count++] = id;
            }
            return out == null ? new int[0] : Arrays.copyOf(out, count);
        }
    }
}
