package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.sys.NotSupportedException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Walking maps a buffer at a time or key by key, and removing the entries of exited threads. */
class MapCursorTest {
    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    @Test
    void removeThreadsDeletesExactlyTheirEntriesInOneCall() {
        try (Arena arena = Arena.ofConfined();
             BpfMap map = BpfMap.create(MapSpec.of("cursor_test", MapType.HASH, 8, 8, 4096))) {
            MemorySegment key = arena.allocate(8, 8);
            MemorySegment value = arena.allocate(8, 8);
            for (int tid = 1000; tid < 1300; tid++) {
                for (int nr = 0; nr < 5; nr++) {
                    key.set(JAVA_INT, 0, tid);
                    key.set(JAVA_INT, 4, nr);
                    value.set(JAVA_LONG, 0, tid * 10L + nr);
                    map.update(key, value, 0);
                }
            }
            int[] exited = new int[100];
            for (int i = 0; i < exited.length; i++) {
                exited[i] = 1299 - 3 * i; // unsorted, spread over the map
            }
            MapCursor cursor = new MapCursor(map, arena);
            assertEquals(500, cursor.removeThreads(0, exited, exited.length));

            Set<Integer> gone = new HashSet<>();
            for (int t : exited) {
                gone.add(t);
            }
            int left = 0;
            cursor.reset();
            while (cursor.next()) {
                int tid = cursor.key().get(JAVA_INT, 0);
                assertTrue(!gone.contains(tid), "entry of removed thread " + tid + " still there");
                assertEquals(tid * 10L + cursor.key().get(JAVA_INT, 4), cursor.value().get(JAVA_LONG, 0));
                left++;
            }
            assertEquals(1000, left);
            // nothing to remove: nothing removed, the rest untouched
            assertEquals(0, cursor.removeThreads(0, new int[] {5}, 1));
            assertEquals(0, cursor.removeThreads(0, exited, 0));
        }
    }

    @Test
    void aWalkReadsEveryEntryOnceABufferAtATime() {
        try (Arena arena = Arena.ofConfined();
             BpfMap map = BpfMap.create(MapSpec.of("cursor_walk", MapType.HASH, 4, 700, 2048))) {
            MemorySegment key = arena.allocate(4, 8);
            MemorySegment value = arena.allocate(700, 8);
            for (int tid = 0; tid < 1500; tid++) {
                key.set(JAVA_INT, 0, tid);
                value.set(JAVA_LONG, 0, tid * 3L);
                value.set(JAVA_LONG, 688, -tid);
                map.update(key, value, 0);
            }
            MapCursor cursor = new MapCursor(map, arena);
            for (int walk = 0; walk < 2; walk++) {
                Set<Integer> seen = new HashSet<>();
                cursor.reset();
                while (cursor.next()) {
                    int tid = cursor.key().get(JAVA_INT, 0);
                    assertTrue(seen.add(tid), "thread " + tid + " seen twice");
                    assertEquals(tid * 3L, cursor.value().get(JAVA_LONG, 0));
                    assertEquals(-tid, cursor.value().get(JAVA_LONG, 688));
                }
                assertEquals(1500, seen.size());
            }
        }
    }

    @Test
    void aMapWithoutBatchLookupsIsWalkedKeyByKey() {
        // device hash maps have no batch operations; the loopback device is always there
        try (Arena arena = Arena.ofConfined();
             BpfMap map = BpfMap.create(MapSpec.of("cursor_devs", MapType.DEVMAP_HASH, 4, 4, 64))) {
            MemorySegment key = arena.allocate(4, 8);
            MemorySegment lo = arena.allocate(4, 8);
            lo.set(JAVA_INT, 0, 1);
            for (int k = 10; k < 40; k++) {
                key.set(JAVA_INT, 0, k);
                map.update(key, lo, 0);
            }
            assertThrows(NotSupportedException.class,
                    () -> map.lookupBatch(map.batchCursor(arena), arena.allocate(64), arena.allocate(64)));
            MapCursor cursor = new MapCursor(map, arena);
            for (int walk = 0; walk < 2; walk++) {
                Set<Integer> seen = new HashSet<>();
                cursor.reset();
                while (cursor.next()) {
                    assertTrue(seen.add(cursor.key().get(JAVA_INT, 0)));
                    assertEquals(1, cursor.value().get(JAVA_INT, 0));
                }
                assertEquals(30, seen.size());
            }
        }
    }
}
