package io.ebpfagent.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.agent.threads.ThreadGroups;
import io.ebpfagent.agent.threads.ThreadRegistry;
import io.ebpfagent.otel.ConnectOutcome;
import io.ebpfagent.otel.IntervalKind;
import io.ebpfagent.otel.KernelInterval;
import io.ebpfagent.otel.KernelSignals;
import io.ebpfagent.probes.events.EventDecoder;
import io.ebpfagent.probes.events.EventKind;
import io.ebpfagent.probes.layout.CommonLayouts.EventHdr;
import io.ebpfagent.probes.layout.JvmLayouts;
import io.ebpfagent.probes.layout.NetLayouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Connect events through the decoder into the bridge, as records the net probe writes them. */
class EventBridgeTest {
    private static final int TID = 4242;

    @Test
    void everyConnectCountsInTheHistogramOnlySlowOrFailedOnesBecomeIntervals() {
        List<KernelInterval> intervals = new ArrayList<>();
        Map<ConnectOutcome, Long> counted = new EnumMap<>(ConnectOutcome.class);
        KernelSignals signals = (KernelSignals) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KernelSignals.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "wantsInterval" -> true;
                    case "onInterval" -> {
                        intervals.add((KernelInterval) args[0]);
                        yield null;
                    }
                    case "onTcpConnect" -> {
                        long n = 0;
                        for (long c : (long[]) args[2]) {
                            n += c;
                        }
                        counted.put((ConnectOutcome) args[1], n);
                        yield null;
                    }
                    default -> null;
                });
        EventBridge bridge = new EventBridge(signals, new ThreadRegistry(new ThreadGroups(List.of(), 10), () -> ""),
                true, TimeUnit.MILLISECONDS.toNanos(50));
        EventDecoder decoder = new EventDecoder(bridge);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(NetLayouts.ConnectEvent.SIZE * 4, 8);
            long at = 0;
            for (long[] c : new long[][] {{30_000, 0}, {80_000, 0}, {60_000_000, 0}, {40_000, 111}}) {
                connect(ring, at, c[0], (int) c[1]);
                decoder.onRecord(ring, at, (int) NetLayouts.ConnectEvent.SIZE);
                at += NetLayouts.ConnectEvent.SIZE;
            }
        }
        bridge.drainTcp();
        assertThat(decoder.malformed()).isZero();
        assertThat(counted).containsEntry(ConnectOutcome.SUCCESS, 3L).containsEntry(ConnectOutcome.REFUSED, 1L);
        assertThat(intervals).hasSize(2).allMatch(i -> i.kind() == IntervalKind.SLOW_CONNECT && i.tid() == TID);
        assertThat(intervals).extracting(KernelInterval::durationNs).containsExactly(60_000_000L, 40_000L);
    }

    @Test
    void longCompilationsBecomeIntervalsAndManyThreadExitsAskForAnEarlyCollection() {
        List<KernelInterval> intervals = new ArrayList<>();
        KernelSignals signals = (KernelSignals) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KernelSignals.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "wantsInterval" -> true;
                    case "onInterval" -> {
                        intervals.add((KernelInterval) args[0]);
                        yield null;
                    }
                    default -> null;
                });
        EventBridge bridge = new EventBridge(signals, new ThreadRegistry(new ThreadGroups(List.of(), 10), () -> ""),
                true, TimeUnit.MILLISECONDS.toNanos(50));
        int[] early = new int[1];
        bridge.onManyExits(() -> early[0]++);
        EventDecoder decoder = new EventDecoder(bridge);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment compile = arena.allocate(JvmLayouts.CompileEvent.SIZE, 8);
            compile.set(JAVA_INT, EventHdr.KIND, EventKind.COMPILE);
            compile.set(JAVA_INT, EventHdr.TID, TID);
            compile.set(JAVA_LONG, EventHdr.DURATION_NS, 3_000_000L);
            compile.set(JAVA_BYTE, JvmLayouts.CompileEvent.SUCCESS, (byte) 1);
            compile.setString(JvmLayouts.CompileEvent.COMPILER, "c2");
            compile.setString(JvmLayouts.CompileEvent.CLASS_NAME, "java/lang/String");
            compile.setString(JvmLayouts.CompileEvent.METHOD_NAME, "hashCode");
            decoder.onRecord(compile, 0, (int) JvmLayouts.CompileEvent.SIZE);

            MemorySegment stop = arena.allocate(JvmLayouts.ThreadEvent.SIZE, 8);
            stop.set(JAVA_INT, EventHdr.KIND, EventKind.THREAD_STOP);
            for (int i = 0; i < 2 * EventBridge.EXITS_PER_EARLY_COLLECTION + 1; i++) {
                stop.set(JAVA_INT, EventHdr.TID, 1000 + i);
                stop.set(JAVA_LONG, JvmLayouts.ThreadEvent.NATIVE_ID, 1000 + i);
                decoder.onRecord(stop, 0, (int) JvmLayouts.ThreadEvent.SIZE);
            }
        }
        assertThat(decoder.malformed()).isZero();
        assertThat(intervals).singleElement().satisfies(i -> {
            assertThat(i.kind()).isEqualTo(IntervalKind.JIT_COMPILATION);
            assertThat(i.target()).isEqualTo("java.lang.String.hashCode");
            assertThat(i.durationNs()).isEqualTo(3_000_000L);
        });
        assertThat(early[0]).as("one early collection per %d exits", EventBridge.EXITS_PER_EARLY_COLLECTION)
                .isEqualTo(2);
    }

    private static void connect(MemorySegment ring, long at, long durationNs, int error) {
        ring.set(JAVA_INT, at + EventHdr.KIND, EventKind.CONNECT);
        ring.set(JAVA_INT, at + EventHdr.TID, TID);
        ring.set(JAVA_LONG, at + EventHdr.START_NS, 1_000_000_000L);
        ring.set(JAVA_LONG, at + EventHdr.DURATION_NS, durationNs);
        long key = at + NetLayouts.ConnectEvent.KEY;
        ring.set(JAVA_SHORT, key + NetLayouts.ConnKey.FAMILY, (short) 2);
        ring.set(JAVA_SHORT, key + NetLayouts.ConnKey.SPORT, (short) 40000);
        ring.set(JAVA_SHORT, key + NetLayouts.ConnKey.DPORT, (short) 8080);
        ring.set(JAVA_INT, at + NetLayouts.ConnectEvent.ERROR, error);
        ring.set(JAVA_INT, at + NetLayouts.ConnectEvent.NEWSTATE, error == 0 ? 1 : 7);
    }
}
