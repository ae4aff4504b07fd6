package io.ebpfagent.loader.maps;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.BpfCommand;
import io.ebpfagent.loader.sys.BpfInfo;
import io.ebpfagent.loader.sys.Cpus;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.FdInfo;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.Mmap;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import io.ebpfagent.loader.sys.ThreadScratch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A BPF map in the kernel, owned through its file descriptor. Named {@code BpfMap} so it does
 * not clash with {@link java.util.Map}.
 *
 * <h2>Three flavours of element access</h2>
 * <ul>
 *   <li>{@link MemorySegment} key and value (native segments of at least {@link #keySize()} and
 *   {@link #valueBufferSize()} bytes): allocation free, for hot paths. A missing key is a
 *   {@code false} return, never an exception.</li>
 *   <li>{@code byte[]}: convenient; a missing key throws {@link NoSuchKeyException}.</li>
 *   <li>{@code int}/{@code long} keys (maps with 4- or 8-byte keys): allocation free, using a
 *   per-thread scratch buffer for the key.</li>
 * </ul>
 * Updates throw {@link KeyExistsException} ({@link #NOEXIST} on a present key),
 * {@link NoSuchKeyException} ({@link #EXIST} on an absent key), {@link MapFullException}
 * ({@code E2BIG}) and {@link MapFrozenException} (a write after {@link #freeze()}).
 *
 * <h2>Per-CPU maps</h2>
 * The kernel reads and writes one value per possible CPU, each padded to 8 bytes, so value
 * buffers must hold {@link #valueBufferSize()} bytes; {@link #lookupPerCpu(byte[])} splits them.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} closes this descriptor; the kernel frees the map once no descriptor, pin,
 * program or outer map refers to it. Memory from {@link #memory(Arena)} holds its own reference:
 * it stays valid after {@code close()} until its arena closes.
 *
 * <p>Instances are thread safe: every operation is one system call on an immutable descriptor.
 */
public final class BpfMap implements AutoCloseable {
    /** Update flag {@code BPF_ANY}: create or replace. */
    public static final long ANY = Bpf.ANY;
    /** Update flag {@code BPF_NOEXIST}: create only. */
    public static final long NOEXIST = Bpf.NOEXIST;
    /** Update flag {@code BPF_EXIST}: replace only. */
    public static final long EXIST = Bpf.EXIST;
    /** Lookup/update flag {@code BPF_F_LOCK}: copy under the value's {@code bpf_spin_lock}. */
    public static final long F_LOCK = Bpf.F_LOCK;

    private static final int BATCH_CHUNK = 256;

    /** Per-thread 8-byte key buffer for the int/long key flavours. */
    private static final ThreadScratch KEY_SCRATCH = new ThreadScratch(8);
    /** Per-thread 8-byte value buffer for {@link #lookupLong} and {@link #updateLong}. */
    private static final ThreadScratch VALUE_SCRATCH = new ThreadScratch(8);

    private final FileDescriptor fd;
    private final String name;
    private final MapType type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int flags;
    /** Frozen through this instance: a writable mapping would fail (maps frozen elsewhere are found by trying). */
    private volatile boolean frozenHere;
    private final int valueBufferSize;
    private volatile Path pinnedPath;

    private BpfMap(FileDescriptor fd, String name, MapType type, int keySize, int valueSize, int maxEntries,
                   int flags) {
        this.fd = fd;
        this.name = name;
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.flags = flags;
        this.valueBufferSize = type.isPerCpu() ? roundUp8(valueSize) * Cpus.possible() : valueSize;
    }

    // ================================================================== creation

    /** Creates the map described by {@code spec} with {@link MapCreateOptions#DEFAULT}. */
    public static BpfMap create(MapSpec spec) {
        return create(spec, MapCreateOptions.DEFAULT);
    }

    /**
     * Creates the map described by {@code spec}, writes its byte-valued {@link MapSpec#contents()}
     * and freezes it when {@link MapSpec#freeze()} is set.
     *
     * <p>Entries holding a {@code valueReference} (program arrays, map-in-map) are left for the
     * caller to resolve with {@link #put(byte[], FileDescriptor)}; a spec with such entries is not
     * frozen here either, since freezing would forbid writing them.
     *
     * <p>Map-in-map specs need an inner map template: {@code options.innerMap()} if given, else a
     * temporary map created from {@code spec.innerMap()} and closed once the outer map exists.
     *
     * @throws SyscallException with the spec in its message when the kernel refuses the map
     */
    public static BpfMap create(MapSpec spec, MapCreateOptions options) {
        validate(spec);
        BpfMap template = null;
        int innerFd = 0;
        if (spec.type().isMapOfMaps()) {
            if (options.innerMap() != null) {
                innerFd = options.innerMap().fd.get();
            } else {
                if (spec.innerMap() == null) {
                    throw new IllegalArgumentException("map '" + spec.name() + "' (" + spec.type()
                            + ") needs an inner map spec or MapCreateOptions.innerMap");
                }
                template = create(spec.innerMap().withContents(List.of()).withFreeze(false)
                        .withName(innerTemplateName(spec)));
                innerFd = template.fd.get();
            }
        }
        FileDescriptor fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.MapCreate.LAYOUT);
            int mapFlags = spec.flags();
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_TYPE, spec.type().value());
            attr.set(JAVA_INT, BpfAttr.MapCreate.KEY_SIZE, spec.keySize());
            attr.set(JAVA_INT, BpfAttr.MapCreate.VALUE_SIZE, spec.valueSize());
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAX_ENTRIES, spec.maxEntries());
            attr.set(JAVA_INT, BpfAttr.MapCreate.INNER_MAP_FD, innerFd);
            if (options.numaNode() >= 0) {
                mapFlags |= MapFlags.NUMA_NODE;
                attr.set(JAVA_INT, BpfAttr.MapCreate.NUMA_NODE, options.numaNode());
            }
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_FLAGS, mapFlags);
            String kernelName = kernelName(spec.name());
            if (!kernelName.isEmpty()) {
                Bpf.writeName(attr, BpfAttr.MapCreate.MAP_NAME, kernelName);
            }
            if (options.btf() != null) {
                attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_FD, options.btf().get());
                attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_KEY_TYPE_ID, spec.btfKeyTypeId());
                attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_VALUE_TYPE_ID, spec.btfValueTypeId());
                attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_VMLINUX_VALUE_TYPE_ID, options.btfVmlinuxValueTypeId());
            }
            attr.set(JAVA_LONG, BpfAttr.MapCreate.MAP_EXTRA, spec.mapExtra());
            long r = Bpf.bpf(BpfCommand.MAP_CREATE, attr);
            if (r < 0) {
                throw createError(spec, (int) -r);
            }
            fd = new FileDescriptor((int) r);
        } finally {
            if (template != null) {
                template.close();
            }
        }
        BpfMap map = new BpfMap(fd, spec.name(), spec.type(), spec.keySize(), spec.valueSize(), spec.maxEntries(),
                spec.flags());
        try {
            boolean references = false;
            for (MapSpec.Entry e : spec.contents()) {
                if (e.value() == null) {
                    references = true;
                } else {
                    map.update(e.key(), e.value(), ANY);
                }
            }
            if (spec.freeze() && !references) {
                map.freeze();
            }
        } catch (RuntimeException e) {
            map.close();
            throw e;
        }
        return map;
    }

    private static String innerTemplateName(MapSpec spec) {
        return spec.innerMap().name().isEmpty() ? spec.name() + ".inner" : spec.innerMap().name();
    }

    /** The name to send: sanitised, dots removed on kernels refusing them, empty without name support. */
    private static String kernelName(String name) {
        if (name.isEmpty() || !Features.supported(Features::haveObjectNames)) {
            return "";
        }
        String s = Bpf.sanitizeName(name);
        if (s.indexOf('.') >= 0 && !Features.supported(Features::haveObjectNamesWithDots)) {
            s = Bpf.sanitizeName(s.replace(".", ""));
        }
        return s;
    }

    private static void validate(MapSpec spec) {
        if (spec.type() == MapType.RINGBUF || spec.type() == MapType.USER_RINGBUF) {
            long page = Mmap.pageSize();
            int n = spec.maxEntries();
            if (n <= 0 || n % page != 0 || Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException("map '" + spec.name() + "' (" + spec.type() + "): max entries "
                        + n + " must be a power-of-2 multiple of the page size (" + page + ")");
            }
        }
        if (spec.keySize() < 0 || spec.valueSize() < 0 || spec.maxEntries() < 0) {
            throw new IllegalArgumentException("map '" + spec.name() + "': negative key size, value size or max entries");
        }
    }

    private static SyscallException createError(MapSpec spec, int errno) {
        String what = "BPF_MAP_CREATE of map '" + spec.name() + "' (" + spec.type() + ", key " + spec.keySize()
                + " B, value " + spec.valueSize() + " B, max entries " + spec.maxEntries() + ", flags 0x"
                + Integer.toHexString(spec.flags()) + (spec.mapExtra() != 0 ? ", map_extra " + spec.mapExtra() : "")
                + ")";
        Errno e = Errno.of(errno);
        if (e == Errno.EINVAL) {
            return new SyscallException(what, errno, what + ": invalid argument (EINVAL): the kernel refused"
                    + " these attributes for this map type (check key/value sizes, max entries and flags;"
                    + " is the type supported? see Features.haveMapType)");
        }
        if (e == Errno.ENOMEM || e == Errno.E2BIG) {
            return new SyscallException(what, errno, what + ": " + e.description() + " (" + e
                    + "): the map is too large for the memory limits (memory cgroup or RLIMIT_MEMLOCK)");
        }
        return SyscallException.of(what, errno);
    }

    // ================================================================== opening existing maps

    /** Opens the map pinned at {@code path} (read-write). */
    public static BpfMap loadPinned(Path path) {
        return loadPinned(path, 0);
    }

    /** Opens the map pinned at {@code path} with {@link Bpf#F_RDONLY} or {@link Bpf#F_WRONLY} access. */
    public static BpfMap loadPinned(Path path, int fileFlags) {
        FileDescriptor fd = Bpf.objGet(path.toString(), fileFlags);
        BpfMap map = fromDescriptor(fd);
        map.pinnedPath = path;
        return map;
    }

    /** Opens the map with kernel id {@code id}. */
    public static BpfMap fromId(int id) {
        return fromDescriptor(Bpf.getFdById(BpfCommand.MAP_GET_FD_BY_ID, id, 0));
    }

    /** Wraps an owned descriptor of a map, reading its attributes from the kernel. */
    public static BpfMap fromDescriptor(FileDescriptor fd) {
        try {
            MapInfo info = infoOf(fd);
            return new BpfMap(fd, info.name(), info.type(), info.keySize(), info.valueSize(), info.maxEntries(),
                    info.flags());
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    // ================================================================== attributes

    /** The map's descriptor (still owned by this map). */
    public FileDescriptor fd() {
        return fd;
    }

    /** The name from the spec (or the kernel's name for opened maps). */
    public String name() {
        return name;
    }

    public MapType type() {
        return type;
    }

    public int keySize() {
        return keySize;
    }

    /** The value size of one element (of one CPU's value for per-CPU maps). */
    public int valueSize() {
        return valueSize;
    }

    /**
     * Bytes a value buffer must hold: {@link #valueSize()}, or for per-CPU maps the value size
     * rounded up to 8 times the number of possible CPUs.
     */
    public int valueBufferSize() {
        return valueBufferSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public int flags() {
        return flags;
    }

    /** What the kernel reports about this map now. */
    public MapInfo info() {
        return infoOf(fd);
    }

    private static MapInfo infoOf(FileDescriptor fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(BpfInfo.Map.LAYOUT);
            Bpf.objGetInfoByFd(fd.get(), info);
            boolean frozen = "1".equals(FdInfo.read(fd.get()).get("frozen"));
            return new MapInfo(MapType.of(info.get(JAVA_INT, BpfInfo.Map.TYPE)), info.get(JAVA_INT, BpfInfo.Map.ID),
                    info.get(JAVA_INT, BpfInfo.Map.KEY_SIZE), info.get(JAVA_INT, BpfInfo.Map.VALUE_SIZE),
                    info.get(JAVA_INT, BpfInfo.Map.MAX_ENTRIES), info.get(JAVA_INT, BpfInfo.Map.MAP_FLAGS),
                    Bpf.readName(info, BpfInfo.Map.NAME), info.get(JAVA_INT, BpfInfo.Map.BTF_ID),
                    info.get(JAVA_INT, BpfInfo.Map.BTF_KEY_TYPE_ID), info.get(JAVA_INT, BpfInfo.Map.BTF_VALUE_TYPE_ID),
                    info.get(JAVA_INT, BpfInfo.Map.BTF_VMLINUX_VALUE_TYPE_ID), info.get(JAVA_LONG, BpfInfo.Map.MAP_EXTRA),
                    frozen);
        }
    }

    // ================================================================== MemorySegment flavour

    /**
     * Copies the value of {@code key} into {@code value}. Allocation free.
     *
     * @return false if the key is absent
     */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        return lookup(key, value, 0);
    }

    /** {@link #lookup(MemorySegment, MemorySegment)} with flags ({@link #F_LOCK}). */
    public boolean lookup(MemorySegment key, MemorySegment value, long flags) {
        checkKey(key);
        checkValue(value);
        int r = Bpf.mapLookupElem(fd.get(), key, value, flags);
        if (r == 0) {
            return true;
        }
        if (r == -Errno.ENOENT.value()) {
            return false;
        }
        throw elemError(BpfCommand.MAP_LOOKUP_ELEM, -r, flags);
    }

    /**
     * Writes {@code value} at {@code key}. Allocation free on success.
     *
     * @param flags {@link #ANY}, {@link #NOEXIST}, {@link #EXIST}, optionally | {@link #F_LOCK}
     */
    public void update(MemorySegment key, MemorySegment value, long flags) {
        checkKey(key);
        checkValue(value);
        int r = Bpf.mapUpdateElem(fd.get(), key, value, flags);
        if (r != 0) {
            throw elemError(BpfCommand.MAP_UPDATE_ELEM, -r, flags);
        }
    }

    /**
     * Removes {@code key}. Allocation free.
     *
     * @return false if the key was absent
     */
    public boolean delete(MemorySegment key) {
        checkKey(key);
        int r = Bpf.mapDeleteElem(fd.get(), key, 0);
        if (r == 0) {
            return true;
        }
        if (r == -Errno.ENOENT.value()) {
            return false;
        }
        throw elemError(BpfCommand.MAP_DELETE_ELEM, -r, 0);
    }

    /**
     * Copies the value of {@code key} into {@code value} and removes the key; for queues and
     * stacks pass a null key to pop. Allocation free.
     *
     * @return false if the key was absent (or the queue empty)
     */
    public boolean lookupAndDelete(MemorySegment key, MemorySegment value) {
        if (key != null) {
            checkKey(key);
        }
        checkValue(value);
        int r = Bpf.mapLookupAndDeleteElem(fd.get(), key, value, 0);
        if (r == 0) {
            return true;
        }
        if (r == -Errno.ENOENT.value()) {
            return false;
        }
        throw elemError(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, -r, 0);
    }

    /**
     * Writes the key following {@code key} into {@code nextKey}; a null {@code key} asks for the
     * first key. Allocation free.
     *
     * @return false when {@code key} was the last one (or the map is empty)
     */
    public boolean nextKey(MemorySegment key, MemorySegment nextKey) {
        if (key != null) {
            checkKey(key);
        }
        checkKey(nextKey);
        int r = Bpf.mapGetNextKey(fd.get(), key, nextKey);
        if (r == 0) {
            return true;
        }
        if (r == -Errno.ENOENT.value()) {
            return false;
        }
        throw elemError(BpfCommand.MAP_GET_NEXT_KEY, -r, 0);
    }

    // ================================================================== int / long key flavour

    /** {@link #lookup(MemorySegment, MemorySegment)} for a map with 4-byte keys. */
    public boolean lookup(int key, MemorySegment value) {
        return lookup(intKey(key), value);
    }

    /** {@link #lookup(MemorySegment, MemorySegment)} for a map with 8-byte keys. */
    public boolean lookup(long key, MemorySegment value) {
        return lookup(longKey(key), value);
    }

    /** {@link #update(MemorySegment, MemorySegment, long)} for a map with 4-byte keys. */
    public void update(int key, MemorySegment value, long flags) {
        update(intKey(key), value, flags);
    }

    /** {@link #update(MemorySegment, MemorySegment, long)} for a map with 8-byte keys. */
    public void update(long key, MemorySegment value, long flags) {
        update(longKey(key), value, flags);
    }

    /** {@link #delete(MemorySegment)} for a map with 4-byte keys. */
    public boolean delete(int key) {
        return delete(intKey(key));
    }

    /** {@link #delete(MemorySegment)} for a map with 8-byte keys. */
    public boolean delete(long key) {
        return delete(longKey(key));
    }

    /**
     * The 8-byte value at a 4-byte key (counters in arrays). Allocation free when present.
     *
     * @throws NoSuchKeyException if absent
     */
    public long lookupLong(int key) {
        requireValueSize(8);
        MemorySegment v = VALUE_SCRATCH.get();
        if (!lookup(intKey(key), v)) {
            throw new NoSuchKeyException("BPF_MAP_LOOKUP_ELEM", name);
        }
        return v.get(JAVA_LONG, 0);
    }

    /** Writes an 8-byte value at a 4-byte key with {@link #ANY}. Allocation free. */
    public void updateLong(int key, long value) {
        requireValueSize(8);
        MemorySegment v = VALUE_SCRATCH.get();
        v.set(JAVA_LONG, 0, value);
        update(intKey(key), v, ANY);
    }

    private MemorySegment intKey(int key) {
        if (keySize != 4) {
            throw new IllegalArgumentException("map '" + name + "' has " + keySize + "-byte keys, not int");
        }
        MemorySegment k = KEY_SCRATCH.get();
        k.set(JAVA_INT, 0, key);
        return k; // the kernel reads keySize (4) bytes; no slice, so no allocation
    }

    private MemorySegment longKey(long key) {
        if (keySize != 8) {
            throw new IllegalArgumentException("map '" + name + "' has " + keySize + "-byte keys, not long");
        }
        MemorySegment k = KEY_SCRATCH.get();
        k.set(JAVA_LONG, 0, key);
        return k;
    }

    private void requireValueSize(int size) {
        if (valueBufferSize != size) {
            throw new IllegalArgumentException("map '" + name + "' has " + valueBufferSize + "-byte values, not "
                    + size);
        }
    }

    // ================================================================== byte[] flavour

    /**
     * The value of {@code key} ({@link #valueBufferSize()} bytes).
     *
     * @throws NoSuchKeyException if absent
     */
    public byte[] lookup(byte[] key) {
        return find(key).orElseThrow(() -> new NoSuchKeyException("BPF_MAP_LOOKUP_ELEM", name));
    }

    /** The value of {@code key}, empty if absent. */
    public Optional<byte[]> find(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(1, valueBufferSize), 8);
            if (!lookup(keyOf(arena, key), value)) {
                return Optional.empty();
            }
            return Optional.of(bytes(value, valueBufferSize));
        }
    }

    /** Writes {@code value} at {@code key} ({@link #ANY}, {@link #NOEXIST}, {@link #EXIST}, | {@link #F_LOCK}). */
    public void update(byte[] key, byte[] value, long flags) {
        if (value.length != valueBufferSize) {
            throw new IllegalArgumentException("map '" + name + "': value of " + value.length + " bytes, expected "
                    + valueBufferSize + (type.isPerCpu() ? " (per-CPU: use updatePerCpu)" : ""));
        }
        try (Arena arena = Arena.ofConfined()) {
            update(keyOf(arena, key), segmentOf(arena, value), flags);
        }
    }

    /** {@link #update(byte[], byte[], long)} with {@link #ANY}. */
    public void put(byte[] key, byte[] value) {
        update(key, value, ANY);
    }

    /**
     * Stores a file descriptor as the value: a program in a program array, a map in a
     * map-in-map, a perf event in a perf event array. The kernel keeps its own reference.
     */
    public void put(byte[] key, FileDescriptor value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value.get());
            update(keyOf(arena, key), v, ANY);
        }
    }

    /** {@link #put(byte[], FileDescriptor)} at a 4-byte key (index). */
    public void put(int key, FileDescriptor value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value.get());
            update(intKey(key), v, ANY);
        }
    }

    /**
     * Removes {@code key}.
     *
     * @throws NoSuchKeyException if absent
     */
    public void delete(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            if (!delete(keyOf(arena, key))) {
                throw new NoSuchKeyException("BPF_MAP_DELETE_ELEM", name);
            }
        }
    }

    /**
     * Returns and removes the value of {@code key}.
     *
     * @throws NoSuchKeyException if absent
     */
    public byte[] lookupAndDelete(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(1, valueBufferSize), 8);
            if (!lookupAndDelete(keyOf(arena, key), value)) {
                throw new NoSuchKeyException("BPF_MAP_LOOKUP_AND_DELETE_ELEM", name);
            }
            return bytes(value, valueBufferSize);
        }
    }

    /** The key after {@code key} (the first key for null), empty at the end. */
    public Optional<byte[]> nextKey(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment next = arena.allocate(Math.max(1, keySize), 8);
            if (!nextKey(key == null ? null : keyOf(arena, key), next)) {
                return Optional.empty();
            }
            return Optional.of(bytes(next, keySize));
        }
    }

    // ================================================================== queues, stacks, bloom filters

    /** Pushes onto a queue or stack, or adds to a bloom filter ({@link #ANY}; {@link #EXIST} overwrites the oldest when full). */
    public void push(byte[] value, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            int r = Bpf.mapUpdateElem(fd.get(), null, segmentOf(arena, value), flags);
            if (r != 0) {
                throw elemError(BpfCommand.MAP_UPDATE_ELEM, -r, flags);
            }
        }
    }

    /** Removes and returns the head of a queue (oldest) or stack (newest); empty when empty. */
    public Optional<byte[]> pop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(1, valueSize), 8);
            return lookupAndDelete(null, value) ? Optional.of(bytes(value, valueSize)) : Optional.empty();
        }
    }

    /** Returns the head of a queue or stack without removing it; empty when empty. */
    public Optional<byte[]> peek() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(1, valueSize), 8);
            int r = Bpf.mapLookupElem(fd.get(), null, value, 0);
            if (r == -Errno.ENOENT.value()) {
                return Optional.empty();
            }
            if (r != 0) {
                throw elemError(BpfCommand.MAP_LOOKUP_ELEM, -r, 0);
            }
            return Optional.of(bytes(value, valueSize));
        }
    }

    /** Bloom filter membership: false means certainly absent, true means probably present. */
    public boolean mayContain(byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            int r = Bpf.mapLookupElem(fd.get(), null, segmentOf(arena, value), 0);
            if (r == 0) {
                return true;
            }
            if (r == -Errno.ENOENT.value()) {
                return false;
            }
            throw elemError(BpfCommand.MAP_LOOKUP_ELEM, -r, 0);
        }
    }

    // ================================================================== per-CPU

    /** The value of {@code key} on every possible CPU, index = CPU number, each {@link #valueSize()} bytes. */
    public List<byte[]> lookupPerCpu(byte[] key) {
        requirePerCpu();
        byte[] all = lookup(key);
        int stride = roundUp8(valueSize);
        List<byte[]> out = new ArrayList<>(all.length / stride);
        for (int off = 0; off < all.length; off += stride) {
            byte[] one = new byte[valueSize];
            System.arraycopy(all, off, one, 0, valueSize);
            out.add(one);
        }
        return out;
    }

    /** Writes one value per possible CPU ({@code values.size()} must be {@link Cpus#possible()}). */
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        requirePerCpu();
        int stride = roundUp8(valueSize);
        if (values.size() * stride != valueBufferSize) {
            throw new IllegalArgumentException("map '" + name + "': " + values.size() + " per-CPU values, expected "
                    + valueBufferSize / stride + " (possible CPUs)");
        }
        byte[] all = new byte[valueBufferSize];
        for (int i = 0; i < values.size(); i++) {
            byte[] v = values.get(i);
            if (v.length != valueSize) {
                throw new IllegalArgumentException("per-CPU value " + i + " has " + v.length + " bytes, expected "
                        + valueSize);
            }
            System.arraycopy(v, 0, all, i * stride, valueSize);
        }
        update(key, all, flags);
    }

    private void requirePerCpu() {
        if (!type.isPerCpu()) {
            throw new IllegalStateException("map '" + name + "' (" + type + ") is not a per-CPU map");
        }
    }

    // ================================================================== iteration

    /**
     * The keys, in the kernel's order. When a key is deleted while iterating, the kernel restarts
     * hash maps from their first key; iteration stops with an exception if it sees more than
     * {@code maxEntries} keys, which only a map changing faster than we read can cause.
     */
    public Iterable<byte[]> keys() {
        return () -> new KeyIterator();
    }

    /**
     * The entries. Keys deleted between reading the key and its value are skipped (like
     * {@link #keys()}, this is not a snapshot).
     */
    public Iterable<MapEntry> entries() {
        return () -> new Iterator<>() {
            private final KeyIterator keys = new KeyIterator();
            private MapEntry next;

            @Override
            public boolean hasNext() {
                while (next == null && keys.hasNext()) {
                    byte[] k = keys.next();
                    Optional<byte[]> v = find(k);
                    if (v.isPresent()) {
                        next = new MapEntry(k, v.get());
                    }
                }
                return next != null;
            }

            @Override
            public MapEntry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                MapEntry e = next;
                next = null;
                return e;
            }
        };
    }

    private final class KeyIterator implements Iterator<byte[]> {
        private byte[] current;
        private byte[] next;
        private boolean done;
        private int count;

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                Optional<byte[]> k = nextKey(current);
                if (k.isEmpty()) {
                    done = true;
                } else {
                    if (++count > maxEntries + 1) {
                        throw new LoaderException("iteration over map '" + name + "' aborted after " + maxEntries
                                + " keys: the map changes faster than it is read");
                    }
                    next = k.get();
                }
            }
            return next != null;
        }

        @Override
        public byte[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            current = next;
            next = null;
            return current;
        }
    }

    // ================================================================== batch

    /**
     * Every entry, read with {@code BPF_MAP_LOOKUP_BATCH} (falling back to key-by-key iteration on
     * kernels or map types without batch support).
     */
    public List<MapEntry> lookupAll() {
        return batchRead(BpfCommand.MAP_LOOKUP_BATCH);
    }

    /**
     * Reads and removes every entry with {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}, falling back to
     * per-key lookup-and-delete.
     */
    public List<MapEntry> lookupAndDeleteAll() {
        return batchRead(BpfCommand.MAP_LOOKUP_AND_DELETE_BATCH);
    }

    /**
     * A cursor for walks with {@link #lookupBatch} and {@link #lookupAndDeleteBatch}, its token
     * allocated in {@code arena}.
     */
    public MapBatchCursor batchCursor(Arena arena) {
        return new MapBatchCursor(this, arena.allocate(Math.max(8, keySize), 8));
    }

    /**
     * Copies the next entries of the walk {@code cursor} stands at into {@code keys} and
     * {@code values} with one {@code BPF_MAP_LOOKUP_BATCH}: keys back to back at
     * {@link #keySize()} bytes each, values at {@link #valueBufferSize()}, as many as both buffers
     * hold. Returns how many were copied; 0 once the cursor is {@link MapBatchCursor#done() done}
     * (the call that reaches the end may still return entries and marks it done). Allocation free:
     * one system call for a buffer of entries instead of two per entry with {@link #nextKey}.
     *
     * <p>A hash map is read bucket by bucket: an entry added or removed during the walk is seen
     * or not, but no entry is returned twice, unlike a get-next-key walk whose current key is
     * deleted. A bucket is never split between calls, so a bucket with more entries than the
     * buffers hold fails with {@code ENOSPC}; buffers for a few dozen entries avoid that in practice.
     *
     * @throws NotSupportedException the kernel has no batch lookup for this
     *         map type (before Linux 5.6, or types like LPM tries and queues): walk with
     *         {@link #nextKey} instead
     * @throws SyscallException with errno {@code ENOSPC} when one hash bucket holds more entries
     *         than the buffers (nothing is copied and the cursor does not move: retry with larger
     *         buffers)
     * @throws IllegalArgumentException when the buffers do not hold one entry, or the cursor is
     *         another map's
     */
    public int lookupBatch(MapBatchCursor cursor, MemorySegment keys, MemorySegment values) {
        return batchStep(BpfCommand.MAP_LOOKUP_BATCH, cursor, keys, values);
    }

    /**
     * {@link #lookupBatch} that also removes what it returns ({@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}):
     * drains a map in one system call per buffer. Same contract and exceptions.
     */
    public int lookupAndDeleteBatch(MapBatchCursor cursor, MemorySegment keys, MemorySegment values) {
        return batchStep(BpfCommand.MAP_LOOKUP_AND_DELETE_BATCH, cursor, keys, values);
    }

    private int batchStep(BpfCommand cmd, MapBatchCursor cursor, MemorySegment keys, MemorySegment values) {
        if (cursor.map() != this) {
            throw new IllegalArgumentException("cursor of map '" + cursor.map().name + "' used on map '" + name + "'");
        }
        if (cursor.done) {
            return 0;
        }
        long capacity = Math.min(keys.byteSize() / Math.max(1, keySize), values.byteSize() / Math.max(1, valueBufferSize));
        if (capacity < 1) {
            throw new IllegalArgumentException("batch buffers of " + keys.byteSize() + " and " + values.byteSize()
                    + " B hold no entry of map '" + name + "' (" + keySize + " B keys, " + valueBufferSize
                    + " B values)");
        }
        int count = (int) Math.min(capacity, Integer.MAX_VALUE);
        long r = Bpf.mapBatchPacked(cmd, fd.get(), cursor.started ? cursor.token : null, cursor.token, keys, values,
                count, 0);
        int errno = Bpf.batchErrno(r);
        int n = Bpf.batchCount(r);
        if (errno == 0) {
            cursor.started = true;
            return n;
        }
        if (errno == Errno.ENOENT.value()) {
            cursor.started = true;
            cursor.done = true;
            return n;
        }
        String op = cmd.displayName() + " on map '" + name + "' (" + type + ")";
        Errno e = Errno.of(errno);
        if (unsupported(e)) { // refused before any element: the count is not written back
            throw new NotSupportedException(op, errno,
                    op + ": not supported by this kernel for this map type (" + e + ")");
        }
        if (e == Errno.ENOSPC && n == 0) {
            throw new SyscallException(op, errno, op + ": a hash bucket holds more entries than buffers for "
                    + count + " entries; pass larger buffers");
        }
        throw SyscallException.of(op, errno);
    }

    /**
     * Removes the first {@code count} keys of {@code keys} (back to back, {@link #keySize()}
     * bytes each) with {@code BPF_MAP_DELETE_BATCH}, skipping keys that are already gone. Returns
     * how many were removed. Allocation free; falls back to one delete per key where the kernel has
     * no batch delete for this map type.
     */
    public int deleteBatch(MemorySegment keys, int count) {
        if ((long) count * keySize > keys.byteSize()) {
            throw new IllegalArgumentException(count + " keys of " + keySize + " B do not fit in " + keys.byteSize()
                    + " B (map '" + name + "')");
        }
        int removed = 0;
        int from = 0;
        while (from < count) {
            MemorySegment rest = from == 0 ? keys : keys.asSlice((long) from * keySize, (long) (count - from) * keySize);
            long r = Bpf.mapBatchPacked(BpfCommand.MAP_DELETE_BATCH, fd.get(), null, null, rest, null, count - from, 0);
            int errno = Bpf.batchErrno(r);
            int n = Bpf.batchCount(r);
            removed += n;
            if (errno == 0) {
                return removed;
            }
            if (errno == Errno.ENOENT.value()) {
                from += n + 1; // the key at n is gone already: go on after it
                continue;
            }
            if (unsupported(Errno.of(errno))) { // refused before any element
                for (int i = from; i < count; i++) {
                    if (delete(keys.asSlice((long) i * keySize, keySize))) {
                        removed++;
                    }
                }
                return removed;
            }
            throw elemError(BpfCommand.MAP_DELETE_BATCH, errno, 0);
        }
        return removed;
    }

    private List<MapEntry> batchRead(BpfCommand cmd) {
        List<MapEntry> out = new ArrayList<>();
        int chunk = Math.max(1, Math.min(BATCH_CHUNK, maxEntries));
        try (Arena arena = Arena.ofConfined()) {
            MapBatchCursor cursor = batchCursor(arena);
            MemorySegment keys = arena.allocate((long) Math.max(1, keySize) * chunk, 8);
            MemorySegment values = arena.allocate((long) Math.max(1, valueBufferSize) * chunk, 8);
            while (!cursor.done()) {
                int n;
                try {
                    n = batchStep(cmd, cursor, keys, values);
                } catch (NotSupportedException e) {
                    if (cursor.started) {
                        throw e;
                    }
                    return cmd == BpfCommand.MAP_LOOKUP_BATCH ? iterateAll() : iterateAndDeleteAll();
                } catch (SyscallException e) {
                    if (e.errno() != Errno.ENOSPC.value() || chunk >= Integer.MAX_VALUE / 2) {
                        throw e;
                    }
                    chunk *= 2; // a hash bucket holds more entries than the buffers: retry bigger
                    keys = arena.allocate((long) Math.max(1, keySize) * chunk, 8);
                    values = arena.allocate((long) Math.max(1, valueBufferSize) * chunk, 8);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    out.add(new MapEntry(bytes(keys.asSlice((long) i * keySize, keySize), keySize),
                            bytes(values.asSlice((long) i * valueBufferSize, valueBufferSize), valueBufferSize)));
                }
            }
            return out;
        }
    }

    private List<MapEntry> iterateAll() {
        List<MapEntry> out = new ArrayList<>();
        entries().forEach(out::add);
        return out;
    }

    private List<MapEntry> iterateAndDeleteAll() {
        List<MapEntry> out = new ArrayList<>();
        Optional<byte[]> k;
        while ((k = nextKey((byte[]) null)).isPresent()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment value = arena.allocate(Math.max(1, valueBufferSize), 8);
                if (lookupAndDelete(keyOf(arena, k.get()), value)) {
                    out.add(new MapEntry(k.get(), bytes(value, valueBufferSize)));
                }
            }
        }
        return out;
    }

    /**
     * Writes many entries with {@code BPF_MAP_UPDATE_BATCH} (per element where the kernel has no
     * batch support for this map). Returns the number written.
     */
    public int updateBatch(List<MapEntry> entries, long elemFlags) {
        if (entries.isEmpty()) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            int n = entries.size();
            MemorySegment keys = arena.allocate((long) Math.max(1, keySize) * n, 8);
            MemorySegment values = arena.allocate((long) Math.max(1, valueBufferSize) * n, 8);
            for (int i = 0; i < n; i++) {
                MapEntry e = entries.get(i);
                if (e.key().length != keySize || e.value().length != valueBufferSize) {
                    throw new IllegalArgumentException("entry " + i + ": key " + e.key().length + " B, value "
                            + e.value().length + " B; map '" + name + "' needs " + keySize + " B and "
                            + valueBufferSize + " B");
                }
                MemorySegment.copy(e.key(), 0, keys, JAVA_BYTE, (long) i * keySize, keySize);
                MemorySegment.copy(e.value(), 0, values, JAVA_BYTE, (long) i * valueBufferSize, valueBufferSize);
            }
            Bpf.BatchResult r = Bpf.mapBatch(BpfCommand.MAP_UPDATE_BATCH, fd.get(), null, null, keys, values, n,
                    elemFlags);
            if (r.errno() == 0) {
                return r.count();
            }
            if (unsupported(Errno.of(r.errno()))) { // refused before any element
                for (MapEntry e : entries) {
                    update(e.key(), e.value(), elemFlags);
                }
                return n;
            }
            throw batchError(BpfCommand.MAP_UPDATE_BATCH, r, elemFlags);
        }
    }

    /**
     * Removes many keys with {@code BPF_MAP_DELETE_BATCH} (per element as fallback). Returns the
     * number removed; a missing key stops the batch with {@link NoSuchKeyException}.
     */
    public int deleteBatch(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            int n = keys.size();
            MemorySegment buf = arena.allocate((long) Math.max(1, keySize) * n, 8);
            for (int i = 0; i < n; i++) {
                MemorySegment.copy(checkedKey(keys.get(i)), 0, buf, JAVA_BYTE, (long) i * keySize, keySize);
            }
            Bpf.BatchResult r = Bpf.mapBatch(BpfCommand.MAP_DELETE_BATCH, fd.get(), null, null, buf, null, n, 0);
            if (r.errno() == 0) {
                return r.count();
            }
            if (unsupported(Errno.of(r.errno()))) { // refused before any element
                for (byte[] k : keys) {
                    delete(k);
                }
                return n;
            }
            throw batchError(BpfCommand.MAP_DELETE_BATCH, r, 0);
        }
    }

    private static boolean unsupported(Errno e) {
        return e == Errno.EINVAL || e == Errno.ENOTSUPP || e == Errno.EOPNOTSUPP;
    }

    private SyscallException batchError(BpfCommand cmd, Bpf.BatchResult r, long flags) {
        SyscallException e = elemError(cmd, r.errno(), flags);
        e.addSuppressed(new LoaderException(r.count() + " elements were processed before the failure"));
        return e;
    }

    // ================================================================== lifecycle

    /** Makes the map read-only for user space ({@code BPF_MAP_FREEZE}); programs may still write. */
    public void freeze() {
        Bpf.mapFreeze(fd.get());
        frozenHere = true;
    }

    /**
     * Maps the values of a {@code BPF_F_MMAPABLE} array into memory, read-write (read-only for a
     * frozen map). The segment is unmapped when {@code arena} closes, independent of this map's
     * {@link #close()}; reads and writes go straight to the map's values (element {@code i} at
     * {@code i * roundUp(valueSize, 8)}).
     */
    public MemorySegment memory(Arena arena) {
        if ((flags & MapFlags.MMAPABLE) == 0) {
            throw new IllegalStateException("map '" + name + "' was not created with BPF_F_MMAPABLE");
        }
        long page = Mmap.pageSize();
        long size = (long) roundUp8(valueSize) * maxEntries;
        long length = (size + page - 1) / page * page;
        if (frozenHere) {
            // known to refuse a writable mapping: skip the failing attempt, whose exception costs
            // a cold start its message, stack trace and classes (every object's .rodata)
            return Mmap.map(arena, fd.get(), length, Mmap.PROT_READ, Mmap.MAP_SHARED, 0).asSlice(0, size);
        }
        try {
            return Mmap.map(arena, fd.get(), length, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_SHARED, 0)
                    .asSlice(0, size);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EPERM.value() && e.errno() != Errno.EACCES.value()) {
                throw e;
            }
            // Frozen or read-only maps refuse writable mappings.
            return Mmap.map(arena, fd.get(), length, Mmap.PROT_READ, Mmap.MAP_SHARED, 0).asSlice(0, size);
        }
    }

    /** {@link #memory(Arena)} in an automatic arena: unmapped once the segment is unreachable. */
    public MemorySegment memory() {
        return memory(Arena.ofAuto());
    }

    /** Pins the map at {@code path} on a bpffs, so it outlives this process. */
    public void pin(Path path) {
        Bpf.objPin(fd.get(), path.toString(), 0);
        pinnedPath = path;
    }

    /** Removes the pin made by {@link #pin(Path)} or found by {@link #loadPinned(Path)}; no-op if none. */
    public void unpin() {
        Path p = pinnedPath;
        if (p == null) {
            return;
        }
        Bpf.removePin(p, "map '" + name + "'");
        pinnedPath = null;
    }

    /** Where the map is pinned, if this instance pinned or opened it by path. */
    public Optional<Path> pinnedPath() {
        return Optional.ofNullable(pinnedPath);
    }

    /** A second, independently closeable handle on the same map (a duplicated descriptor). */
    @Override
    public BpfMap clone() {
        return new BpfMap(fd.dup(), name, type, keySize, valueSize, maxEntries, flags);
    }

    /** Closes this descriptor. Pins, programs using the map and mmapped memory keep the map alive. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "BpfMap(" + type + " '" + name + "', " + fd + ")";
    }

    // ================================================================== helpers

    private SyscallException elemError(BpfCommand cmd, int errno, long flags) {
        String op = cmd.displayName();
        Errno e = Errno.of(errno);
        return switch (e) {
            case ENOENT -> new NoSuchKeyException(op, name);
            case EEXIST -> new KeyExistsException(op, name);
            case E2BIG -> cmd == BpfCommand.MAP_UPDATE_ELEM || cmd == BpfCommand.MAP_UPDATE_BATCH
                    ? new MapFullException(op, name, type, maxEntries)
                    : SyscallException.of(op + " on map '" + name + "'", errno);
            case EPERM -> isFrozen() && (cmd == BpfCommand.MAP_UPDATE_ELEM || cmd == BpfCommand.MAP_DELETE_ELEM
                    || cmd == BpfCommand.MAP_UPDATE_BATCH || cmd == BpfCommand.MAP_DELETE_BATCH
                    || cmd == BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM)
                    ? new MapFrozenException(op, name)
                    : SyscallException.of(op + " on map '" + name + "'", errno);
            case EINVAL -> new SyscallException(op, errno, op + " on map '" + name + "' (" + type
                    + "): invalid argument (EINVAL)" + ((flags & F_LOCK) != 0
                    ? ": BPF_F_LOCK needs a value with a bpf_spin_lock (map created with BTF)"
                    : ": this operation or its flags are not valid for this map type"));
            default -> SyscallException.of(op + " on map '" + name + "'", errno);
        };
    }

    private boolean isFrozen() {
        return "1".equals(FdInfo.read(fd.get()).get("frozen"));
    }

    private void checkKey(MemorySegment key) {
        if (!key.isNative()) {
            throw new IllegalArgumentException("map '" + name + "': key must be a native segment (Arena-allocated)");
        }
        if (key.byteSize() < keySize) {
            throw new IllegalArgumentException("map '" + name + "': key segment of " + key.byteSize()
                    + " bytes, needs " + keySize);
        }
    }

    private void checkValue(MemorySegment value) {
        if (!value.isNative()) {
            throw new IllegalArgumentException("map '" + name + "': value must be a native segment (Arena-allocated)");
        }
        if (value.byteSize() < valueBufferSize) {
            throw new IllegalArgumentException("map '" + name + "': value segment of " + value.byteSize()
                    + " bytes, needs " + valueBufferSize + (type.isPerCpu() ? " (per-CPU)" : ""));
        }
    }

    private byte[] checkedKey(byte[] key) {
        if (key.length != keySize) {
            throw new IllegalArgumentException("map '" + name + "': key of " + key.length + " bytes, expected "
                    + keySize);
        }
        return key;
    }

    private MemorySegment keyOf(Arena arena, byte[] key) {
        return segmentOf(arena, checkedKey(key));
    }

    private static MemorySegment segmentOf(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 8);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    private static byte[] bytes(MemorySegment s, int length) {
        return s.asSlice(0, length).toArray(JAVA_BYTE);
    }

    private static int roundUp8(int n) {
        return (n + 7) & ~7;
    }
}
