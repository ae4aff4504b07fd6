package io.ebpfagent.probes.events;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.layout.CommonLayouts.EventHdr;
import io.ebpfagent.probes.layout.CommonLayouts.SpanCtx;
import io.ebpfagent.probes.layout.JvmLayouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding of records laid out as the C structs, without a kernel. */
class EventDecoderTest {
    @Test
    void threadStartRecordIsDecodedThroughOneReusedView() {
        try (Arena arena = Arena.ofConfined()) {
            long size = JvmLayouts.ThreadEvent.SIZE;
            MemorySegment ring = arena.allocate(2 * size + 8, 8);
            long second = size + 8; // records are 8-byte aligned
            record(ring, 0, "worker-1", 17, 4242, 4242);
            record(ring, second, "worker-2", 18, 4343, 4343);
            ring.set(JAVA_BYTE, second + EventHdr.CTX + SpanCtx.VALID, (byte) 1);
            ring.set(JAVA_BYTE, second + EventHdr.CTX + SpanCtx.SPAN_ID + 7, (byte) 0x2a);

            List<String> names = new ArrayList<>();
            List<ThreadEvent> views = new ArrayList<>();
            List<Long> spans = new ArrayList<>();
            EventDecoder d = new EventDecoder(new EventListener() {
                @Override
                public void threadStart(ThreadEvent e) {
                    names.add(e.name() + "/" + e.javaId() + "/" + e.nativeTid() + "/" + e.daemon() + "/" + e.hasSpan());
                    spans.add(e.spanId());
                    views.add(e);
                }
            });
            d.onRecord(ring, 0, (int) size);
            d.onRecord(ring, second, (int) size);
            assertEquals(List.of("worker-1/17/4242/true/false", "worker-2/18/4343/true/true"), names);
            assertEquals(List.of(0L, 0x2aL), spans, "span id read big-endian as written");
            assertSame(views.get(0), views.get(1), "flyweight reused");
            assertEquals(2, d.records());
            assertEquals(0, d.malformed());
        }
    }

    @Test
    void shortAndUnknownRecordsAreCountedNotDispatched() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(256, 8);
            ring.set(JAVA_INT, EventHdr.KIND, EventKind.THREAD_START);
            List<Integer> malformed = new ArrayList<>();
            boolean[] dispatched = {false};
            EventDecoder d = new EventDecoder(new EventListener() {
                @Override
                public void threadStart(ThreadEvent e) {
                    dispatched[0] = true;
                }

                @Override
                public void malformed(int kind, int length) {
                    malformed.add(kind);
                }
            });
            d.onRecord(ring, 0, 100); // shorter than struct thread_event
            ring.set(JAVA_INT, EventHdr.KIND, 999);
            d.onRecord(ring, 0, 200);
            d.onRecord(ring, 0, 8); // shorter than the header
            assertFalse(dispatched[0]);
            assertEquals(List.of(EventKind.THREAD_START, 999, -1), malformed);
            assertEquals(3, d.malformed());
        }
    }

    private static void record(MemorySegment ring, long at, String name, long javaId, long nativeId, int tid) {
        ring.set(JAVA_INT, at + EventHdr.KIND, EventKind.THREAD_START);
        ring.set(JAVA_INT, at + EventHdr.TID, tid);
        ring.set(JAVA_LONG, at + JvmLayouts.ThreadEvent.JAVA_ID, javaId);
        ring.set(JAVA_LONG, at + JvmLayouts.ThreadEvent.NATIVE_ID, nativeId);
        ring.set(JAVA_BYTE, at + JvmLayouts.ThreadEvent.DAEMON, (byte) 1);
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(b, 0, ring, JAVA_BYTE, at + JvmLayouts.ThreadEvent.NAME, b.length);
        assertTrue(b.length < 64);
    }
}
