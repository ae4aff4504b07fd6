package io.ebpfagent.loader.btf;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * Functions (about 56k of a 6.x kernel's 71k named types) have an index of their own, built only
 * when a lookup may return a function: CO-RE never relocates against one, so loading a program
 * without an fentry/fexit target or kfunc indexes a fifth of the names.
 *
 * <p>The raw sections are read where they lie (no copy), and for a {@link NativeBlob} the name
 * index lives in native memory too: {@link #release()} then gives all of it back, and what the
 * Java heap keeps is the type offsets and the types decoded so far.
 */
final class LazyTypes extends AbstractList<Type> implements RandomAccess {
    private static final Type VOID = new Type.Void();

    /** Where the raw types live when they may be released; null for a blob on the Java heap. */
    private final NativeBlob blob;
    private final int typeSectionBytes;
    private final int stringSectionBytes;
    private final int[] offsets;
    private final int sectionStart;
    private final ByteOrder order;
    private final Type[] decoded;
    /** Where the index of the types but functions is kept between processes; null for none. */
    private final KernelIndexCache cache;
    private final KernelIndexCache.Key cacheKey;
    /** What became of {@link #cache}: read, written, or why not written; null before either. */
    private volatile String cacheStatus;
    /** Guarded by this; null while the blob is released. */
    private BtfParser parser;
    /** Guarded by this; built on the first name lookup, dropped with the blob: types but functions. */
    private NameIndex names;
    /** As {@link #names}, for functions only. */
    private NameIndex funcNames;

    /**
     * Guarded by this; the type section as words and a copy of the string section, kept from the
     * scan for building the name indexes (3 to 4 MB and 2 to 3 MB for a kernel's types, on the
     * heap while programs load), dropped with the blob.
     */
    private int[] words;
    private byte[] stringCopy;

    /**
     * Types whose index is kept in {@code cache} under {@code key} (both null for none);
     * {@code cached} is the index already read from it, or null if it had none.
     */
    LazyTypes(BtfParser parser, int[] offsets, int sectionStart, ByteOrder order, NativeBlob blob, int[] words,
              KernelIndexCache cache, KernelIndexCache.Key key, KernelIndexCache.Entry cached) {
        this.cache = cache;
        this.cacheKey = key;
        if (cached != null) {
            this.names = new NameIndex(parser, cached);
            this.cacheStatus = "read from " + cache.directory().resolve(key.fileName());
        }
        this.parser = parser;
        this.words = words;
        this.blob = blob;
        this.typeSectionBytes = parser.typeSection().capacity();
        this.stringSectionBytes = parser.stringSection().capacity();
        this.offsets = offsets;
        this.sectionStart = sectionStart;
        this.order = order;
        this.decoded = new Type[offsets.length];
        this.decoded[0] = VOID;
    }

    /**
     * Gives the raw sections and the name index back (native memory only). Types decoded so far
     * stay; the next lookup or decode reads the blob again.
     */
    synchronized void release() {
        if (blob != null) {
            parser = null;
            words = null;
            stringCopy = null;
            if (names != null) {
                names.close();
                names = null;
            }
            if (funcNames != null) {
                funcNames.close();
                funcNames = null;
            }
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
            parser = BtfParser.reopen(blob.bytes(), typeSectionBytes, stringSectionBytes);
        }
        return parser;
    }

    ByteOrder order() {
        return order;
    }

    /** Length of the string section. */
    int stringsLength() {
        return stringSectionBytes;
    }

    /** A copy of the string section. */
    synchronized byte[] stringBytes() {
        byte[] copy = new byte[stringSectionBytes];
        parser().stringSection().get(0, copy);
        return copy;
    }

    /** The string at {@code rel} of the string section. */
    synchronized String string(int rel) {
        if (rel < 0 || rel >= stringSectionBytes) {
            throw new BtfException("string offset " + rel + " out of range");
        }
        return BtfParser.decode(parser().stringSection(), rel);
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
    int[] idsByName(String name) {
        return idsByName(name, true, true);
    }

    /** Ids (ascending) of the types called exactly {@code name}: functions, other types, or both. */
    synchronized int[] idsByName(String name, boolean others, boolean funcs) {
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        int essential = essentialLength(want, 0, want.length);
        return merge(others ? index(false).find(want, essential, true) : null,
                funcs ? index(true).find(want, essential, true) : null);
    }

    /** Ids (ascending) of the named types whose name without its flavor is {@code essential}. */
    int[] idsByEssentialName(String essential) {
        return idsByEssentialName(essential, true, true);
    }

    /** As {@link #idsByEssentialName(String)}, of functions, other types, or both. */
    synchronized int[] idsByEssentialName(String essential, boolean others, boolean funcs) {
        byte[] want = essential.getBytes(StandardCharsets.UTF_8);
        return merge(others ? index(false).find(want, want.length, false) : null,
                funcs ? index(true).find(want, want.length, false) : null);
    }

    /** The ascending union of two ascending, disjoint id lists (either may be null). */
    private static int[] merge(int[] a, int[] b) {
        if (a == null || b == null) return a != null ? a : b != null ? b : new int[0];
        if (b.length == 0) return a;
        if (a.length == 0) return b;
        int[] out = new int[a.length + b.length];
        int i = 0, j = 0, k = 0;
        while (i < a.length && j < b.length) out[k++] = a[i] < b[j] ? a[i++] : b[j++];
        while (i < a.length) out[k++] = a[i++];
        while (j < b.length) out[k++] = b[j++];
        return out;
    }

    /** The index of functions or of the other types. Hold the lock. */
    private NameIndex index(boolean funcs) {
        if (funcs ? funcNames == null : names == null) {
            BtfParser p = parser();
            KernelIndexCache.Entry cached = funcs || cache == null ? null : cache.read(cacheKey);
            if (cached != null) {
                names = new NameIndex(p, cached);
                return names;
            }
            if (words == null) words = BtfParser.words(p.typeSection());
            if (stringCopy == null) {
                stringCopy = new byte[stringSectionBytes];
                p.stringSection().get(0, stringCopy);
            }
            int cap = Integer.highestOneBit(Math.max(16, offsets.length)) << 1;
            int[] heads = new int[cap];
            int[] next = new int[offsets.length];
            fill(words, stringCopy, funcs, heads, next);
            NameIndex built = new NameIndex(p, heads, next, blob != null);
            if (funcs) {
                funcNames = built;
            } else {
                names = built;
                if (cache != null) save(heads, next);
            }
        }
        return funcs ? funcNames : names;
    }

    private void save(int[] heads, int[] next) {
        try {
            cache.write(cacheKey, offsets, heads, next);
            cacheStatus = "written to " + cache.directory().resolve(cacheKey.fileName());
        } catch (java.io.IOException | RuntimeException e) {
            cacheStatus = "not written to " + cache.directory() + ": " + e;
        }
    }

    /** Records why the index cache was not used at all. */
    void cacheRefused(String reason) {
        cacheStatus = reason;
    }

    /** What became of the index cache: read, written, or why not; null before either. */
    String cacheStatus() {
        return cacheStatus;
    }

    /**
     * Fills the chained hash table over the essential names of functions or of the other types
     * (see {@link NameIndex}): ids from last to first, each pushed in front, so that every chain
     * ends up ascending. Over heap copies of the sections: see {@link BtfParser#words}.
     */
    private void fill(int[] w, byte[] str, boolean funcs, int[] h, int[] nx) {
        int mask = h.length - 1;
        for (int id = offsets.length - 1; id >= 1; id--) {
            int at = offsets[id] >> 2;
            int off = w[at];
            if (off == 0 || (((w[at + 1] >>> 24) & 0x1f) == Type.KIND_FUNC) != funcs) continue;
            int e = off;
            while (str[e] != 0) e++;
            int b = hash(str, off, essentialLength(str, off, e)) & mask;
            nx[id] = h[b];
            h[b] = id; // 0 (void, never named) ends a chain
        }
    }

    /** The length of the bytes {@code [from, to)} without the CO-RE flavor, as {@link Btf#essentialName}. */
    private static int essentialLength(ByteBuffer s, int from, int to) {
        for (int i = to - 5; i >= from; i--) {
            if (s.get(i) != '_' && s.get(i + 1) == '_' && s.get(i + 2) == '_' && s.get(i + 3) == '_'
                    && s.get(i + 4) != '_') {
                return i + 1 - from;
            }
        }
        return to - from;
    }

    /**
     * {@link #essentialLength(ByteBuffer, int, int)} on an array: the index is built over a copy of
     * the string section, since that pass over ~130k names runs mostly interpreted (see
     * {@link BtfParser#words}); lookups compare against the section where it lies.
     */
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

    private static int end(ByteBuffer strings, int off) {
        int e = off;
        while (strings.get(e) != 0) e++;
        return e;
    }

    /**
     * Chained hash table over the essential names: {@code heads[hash & mask]} is the first type
     * id of a bucket, {@code next[id]} the following one. Chains run in ascending id order. Both
     * tables are native for a native blob (released with it), heap arrays otherwise.
     */
    private final class NameIndex {
        private final Arena arena;
        private final MemorySegment heads;
        private final MemorySegment next;
        private final int mask;
        private final ByteBuffer strings;
        private final ByteBuffer types;

        /** Over tables filled by {@link #fill}: copied to native memory for a native blob. */
        NameIndex(BtfParser p, int[] h, int[] nx, boolean nativeTables) {
            strings = p.stringSection();
            types = p.typeSection();
            mask = h.length - 1;
            if (nativeTables) {
                arena = Arena.ofShared();
                heads = arena.allocate(JAVA_INT, h.length);
                next = arena.allocate(JAVA_INT, nx.length);
                MemorySegment.copy(h, 0, heads, JAVA_INT, 0, h.length);
                MemorySegment.copy(nx, 0, next, JAVA_INT, 0, nx.length);
            } else {
                arena = null;
                heads = MemorySegment.ofArray(h);
                next = MemorySegment.ofArray(nx);
            }
        }

        /** Over the tables of a {@link KernelIndexCache} file, owned by (closed with) its arena. */
        NameIndex(BtfParser p, KernelIndexCache.Entry cached) {
            this.strings = p.stringSection();
            this.types = p.typeSection();
            this.heads = cached.heads();
            this.next = cached.next();
            this.mask = cached.mask();
            this.arena = cached.arena();
        }

        int[] find(byte[] wantBytes, int essentialLen, boolean exact) {
            ByteBuffer want = ByteBuffer.wrap(wantBytes);
            int[] out = null;
            int count = 0;
            int len = exact ? want.capacity() : essentialLen;
            for (int id = heads.getAtIndex(JAVA_INT, hash(wantBytes, 0, essentialLen) & mask); id != 0;
                 id = next.getAtIndex(JAVA_INT, id)) {
                int off = types.getInt(offsets[id]);
                int e = end(strings, off);
                if (essentialLength(strings, off, e) != essentialLen) continue;
                if (exact && e - off != want.capacity()) continue;
                if (strings.slice(off, len).mismatch(want.slice(0, len)) >= 0) continue;
                if (out == null) out = new int[4];
                else if (count == out.length) out = Arrays.copyOf(out, count * 2);
                out[count++] = id;
            }
            return out == null ? new int[0] : Arrays.copyOf(out, count);
        }

        void close() {
            if (arena != null) arena.close();
        }
    }
}
