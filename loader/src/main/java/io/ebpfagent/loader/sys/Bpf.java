package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The {@code bpf(2)} system call: a generic entry point {@link #bpf(BpfCommand, MemorySegment, long)}
 * and one typed wrapper per command the loader uses.
 *
 * <p>Conventions: wrappers that create a kernel object return an owned {@link FileDescriptor} and
 * throw the most specific {@link SyscallException} on failure. The map element wrappers are hot
 * paths: they take native {@link MemorySegment}s for key and value, fill a per-thread attribute
 * buffer, never allocate, and return {@code 0} or {@code -errno} so that the caller decides which
 * failures are exceptional ({@code ENOENT} at the end of an iteration is not).
 *
 * <p>Attribute layouts and field offsets are in {@link BpfAttr}; info structs in {@link BpfInfo}.
 */
public final class Bpf {
    /** {@code BPF_ANY}: create or update. */
    /**
     * Removes a bpffs pin (the object lives on while descriptors or links hold it).
     * {@code owner} names the object in the error, e.g. {@code map 'counts'}.
     */
    public static void removePin(java.nio.file.Path path, String owner) {
        try {
            java.nio.file.Files.deleteIfExists(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot unpin " + owner + " at " + path, e);
        }
    }

    public static final long ANY = 0;
    /** {@code BPF_NOEXIST}: create only. */
    public static final long NOEXIST = 1;
    /** {@code BPF_EXIST}: update only. */
    public static final long EXIST = 2;
    /** {@code BPF_F_LOCK}: take the value's {@code bpf_spin_lock}. */
    public static final long F_LOCK = 4;

    /** {@code BPF_OBJ_GET}/{@code *_GET_FD_BY_ID} {@code file_flags}: read only. */
    public static final int F_RDONLY = 1 << 3;
    /** {@code BPF_OBJ_GET}/{@code *_GET_FD_BY_ID} {@code file_flags}: write only. */
    public static final int F_WRONLY = 1 << 4;

    /** {@code BPF_STATS_RUN_TIME} for {@link #enableStats}. */
    public static final int STATS_RUN_TIME = 0;

    private static final ThreadScratch ELEM_ATTR = new ThreadScratch(BpfAttr.MapElem.LAYOUT.byteSize());
    private static final long ELEM_SIZE = BpfAttr.MapElem.LAYOUT.byteSize();
    private static final ThreadScratch BATCH_ATTR = new ThreadScratch(BpfAttr.MapBatch.LAYOUT.byteSize());
    private static final long BATCH_SIZE = BpfAttr.MapBatch.LAYOUT.byteSize();

    private Bpf() {
    }

    // ---------------------------------------------------------------- generic

    /**
     * {@code bpf(cmd, attr, size)}: the result (often a new file descriptor) or {@code -errno}.
     * {@code attr} must be a native segment of at least {@code size} bytes.
     */
    public static long bpf(BpfCommand cmd, MemorySegment attr, long size) {
        return Native.syscall(SyscallNumbers.BPF, cmd.value(), attr.address(), size, 0, 0);
    }

    /** {@link #bpf(BpfCommand, MemorySegment, long)} with the whole segment as the attribute. */
    public static long bpf(BpfCommand cmd, MemorySegment attr) {
        return bpf(cmd, attr, attr.byteSize());
    }

    /** Runs the command and throws the typed exception on failure; returns the result. */
    public static long check(BpfCommand cmd, MemorySegment attr) {
        long r = bpf(cmd, attr);
        if (r < 0) {
            throw error(cmd, (int) -r);
        }
        return r;
    }

    /** Runs a command whose result is a new file descriptor. */
    public static FileDescriptor fd(BpfCommand cmd, MemorySegment attr) {
        return new FileDescriptor((int) check(cmd, attr));
    }

    /** The typed exception for {@code errno} returned by {@code cmd}. */
    public static SyscallException error(BpfCommand cmd, int errno) {
        return SyscallException.of(cmd.displayName(), errno);
    }

    /**
     * Writes an object name (map or program) into a {@code char[16]} field: at most 15 bytes,
     * NUL-terminated. The caller sanitises it first ({@link #sanitizeName}).
     */
    public static void writeName(MemorySegment attr, long offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(b.length, BpfAttr.OBJ_NAME_LEN - 1);
        MemorySegment.copy(b, 0, attr, JAVA_BYTE, offset, n);
        attr.set(JAVA_BYTE, offset + n, (byte) 0);
    }

    /** Reads a NUL-terminated {@code char[16]} name. */
    public static String readName(MemorySegment struct, long offset) {
        return LogText.read(struct.asSlice(offset, BpfAttr.OBJ_NAME_LEN));
    }

    /**
     * A name the kernel accepts: characters outside {@code [A-Za-z0-9_.]} dropped, cut to 15
     * bytes. ({@code .rodata.str1.1} stays as is; {@code my-map} becomes {@code mymap}.)
     */
    public static String sanitizeName(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 15));
        for (int i = 0; i < name.length() && sb.length() < BpfAttr.OBJ_NAME_LEN - 1; i++) {
            char c = name.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- maps

    /** {@code BPF_MAP_CREATE} with an attribute laid out as {@link BpfAttr.MapCreate}. */
    public static FileDescriptor mapCreate(MemorySegment attr) {
        return fd(BpfCommand.MAP_CREATE, attr);
    }

    private static long elem(BpfCommand cmd, int mapFd, MemorySegment key, MemorySegment value, long flags) {
        MemorySegment attr = ELEM_ATTR.get();
        attr.set(JAVA_INT, BpfAttr.MapElem.MAP_FD, mapFd);
        attr.set(JAVA_LONG, BpfAttr.MapElem.KEY, key == null ? 0 : key.address());
        attr.set(JAVA_LONG, BpfAttr.MapElem.VALUE, value == null ? 0 : value.address());
        attr.set(JAVA_LONG, BpfAttr.MapElem.FLAGS, flags);
        return bpf(cmd, attr, ELEM_SIZE);
    }

    /** {@code BPF_MAP_LOOKUP_ELEM}: 0 or {@code -errno}. Allocation free. */
    public static int mapLookupElem(int mapFd, MemorySegment key, MemorySegment value, long flags) {
        return (int) elem(BpfCommand.MAP_LOOKUP_ELEM, mapFd, key, value, flags);
    }

    /** {@code BPF_MAP_UPDATE_ELEM}: 0 or {@code -errno}. Allocation free. */
    public static int mapUpdateElem(int mapFd, MemorySegment key, MemorySegment value, long flags) {
        return (int) elem(BpfCommand.MAP_UPDATE_ELEM, mapFd, key, value, flags);
    }

    /** {@code BPF_MAP_DELETE_ELEM}: 0 or {@code -errno}. Allocation free. */
    public static int mapDeleteElem(int mapFd, MemorySegment key, long flags) {
        return (int) elem(BpfCommand.MAP_DELETE_ELEM, mapFd, key, null, flags);
    }

    /**
     * {@code BPF_MAP_GET_NEXT_KEY}: 0 or {@code -errno} ({@code -ENOENT} after the last key).
     * A null {@code key} asks for the first key.
     */
    public static int mapGetNextKey(int mapFd, MemorySegment key, MemorySegment nextKey) {
        return (int) elem(BpfCommand.MAP_GET_NEXT_KEY, mapFd, key, nextKey, 0);
    }

    /** {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM} (also pop for queues/stacks: null key). */
    public static int mapLookupAndDeleteElem(int mapFd, MemorySegment key, MemorySegment value, long flags) {
        return (int) elem(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, mapFd, key, value, flags);
    }

    /** {@code BPF_MAP_FREEZE}: makes the map read-only for user space. */
    public static void mapFreeze(int mapFd) {
        int r = (int) elem(BpfCommand.MAP_FREEZE, mapFd, null, null, 0);
        if (r < 0) {
            throw error(BpfCommand.MAP_FREEZE, -r);
        }
    }

    /**
     * The outcome of one {@code BPF_MAP_*_BATCH} call: the number of elements processed (valid
     * even when {@code errno} is {@code ENOENT}, which marks the end of the map) and the errno,
     * 0 on success.
     */
    public record BatchResult(int count, int errno) {
        /** True when the kernel reported the end of the map. */
        public boolean end() {
            return errno == Errno.ENOENT.value();
        }
    }

    /**
     * One of {@code BPF_MAP_LOOKUP_BATCH}, {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH},
     * {@code BPF_MAP_UPDATE_BATCH}, {@code BPF_MAP_DELETE_BATCH}.
     *
     * @param inBatch  opaque cursor from the previous call (lookups), null for the start
     * @param outBatch where the kernel stores the next cursor (lookups), else null
     * @param keys     {@code count} keys back to back
     * @param values   {@code count} values back to back (null for delete)
     * @param count    number of elements the buffers hold
     */
    public static BatchResult mapBatch(BpfCommand cmd, int mapFd, MemorySegment inBatch, MemorySegment outBatch,
                                       MemorySegment keys, MemorySegment values, int count, long elemFlags) {
        long r = mapBatchPacked(cmd, mapFd, inBatch, outBatch, keys, values, count, elemFlags);
        return new BatchResult(batchCount(r), batchErrno(r));
    }

    /**
     * {@link #mapBatch} without allocating: the count the kernel wrote back in the upper 32 bits,
     * the errno (0 on success) in the lower; take them apart with {@link #batchCount} and
     * {@link #batchErrno}. For callers that walk maps periodically and must not allocate.
     */
    public static long mapBatchPacked(BpfCommand cmd, int mapFd, MemorySegment inBatch, MemorySegment outBatch,
                                      MemorySegment keys, MemorySegment values, int count, long elemFlags) {
        MemorySegment attr = BATCH_ATTR.get();
        attr.fill((byte) 0);
        attr.set(JAVA_LONG, BpfAttr.MapBatch.IN_BATCH, inBatch == null ? 0 : inBatch.address());
        attr.set(JAVA_LONG, BpfAttr.MapBatch.OUT_BATCH, outBatch == null ? 0 : outBatch.address());
        attr.set(JAVA_LONG, BpfAttr.MapBatch.KEYS, keys == null ? 0 : keys.address());
        attr.set(JAVA_LONG, BpfAttr.MapBatch.VALUES, values == null ? 0 : values.address());
        attr.set(JAVA_INT, BpfAttr.MapBatch.COUNT, count);
        attr.set(JAVA_INT, BpfAttr.MapBatch.MAP_FD, mapFd);
        attr.set(JAVA_LONG, BpfAttr.MapBatch.ELEM_FLAGS, elemFlags);
        long r = bpf(cmd, attr, BATCH_SIZE);
        int done = attr.get(JAVA_INT, BpfAttr.MapBatch.COUNT);
        return ((long) done << 32) | (r < 0 ? (int) -r : 0);
    }

    /** The element count of a {@link #mapBatchPacked} result. */
    public static int batchCount(long packed) {
        return (int) (packed >>> 32);
    }

    /** The errno of a {@link #mapBatchPacked} result, 0 on success. */
    public static int batchErrno(long packed) {
        return (int) packed;
    }

    // ---------------------------------------------------------------- programs

    /**
     * {@code BPF_PROG_LOAD} with an attribute laid out as {@link BpfAttr.ProgLoad}: the new
     * descriptor or {@code -errno}. Raw, because the caller reads the verifier log on failure.
     */
    public static long progLoad(MemorySegment attr) {
        return bpf(BpfCommand.PROG_LOAD, attr);
    }

    /**
     * {@code BPF_PROG_TEST_RUN} with an attribute laid out as {@link BpfAttr.TestRun}; the kernel
     * writes retval, duration and the output sizes back into {@code attr}.
     */
    public static void progTestRun(MemorySegment attr) {
        check(BpfCommand.PROG_TEST_RUN, attr);
    }

    /** {@code BPF_PROG_ATTACH} (cgroup, sockmap, flow dissector, lirc attach points). */
    public static void progAttach(int targetFd, int progFd, int attachType, int attachFlags, int replaceProgFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.ProgAttach.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.TARGET_FD, targetFd);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.ATTACH_BPF_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.ATTACH_TYPE, attachType);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.ATTACH_FLAGS, attachFlags);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.REPLACE_BPF_FD, replaceProgFd);
            check(BpfCommand.PROG_ATTACH, attr);
        }
    }

    /** {@code BPF_PROG_DETACH}. */
    public static void progDetach(int targetFd, int progFd, int attachType) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.ProgAttach.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.TARGET_FD, targetFd);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.ATTACH_BPF_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.ProgAttach.ATTACH_TYPE, attachType);
            check(BpfCommand.PROG_DETACH, attr);
        }
    }

    /**
     * The programs attached at a hook ({@code BPF_PROG_QUERY}).
     *
     * @param attachFlags the hook's attach flags
     * @param programIds  the ids of the attached programs
     * @param revision    the hook's revision (0 on kernels before 6.6)
     */
    public record ProgQueryResult(int attachFlags, int[] programIds, long revision) {
    }

    /** {@code BPF_PROG_QUERY}, reading up to {@code maxPrograms} ids. */
    public static ProgQueryResult progQuery(int targetFd, int attachType, int queryFlags, int maxPrograms) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.Query.LAYOUT);
            MemorySegment ids = arena.allocate(JAVA_INT, Math.max(1, maxPrograms));
            attr.set(JAVA_INT, BpfAttr.Query.TARGET_FD, targetFd);
            attr.set(JAVA_INT, BpfAttr.Query.ATTACH_TYPE, attachType);
            attr.set(JAVA_INT, BpfAttr.Query.QUERY_FLAGS, queryFlags);
            attr.set(JAVA_LONG, BpfAttr.Query.PROG_IDS, ids.address());
            attr.set(JAVA_INT, BpfAttr.Query.PROG_CNT, maxPrograms);
            check(BpfCommand.PROG_QUERY, attr);
            int n = Math.min(maxPrograms, attr.get(JAVA_INT, BpfAttr.Query.PROG_CNT));
            int[] out = new int[n];
            MemorySegment.copy(ids, JAVA_INT, 0, out, 0, n);
            return new ProgQueryResult(attr.get(JAVA_INT, BpfAttr.Query.ATTACH_FLAGS), out,
                    attr.get(JAVA_LONG, BpfAttr.Query.REVISION));
        }
    }

    /** {@code BPF_PROG_BIND_MAP}: keeps {@code mapFd} alive as long as the program. */
    public static void progBindMap(int progFd, int mapFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.ProgBindMap.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.ProgBindMap.PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.ProgBindMap.MAP_FD, mapFd);
            check(BpfCommand.PROG_BIND_MAP, attr);
        }
    }

    /**
     * {@code BPF_ENABLE_STATS}: run-time statistics are collected for every program while the
     * returned descriptor is open.
     */
    public static FileDescriptor enableStats(int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.SingleU32.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.SingleU32.VALUE, type);
            return fd(BpfCommand.ENABLE_STATS, attr);
        }
    }

    // ---------------------------------------------------------------- objects

    /** {@code BPF_OBJ_PIN}: pins {@code fd} at {@code path} on a bpffs. */
    public static void objPin(int fd, String path, int fileFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.Obj.LAYOUT);
            attr.set(JAVA_LONG, BpfAttr.Obj.PATHNAME, arena.allocateFrom(path).address());
            attr.set(JAVA_INT, BpfAttr.Obj.BPF_FD, fd);
            attr.set(JAVA_INT, BpfAttr.Obj.FILE_FLAGS, fileFlags);
            long r = bpf(BpfCommand.OBJ_PIN, attr);
            if (r < 0) {
                throw SyscallException.of("BPF_OBJ_PIN " + path, (int) -r);
            }
        }
    }

    /** {@code BPF_OBJ_GET}: opens the object pinned at {@code path} ({@link #F_RDONLY}, {@link #F_WRONLY}). */
    public static FileDescriptor objGet(String path, int fileFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.Obj.LAYOUT);
            attr.set(JAVA_LONG, BpfAttr.Obj.PATHNAME, arena.allocateFrom(path).address());
            attr.set(JAVA_INT, BpfAttr.Obj.FILE_FLAGS, fileFlags);
            long r = bpf(BpfCommand.OBJ_GET, attr);
            if (r < 0) {
                throw SyscallException.of("BPF_OBJ_GET " + path, (int) -r);
            }
            return new FileDescriptor((int) r);
        }
    }

    /**
     * {@code BPF_{PROG,MAP,BTF,LINK}_GET_NEXT_ID}: the next id after {@code startId}, or
     * {@code -1} when there is none.
     */
    public static int getNextId(BpfCommand cmd, int startId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.GetId.LAYOUT.byteSize() - 4, 8);
            attr.set(JAVA_INT, BpfAttr.GetId.ID, startId);
            long r = bpf(cmd, attr);
            if (r == -Errno.ENOENT.value()) {
                return -1;
            }
            if (r < 0) {
                throw error(cmd, (int) -r);
            }
            return attr.get(JAVA_INT, BpfAttr.GetId.NEXT_ID);
        }
    }

    /** {@code BPF_{PROG,MAP,BTF,LINK}_GET_FD_BY_ID}. */
    public static FileDescriptor getFdById(BpfCommand cmd, int id, int openFlags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.GetId.LAYOUT.byteSize() - 4, 8);
            attr.set(JAVA_INT, BpfAttr.GetId.ID, id);
            attr.set(JAVA_INT, BpfAttr.GetId.OPEN_FLAGS, openFlags);
            long r = bpf(cmd, attr);
            if (r < 0) {
                throw SyscallException.of(cmd.displayName() + " " + id, (int) -r);
            }
            return new FileDescriptor((int) r);
        }
    }

    /**
     * {@code BPF_OBJ_GET_INFO_BY_FD}: fills {@code info} (zeroed by the caller, a
     * {@link BpfInfo} layout) and returns the number of bytes the kernel wrote.
     */
    public static int objGetInfoByFd(int fd, MemorySegment info) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.Info.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.Info.BPF_FD, fd);
            attr.set(JAVA_INT, BpfAttr.Info.INFO_LEN, (int) info.byteSize());
            attr.set(JAVA_LONG, BpfAttr.Info.INFO, info.address());
            check(BpfCommand.OBJ_GET_INFO_BY_FD, attr);
            return attr.get(JAVA_INT, BpfAttr.Info.INFO_LEN);
        }
    }

    // ---------------------------------------------------------------- BTF

    /**
     * {@code BPF_BTF_LOAD} of a raw BTF blob (header, types, strings). Loads without a log
     * first; on failure reloads with the log enabled (grown on {@code ENOSPC}) and throws a
     * {@link BtfLoadException} carrying it.
     */
    public static FileDescriptor btfLoad(byte[] btf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(btf.length, 8);
            MemorySegment.copy(btf, 0, data, JAVA_BYTE, 0, btf.length);
            MemorySegment attr = arena.allocate(BpfAttr.BtfLoad.LAYOUT);
            attr.set(JAVA_LONG, BpfAttr.BtfLoad.BTF, data.address());
            attr.set(JAVA_INT, BpfAttr.BtfLoad.BTF_SIZE, btf.length);
            long r = bpf(BpfCommand.BTF_LOAD, attr);
            if (r >= 0) {
                return new FileDescriptor((int) r);
            }
            int firstErrno = (int) -r;
            if (firstErrno == Errno.EPERM.value()) {
                throw SyscallException.of("BPF_BTF_LOAD", firstErrno);
            }
            for (int logSize = 64 * 1024; logSize <= 16 * 1024 * 1024; logSize *= 4) {
                try (Arena logArena = Arena.ofConfined()) {
                    MemorySegment log = logArena.allocate(logSize);
                    attr.set(JAVA_LONG, BpfAttr.BtfLoad.BTF_LOG_BUF, log.address());
                    attr.set(JAVA_INT, BpfAttr.BtfLoad.BTF_LOG_SIZE, logSize);
                    attr.set(JAVA_INT, BpfAttr.BtfLoad.BTF_LOG_LEVEL, 1);
                    r = bpf(BpfCommand.BTF_LOAD, attr);
                    if (r >= 0) {
                        // Succeeds with a log although it failed without: should not happen, keep it.
                        return new FileDescriptor((int) r);
                    }
                    int errno = (int) -r;
                    if (errno != Errno.ENOSPC.value() || logSize * 4 > 16 * 1024 * 1024) {
                        throw new BtfLoadException(errno == Errno.ENOSPC.value() ? firstErrno : errno, LogText.read(log));
                    }
                }
            }
            throw new BtfLoadException(firstErrno, "");
        }
    }

    // ---------------------------------------------------------------- links

    /** {@code BPF_LINK_CREATE} with an attribute laid out as {@link BpfAttr.LinkCreate}. */
    public static FileDescriptor linkCreate(MemorySegment attr) {
        return fd(BpfCommand.LINK_CREATE, attr);
    }

    /** {@code BPF_LINK_CREATE} with only the common fields (cgroup, netns, xdp by ifindex, ...). */
    public static FileDescriptor linkCreate(int progFd, int targetFd, int attachType, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.LinkCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.TARGET_FD, targetFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.ATTACH_TYPE, attachType);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.FLAGS, flags);
            return linkCreate(attr);
        }
    }

    /** {@code BPF_LINK_CREATE} of a perf event link ({@code BPF_PERF_EVENT}) with a cookie. */
    public static FileDescriptor linkCreatePerfEvent(int progFd, int perfEventFd, int attachType, long bpfCookie) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.LinkCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.TARGET_FD, perfEventFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.ATTACH_TYPE, attachType);
            attr.set(JAVA_LONG, BpfAttr.LinkCreate.PERF_EVENT_BPF_COOKIE, bpfCookie);
            return linkCreate(attr);
        }
    }

    /** {@code BPF_LINK_CREATE} of a tracing link (fentry/fexit/fmod_ret/lsm/freplace) with a cookie. */
    public static FileDescriptor linkCreateTracing(int progFd, int targetFd, int attachType, int targetBtfId,
                                                   long cookie) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.LinkCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.TARGET_FD, targetFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.ATTACH_TYPE, attachType);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.TARGET_BTF_ID, targetBtfId);
            attr.set(JAVA_LONG, BpfAttr.LinkCreate.TRACING_COOKIE, cookie);
            return linkCreate(attr);
        }
    }

    /** {@code BPF_LINK_CREATE} of an iterator link; {@code iterInfo} may be null. */
    public static FileDescriptor linkCreateIter(int progFd, int attachType, MemorySegment iterInfo) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.LinkCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.PROG_FD, progFd);
            attr.set(JAVA_INT, BpfAttr.LinkCreate.ATTACH_TYPE, attachType);
            if (iterInfo != null) {
                attr.set(JAVA_LONG, BpfAttr.LinkCreate.ITER_INFO, iterInfo.address());
                attr.set(JAVA_INT, BpfAttr.LinkCreate.ITER_INFO_LEN, (int) iterInfo.byteSize());
            }
            return linkCreate(attr);
        }
    }

    /** {@code BPF_LINK_UPDATE}: swaps the link's program; {@code oldProgFd} with {@code BPF_F_REPLACE}. */
    public static void linkUpdate(int linkFd, int newProgFd, int flags, int oldProgFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.LinkUpdate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.LinkUpdate.LINK_FD, linkFd);
            attr.set(JAVA_INT, BpfAttr.LinkUpdate.NEW_PROG_FD, newProgFd);
            attr.set(JAVA_INT, BpfAttr.LinkUpdate.FLAGS, flags);
            attr.set(JAVA_INT, BpfAttr.LinkUpdate.OLD_PROG_FD, oldProgFd);
            check(BpfCommand.LINK_UPDATE, attr);
        }
    }

    /** {@code BPF_LINK_DETACH}: detaches the link while its descriptor stays open. */
    public static void linkDetach(int linkFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.SingleU32.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.SingleU32.VALUE, linkFd);
            check(BpfCommand.LINK_DETACH, attr);
        }
    }

    /**
     * {@code BPF_RAW_TRACEPOINT_OPEN}: attaches a raw tracepoint program to {@code name}, or
     * (null name) a tracing/LSM program to the target fixed at load time.
     */
    public static FileDescriptor rawTracepointOpen(String name, int progFd, long cookie) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.RawTracepoint.LAYOUT);
            attr.set(JAVA_LONG, BpfAttr.RawTracepoint.NAME, name == null ? 0 : arena.allocateFrom(name).address());
            attr.set(JAVA_INT, BpfAttr.RawTracepoint.PROG_FD, progFd);
            attr.set(JAVA_LONG, BpfAttr.RawTracepoint.COOKIE, cookie);
            // Kernels before 6.10 do not know the cookie: send the short attribute when it is 0.
            long r = bpf(BpfCommand.RAW_TRACEPOINT_OPEN, attr, cookie == 0 ? 16 : attr.byteSize());
            if (r < 0) {
                throw SyscallException.of("BPF_RAW_TRACEPOINT_OPEN " + (name == null ? "" : name), (int) -r);
            }
            return new FileDescriptor((int) r);
        }
    }

    /** {@code BPF_ITER_CREATE}: a readable descriptor producing the iterator's output. */
    public static FileDescriptor iterCreate(int linkFd, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.IterCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.IterCreate.LINK_FD, linkFd);
            attr.set(JAVA_INT, BpfAttr.IterCreate.FLAGS, flags);
            return fd(BpfCommand.ITER_CREATE, attr);
        }
    }

    /**
     * What {@code BPF_TASK_FD_QUERY} says about a perf event descriptor of a task.
     *
     * @param programId   the attached program
     * @param fdType      {@code BPF_FD_TYPE_*}
     * @param name        tracepoint name, kprobe symbol or uprobe file name
     * @param probeOffset probe offset
     * @param probeAddr   probe address
     */
    public record TaskFdInfo(int programId, int fdType, String name, long probeOffset, long probeAddr) {
    }

    /** {@code BPF_TASK_FD_QUERY} for descriptor {@code fd} of process {@code pid}. */
    public static TaskFdInfo taskFdQuery(int pid, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.TaskFdQuery.LAYOUT);
            MemorySegment buf = arena.allocate(4096);
            attr.set(JAVA_INT, BpfAttr.TaskFdQuery.PID, pid);
            attr.set(JAVA_INT, BpfAttr.TaskFdQuery.FD, fd);
            attr.set(JAVA_INT, BpfAttr.TaskFdQuery.BUF_LEN, (int) buf.byteSize());
            attr.set(JAVA_LONG, BpfAttr.TaskFdQuery.BUF, buf.address());
            check(BpfCommand.TASK_FD_QUERY, attr);
            return new TaskFdInfo(attr.get(JAVA_INT, BpfAttr.TaskFdQuery.PROG_ID),
                    attr.get(JAVA_INT, BpfAttr.TaskFdQuery.FD_TYPE), LogText.read(buf),
                    attr.get(JAVA_LONG, BpfAttr.TaskFdQuery.PROBE_OFFSET),
                    attr.get(JAVA_LONG, BpfAttr.TaskFdQuery.PROBE_ADDR));
        }
    }
}
