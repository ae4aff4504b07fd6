package io.ebpfagent.loader.maps;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.sys.Cpus;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BpfMapTest {

    static byte[] i32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    static byte[] i64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    static long asLong(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong();
    }

    static int asInt(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getInt();
    }

    @Test
    void hashMapOperationsAndTypedErrors() {
        try (BpfMap m = BpfMap.create(MapSpec.of("test-hash", MapType.HASH, 4, 8, 2))) {
            assertThat(m.find(i32(1))).isEmpty();
            assertThatThrownBy(() -> m.lookup(i32(1))).isInstanceOf(NoSuchKeyException.class)
                    .hasMessageContaining("test-hash").hasMessageContaining("ENOENT");
            assertThatThrownBy(() -> m.delete(i32(1))).isInstanceOf(NoSuchKeyException.class);
            assertThatThrownBy(() -> m.update(i32(1), i64(5), BpfMap.EXIST)).isInstanceOf(NoSuchKeyException.class);
            m.put(i32(1), i64(10));
            assertThat(asLong(m.lookup(i32(1)))).isEqualTo(10);
            assertThatThrownBy(() -> m.update(i32(1), i64(11), BpfMap.NOEXIST))
                    .isInstanceOf(KeyExistsException.class).hasMessageContaining("EEXIST");
            m.update(i32(1), i64(12), BpfMap.EXIST);
            assertThat(asLong(m.lookup(i32(1)))).isEqualTo(12);
            m.put(i32(2), i64(20));
            assertThatThrownBy(() -> m.put(i32(3), i64(30))).isInstanceOf(MapFullException.class)
                    .hasMessageContaining("is full").hasMessageContaining("E2BIG");
            assertThat(asLong(m.lookupAndDelete(i32(2)))).isEqualTo(20);
            assertThat(m.find(i32(2))).isEmpty();
            m.delete(i32(1));
            assertThat(m.nextKey((byte[]) null)).isEmpty();
            assertThatThrownBy(() -> m.put(new byte[3], i64(1))).isInstanceOf(IllegalArgumentException.class);

            MapInfo info = m.info();
            assertThat(info.type()).isEqualTo(MapType.HASH);
            assertThat(info.name()).isEqualTo("testhash");
            assertThat(info.keySize()).isEqualTo(4);
            assertThat(info.valueSize()).isEqualTo(8);
            assertThat(info.maxEntries()).isEqualTo(2);
            assertThat(info.id()).isPositive();
            assertThat(info.frozen()).isFalse();
        }
    }

    @Test
    void segmentFlavourReturnsBooleansAndAllocatesNothing() {
        try (BpfMap m = BpfMap.create(MapSpec.of("seg", MapType.HASH, 8, 8, 16)); Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_LONG);
            MemorySegment value = arena.allocate(JAVA_LONG);
            key.set(JAVA_LONG, 0, 77);
            assertThat(m.lookup(key, value)).isFalse();
            assertThat(m.delete(key)).isFalse();
            value.set(JAVA_LONG, 0, 99);
            m.update(key, value, BpfMap.ANY);
            value.set(JAVA_LONG, 0, 0);
            assertThat(m.lookup(key, value)).isTrue();
            assertThat(value.get(JAVA_LONG, 0)).isEqualTo(99);
            assertThat(m.lookup(77L, value)).isTrue();
            assertThatThrownBy(() -> m.lookup(arena.allocate(4), value)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> m.lookup(key, MemorySegment.ofArray(new byte[8])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");

            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 100_000; i++) { // warm up the JIT (C2 removes the remaining allocations)
                m.lookup(key, value);
                m.update(key, value, BpfMap.ANY);
                m.lookup(78L, value);
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                m.lookup(key, value);
                m.update(key, value, BpfMap.ANY);
                m.lookup(78L, value);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by 30000 map operations").isLessThan(30_000);
        }
    }

    @Test
    void arrayWithIntKeysAndOutOfRangeIndex() {
        try (BpfMap m = BpfMap.create(MapSpec.of("arr", MapType.ARRAY, 4, 8, 4))) {
            assertThat(m.lookupLong(3)).isZero();
            m.updateLong(3, 42);
            assertThat(m.lookupLong(3)).isEqualTo(42);
            assertThatThrownBy(() -> m.updateLong(4, 1)).isInstanceOf(MapFullException.class)
                    .hasMessageContaining("below max entries");
            assertThatThrownBy(() -> m.delete(i32(0))).isInstanceOf(SyscallException.class)
                    .hasMessageContaining("EINVAL");
            List<byte[]> keys = new ArrayList<>();
            m.keys().forEach(keys::add);
            assertThat(keys).hasSize(4);
            List<MapEntry> all = m.lookupAll();
            assertThat(all).hasSize(4);
            assertThat(asLong(all.get(3).value())).isEqualTo(42);
        }
    }

    @Test
    void perCpuMapsHoldOneValuePerPossibleCpu() {
        int cpus = Cpus.possible();
        for (MapType t : List.of(MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH)) {
            try (BpfMap m = BpfMap.create(MapSpec.of("pcpu", t, 4, 4, 4))) {
                assertThat(m.valueBufferSize()).isEqualTo(8 * cpus);
                List<byte[]> values = new ArrayList<>();
                for (int c = 0; c < cpus; c++) {
                    values.add(i32(100 + c));
                }
                m.updatePerCpu(i32(1), values, BpfMap.ANY);
                List<byte[]> back = m.lookupPerCpu(i32(1));
                assertThat(back).hasSize(cpus);
                for (int c = 0; c < cpus; c++) {
                    assertThat(asInt(back.get(c))).as(t + " cpu " + c).isEqualTo(100 + c);
                }
                assertThat(m.lookupAll()).isNotEmpty().allSatisfy(e -> assertThat(e.value()).hasSize(8 * cpus));
            }
        }
    }

    @Test
    void lruEvictsInsteadOfFailing() {
        try (BpfMap m = BpfMap.create(MapSpec.of("lru", MapType.LRU_HASH, 4, 4, 64))) {
            for (int i = 0; i < 1000; i++) {
                m.put(i32(i), i32(i));
            }
            List<MapEntry> entries = m.lookupAll();
            assertThat(entries.size()).isBetween(1, 64 * 2);
            assertThat(m.find(i32(999))).isPresent();
        }
    }

    @Test
    void lpmTrieFindsTheLongestPrefix() {
        MapSpec spec = MapSpec.of("lpm", MapType.LPM_TRIE, 8, 4, 16).withFlags(MapFlags.NO_PREALLOC);
        try (BpfMap m = BpfMap.create(spec)) {
            m.put(lpmKey(8, 10, 0, 0, 0), i32(8));
            m.put(lpmKey(24, 10, 1, 2, 0), i32(24));
            assertThat(asInt(m.lookup(lpmKey(32, 10, 1, 2, 3)))).isEqualTo(24);
            assertThat(asInt(m.lookup(lpmKey(32, 10, 9, 9, 9)))).isEqualTo(8);
            assertThat(m.find(lpmKey(32, 11, 0, 0, 0))).isEmpty();
            assertThat(m.lookupAll()).hasSize(2);
        }
    }

    private static byte[] lpmKey(int prefix, int a, int b, int c, int d) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(prefix)
                .put((byte) a).put((byte) b).put((byte) c).put((byte) d).array();
    }

    @Test
    void queueStackAndBloomFilter() {
        try (BpfMap q = BpfMap.create(MapSpec.of("q", MapType.QUEUE, 0, 4, 4));
             BpfMap s = BpfMap.create(MapSpec.of("s", MapType.STACK, 0, 4, 4))) {
            for (int i = 1; i <= 3; i++) {
                q.push(i32(i), BpfMap.ANY);
                s.push(i32(i), BpfMap.ANY);
            }
            assertThat(asInt(q.peek().orElseThrow())).isEqualTo(1);
            assertThat(asInt(q.pop().orElseThrow())).isEqualTo(1);
            assertThat(asInt(s.pop().orElseThrow())).isEqualTo(3);
            q.pop();
            q.pop();
            assertThat(q.pop()).isEmpty();
        }
        try (BpfMap b = BpfMap.create(MapSpec.of("bloom", MapType.BLOOM_FILTER, 0, 8, 100).withMapExtra(3))) {
            b.push(i64(12345), BpfMap.ANY);
            assertThat(b.mayContain(i64(12345))).isTrue();
            int falsePositives = 0;
            for (int i = 0; i < 50; i++) {
                if (b.mayContain(i64(1_000_000 + i))) {
                    falsePositives++;
                }
            }
            assertThat(falsePositives).isLessThan(10);
            assertThat(b.info().mapExtra()).isEqualTo(3);
        }
    }

    @Test
    void mapInMapUsesTheInnerTemplate() {
        MapSpec inner = MapSpec.of("inner", MapType.ARRAY, 4, 4, 1);
        for (MapType t : List.of(MapType.HASH_OF_MAPS, MapType.ARRAY_OF_MAPS)) {
            try (BpfMap outer = BpfMap.create(MapSpec.of("outer", t, 4, 4, 2).withInnerMap(inner));
                 BpfMap child = BpfMap.create(inner)) {
                outer.put(i32(1), child.fd());
                // Lookups from user space return the inner map's id.
                assertThat(asInt(outer.lookup(i32(1)))).isEqualTo(child.info().id());
                try (BpfMap same = BpfMap.fromId(asInt(outer.lookup(i32(1))))) {
                    same.updateLong(0, 0); // wrong value size: must be refused
                } catch (IllegalArgumentException expected) {
                    assertThat(expected).hasMessageContaining("4-byte values");
                }
            }
        }
        assertThatThrownBy(() -> BpfMap.create(MapSpec.of("outer", MapType.HASH_OF_MAPS, 4, 4, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inner map");
    }

    @Test
    void otherCommonTypesCreate() {
        try (BpfMap rb = BpfMap.create(MapSpec.of("rb", MapType.RINGBUF, 0, 0, 64 * 1024));
             BpfMap st = BpfMap.create(MapSpec.of("st", MapType.STACK_TRACE, 4, 127 * 8, 16));
             BpfMap pa = BpfMap.create(MapSpec.of("pa", MapType.PROG_ARRAY, 4, 4, 4));
             BpfMap pe = BpfMap.create(MapSpec.of("pe", MapType.PERF_EVENT_ARRAY, 4, 4, Cpus.possible()))) {
            assertThat(rb.info().type()).isEqualTo(MapType.RINGBUF);
            assertThat(st.info().valueSize()).isEqualTo(127 * 8);
            assertThat(pa.info().type()).isEqualTo(MapType.PROG_ARRAY);
            assertThat(pe.info().maxEntries()).isEqualTo(Cpus.possible());
        }
        assertThatThrownBy(() -> BpfMap.create(MapSpec.of("rb", MapType.RINGBUF, 0, 0, 1000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power-of-2");
    }

    @Test
    void badSpecsFailWithTheSpecInTheMessage() {
        assertThatThrownBy(() -> BpfMap.create(MapSpec.of("bad", MapType.HASH, 0, 8, 4)))
                .isInstanceOf(SyscallException.class)
                .hasMessageContaining("map 'bad'").hasMessageContaining("HASH").hasMessageContaining("key 0 B")
                .hasMessageContaining("EINVAL");
    }

    @Test
    void iterationSurvivesDeletion() {
        try (BpfMap m = BpfMap.create(MapSpec.of("iter", MapType.HASH, 4, 4, 64))) {
            for (int i = 0; i < 20; i++) {
                m.put(i32(i), i32(i * 10));
            }
            Set<Integer> seen = new HashSet<>();
            for (MapEntry e : m.entries()) {
                assertThat(asInt(e.value())).isEqualTo(asInt(e.key()) * 10);
                seen.add(asInt(e.key()));
            }
            assertThat(seen).hasSize(20);
            // Delete every key while iterating: the kernel restarts from the first key each time.
            int visited = 0;
            for (byte[] k : m.keys()) {
                m.delete(k);
                visited++;
            }
            assertThat(visited).isEqualTo(20);
            assertThat(m.nextKey((byte[]) null)).isEmpty();
        }
    }

    @Test
    void batchOperations() {
        try (BpfMap m = BpfMap.create(MapSpec.of("batch", MapType.HASH, 4, 8, 1024))) {
            List<MapEntry> in = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                in.add(new MapEntry(i32(i), i64(i * 3L)));
            }
            assertThat(m.updateBatch(in, BpfMap.ANY)).isEqualTo(600);
            List<MapEntry> out = m.lookupAll();
            assertThat(out).hasSize(600).allSatisfy(e -> assertThat(asLong(e.value())).isEqualTo(asInt(e.key()) * 3L));
            List<byte[]> del = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                del.add(i32(i));
            }
            assertThat(m.deleteBatch(del)).isEqualTo(100);
            assertThat(m.find(i32(5))).isEmpty();
            assertThat(m.lookupAndDeleteAll()).hasSize(500);
            assertThat(m.lookupAll()).isEmpty();
        }
    }

    @Test
    void batchWalkWithReusedBuffersSeesEveryEntryOnceAndCountsTheSystemCalls() {
        try (BpfMap m = BpfMap.create(MapSpec.of("walk", MapType.HASH, 4, 16, 4096));
             Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3000; i++) {
                MemorySegment v = arena.allocate(16, 8);
                v.set(JAVA_LONG, 0, i * 7L);
                v.set(JAVA_LONG, 8, -i);
                m.update(arena.allocateFrom(JAVA_INT, i), v, BpfMap.ANY);
            }
            MapBatchCursor cursor = m.batchCursor(arena);
            MemorySegment keys = arena.allocate(4L * 64, 8);
            MemorySegment values = arena.allocate(16L * 64, 8);
            for (int walk = 0; walk < 2; walk++) {
                cursor.reset();
                Set<Integer> seen = new HashSet<>();
                int calls = 0;
                while (!cursor.done()) {
                    int n = m.lookupBatch(cursor, keys, values);
                    calls++;
                    assertThat(n).isBetween(0, 64);
                    for (int i = 0; i < n; i++) {
                        int k = keys.get(JAVA_INT, 4L * i);
                        assertThat(seen.add(k)).as("key %d returned twice", k).isTrue();
                        assertThat(values.get(JAVA_LONG, 16L * i)).isEqualTo(k * 7L);
                        assertThat(values.get(JAVA_LONG, 16L * i + 8)).isEqualTo(-k);
                    }
                }
                assertThat(seen).hasSize(3000);
                // buffers of 64: at least 47 calls; the kernel never splits a bucket, so a few more
                assertThat(calls).as("walk %d", walk).isBetween(47, 3000 / 16);
                assertThat(m.lookupBatch(cursor, keys, values)).as("a finished walk returns nothing").isZero();
            }
        }
    }

    @Test
    void aBucketLargerThanTheBuffersIsReportedAndTheWalkGoesOnWithLargerOnes() {
        // 2000 keys in 2048 buckets: many buckets hold two or more, so a one-entry buffer meets one
        try (BpfMap m = BpfMap.create(MapSpec.of("spill", MapType.HASH, 4, 8, 2000));
             Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 2000; i++) {
                m.updateLong(i, i);
            }
            MapBatchCursor cursor = m.batchCursor(arena);
            MemorySegment oneKey = arena.allocate(4, 8);
            MemorySegment oneValue = arena.allocate(8, 8);
            Set<Integer> seen = new HashSet<>();
            SyscallException tooSmall = null;
            while (!cursor.done() && tooSmall == null) {
                try {
                    if (m.lookupBatch(cursor, oneKey, oneValue) == 1) {
                        assertThat(seen.add(oneKey.get(JAVA_INT, 0))).isTrue();
                    }
                } catch (SyscallException e) {
                    tooSmall = e;
                }
            }
            assertThat(tooSmall).as("no bucket with two keys among 2000").isNotNull();
            assertThat(tooSmall.errno()).isEqualTo(Errno.ENOSPC.value());
            assertThat(tooSmall).hasMessageContaining("map 'spill'").hasMessageContaining("pass larger buffers");
            MemorySegment keys = arena.allocate(4L * 64, 8);
            MemorySegment values = arena.allocate(8L * 64, 8);
            while (!cursor.done()) {
                int n = m.lookupBatch(cursor, keys, values);
                for (int i = 0; i < n; i++) {
                    assertThat(seen.add(keys.get(JAVA_INT, 4L * i))).isTrue();
                }
            }
            assertThat(seen).hasSize(2000);
        }
    }

    @Test
    void batchWalkOfAnEmptyMapEndsAtOnceAndDrainingEmptiesIt() {
        try (BpfMap m = BpfMap.create(MapSpec.of("drain", MapType.HASH, 4, 8, 256));
             Arena arena = Arena.ofConfined()) {
            MapBatchCursor cursor = m.batchCursor(arena);
            MemorySegment keys = arena.allocate(4L * 32, 8);
            MemorySegment values = arena.allocate(8L * 32, 8);
            assertThat(m.lookupBatch(cursor, keys, values)).isZero();
            assertThat(cursor.done()).isTrue();
            for (int i = 0; i < 200; i++) {
                m.updateLong(i, i + 1000L);
            }
            cursor.reset();
            long sum = 0;
            int total = 0;
            while (!cursor.done()) {
                int n = m.lookupAndDeleteBatch(cursor, keys, values);
                for (int i = 0; i < n; i++) {
                    sum += values.get(JAVA_LONG, 8L * i) - 1000 - keys.get(JAVA_INT, 4L * i);
                }
                total += n;
            }
            assertThat(total).isEqualTo(200);
            assertThat(sum).as("every value beside its own key").isZero();
            assertThat(m.nextKey((byte[]) null)).isEmpty();
        }
    }

    @Test
    void batchDeleteOfSegmentKeysSkipsKeysAlreadyGone() {
        try (BpfMap m = BpfMap.create(MapSpec.of("del", MapType.HASH, 4, 8, 64));
             Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 10; i++) {
                m.updateLong(i, i);
            }
            MemorySegment keys = arena.allocate(4L * 6, 8);
            int[] doomed = {1, 42, 3, 5, 77, 7};
            for (int i = 0; i < doomed.length; i++) {
                keys.set(JAVA_INT, 4L * i, doomed[i]);
            }
            assertThat(m.deleteBatch(keys, doomed.length)).isEqualTo(4);
            Set<Integer> left = new HashSet<>();
            m.keys().forEach(k -> left.add(asInt(k)));
            assertThat(left).containsExactlyInAnyOrder(0, 2, 4, 6, 8, 9);
            assertThatThrownBy(() -> m.deleteBatch(keys, 7)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("do not fit");
        }
    }

    @Test
    void batchWalkRefusesWrongBuffersAndTellsWhatTheKernelCannotDo() {
        try (BpfMap m = BpfMap.create(MapSpec.of("bufs", MapType.HASH, 4, 8, 16));
             BpfMap other = BpfMap.create(MapSpec.of("other", MapType.HASH, 4, 8, 16));
             Arena arena = Arena.ofConfined()) {
            MapBatchCursor cursor = m.batchCursor(arena);
            assertThatThrownBy(() -> m.lookupBatch(cursor, arena.allocate(4), arena.allocate(4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hold no entry of map 'bufs'");
            assertThatThrownBy(() -> other.lookupBatch(cursor, arena.allocate(64), arena.allocate(64)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cursor of map 'bufs' used on map 'other'");
        }
        // stack trace maps have no batch operations in any kernel
        try (BpfMap m = BpfMap.create(MapSpec.of("stacks-batch", MapType.STACK_TRACE, 4, 64, 16));
             Arena arena = Arena.ofConfined()) {
            MapBatchCursor cursor = m.batchCursor(arena);
            assertThatThrownBy(() -> m.lookupBatch(cursor, arena.allocate(64), arena.allocate(64)))
                    .isInstanceOf(NotSupportedException.class)
.hasMessageContaining("BPF_MAP_LOOKUP_BATCH on map 'stacks-batch' (STACK_TRACE): not supported");
            assertThat(m.lookupAll()).as("lookupAll falls back to iteration").isEmpty();
        }
    }

    @Test
    void contentsAndFreezeFromTheSpec() {
        MapSpec spec = MapSpec.of(".rodata", MapType.ARRAY, 4, 8, 1)
                .withContents(List.of(MapSpec.Entry.of(i32(0), i64(7)))).withFreeze(true);
        try (BpfMap m = BpfMap.create(spec)) {
            assertThat(asLong(m.lookup(i32(0)))).isEqualTo(7);
            assertThat(m.info().frozen()).isTrue();
            assertThat(m.info().name()).isEqualTo(".rodata");
            assertThatThrownBy(() -> m.put(i32(0), i64(8))).isInstanceOf(MapFrozenException.class)
                    .hasMessageContaining("frozen").hasMessageContaining("EPERM");
        }
    }

    @Test
    void mmapableArrayIsSharedMemory() {
        assumeTrue(Features.supported(Features::haveMmapableMaps), () -> Features.missing(Features::haveMmapableMaps).orElse(""));
        MapSpec spec = MapSpec.of("mm", MapType.ARRAY, 4, 8, 16).withFlags(MapFlags.MMAPABLE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mem;
            try (BpfMap m = BpfMap.create(spec)) {
                mem = m.memory(arena);
                assertThat(mem.byteSize()).isEqualTo(16 * 8);
                mem.set(JAVA_LONG, 5 * 8, 555);
                assertThat(m.lookupLong(5)).isEqualTo(555);
                m.updateLong(6, 666);
                assertThat(mem.get(JAVA_LONG, 6 * 8)).isEqualTo(666);
            }
            // The mapping keeps the map alive after its descriptor closed.
            assertThat(mem.get(JAVA_LONG, 5 * 8)).isEqualTo(555);
        }
        try (BpfMap plain = BpfMap.create(MapSpec.of("plain", MapType.ARRAY, 4, 8, 1))) {
            assertThatThrownBy(plain::memory).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void pinLoadPinnedUnpinFromIdClone() throws Exception {
        Path bpffs = Path.of("/sys/fs/bpf");
        assumeTrue(Files.readString(Path.of("/proc/mounts")).contains(" /sys/fs/bpf bpf "),
                "bpffs is not mounted at /sys/fs/bpf (scripts/kernel-fs.sh mounts it)");
        Path pin = bpffs.resolve("ebpfagent-test-" + ProcessHandle.current().pid());
        try (BpfMap m = BpfMap.create(MapSpec.of("pinned", MapType.HASH, 4, 4, 4))) {
            m.put(i32(1), i32(11));
            m.pin(pin);
            assertThat(pin).exists();
            try (BpfMap again = BpfMap.loadPinned(pin)) {
                assertThat(again.type()).isEqualTo(MapType.HASH);
                assertThat(again.keySize()).isEqualTo(4);
                assertThat(asInt(again.lookup(i32(1)))).isEqualTo(11);
                assertThat(again.info().id()).isEqualTo(m.info().id());
            }
            try (BpfMap readOnly = BpfMap.loadPinned(pin, io.ebpfagent.loader.sys.Bpf.F_RDONLY)) {
                assertThat(asInt(readOnly.lookup(i32(1)))).isEqualTo(11);
                assertThatThrownBy(() -> readOnly.put(i32(2), i32(2))).isInstanceOf(SyscallException.class);
            }
            m.unpin();
            assertThat(pin).doesNotExist();
            try (BpfMap byId = BpfMap.fromId(m.info().id()); BpfMap copy = m.clone()) {
                assertThat(asInt(byId.lookup(i32(1)))).isEqualTo(11);
                assertThat(copy.fd().get()).isNotEqualTo(m.fd().get());
                copy.close();
                assertThat(asInt(m.lookup(i32(1)))).isEqualTo(11);
            }
        } finally {
            Files.deleteIfExists(pin);
        }
    }
}
