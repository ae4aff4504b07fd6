package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Removing the entries of exited threads from a map keyed by (tid, something). */
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
}
