package io.ebpfagent.agent.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;

/**
 * The context storage exists before the hook, as when another agent's premain (the OpenTelemetry
 * Java agent's) used OpenTelemetry before ours ran: the hook reaches it by retransformation. Its
 * own JVM (the agent module forks one per test class), so nothing hooked the storage earlier.
 */
class LateContextStorageHookTest {
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    @Test
    void storageCreatedBeforeTheHookIsHookedByRetransformation() {
        Span early = span("00f067aa0ba902b7");
        try (Scope scope = early.makeCurrent()) {
            assertThat(Context.current()).isNotNull();
        }
        assertThat(ContextStorage.get().getClass().getName()).doesNotContain("EbpfAgent");

        Instrumentation inst = ByteBuddyAgent.install();
        SpanContextPublication publication = new SpanContextPublication();
        ContextStorageHook hook = ContextStorageHook.of(inst, publication);
        hook.register();
        try (Arena arena = Arena.ofConfined()) {
            assertThat(hook.hookLoaded()).as("copies hooked late").isEqualTo(1);
            assertThat(hook.hookLoaded()).as("a second call finds nothing new").isZero();
            assertThat(ContextStorage.get().getClass().getName())
                    .isEqualTo("io.opentelemetry.context.EbpfAgentContextStorage");

            MemorySegment slots = arena.allocate(SpanSlotLayout.SIZE * 4, 64);
            SpanContextPublisher publisher = publication.connect(slots, SlotListener.NONE);
            SpanIds ids = new SpanIds();
            Span outer = span("00000000000000a1");
            Span inner = span("00000000000000b2");
            try (Scope a = outer.makeCurrent()) {
                assertThat(publisher.readCurrent(ids)).isTrue();
                assertThat(ids.spanId()).isEqualTo(0xa1L);
                try (Scope b = inner.makeCurrent()) {
                    assertThat(publisher.readCurrent(ids)).isTrue();
                    assertThat(ids.spanId()).isEqualTo(0xb2L);
                }
                assertThat(publisher.readCurrent(ids)).as("the enclosing span again").isTrue();
                assertThat(ids.spanId()).isEqualTo(0xa1L);
            }
            assertThat(publisher.readCurrent(ids)).as("no span once the last scope closed").isFalse();
        } finally {
            publication.disconnect();
            hook.unregister();
        }
    }

    private static Span span(String spanId) {
        return Span.wrap(SpanContext.create(TRACE, spanId, TraceFlags.getSampled(), TraceState.getDefault()));
    }
}
