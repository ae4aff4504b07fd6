package io.ebpfagent.agent.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.agent.config.ConfigType.MethodPattern;
import io.ebpfagent.agent.context.ContextStorageHook;
import io.ebpfagent.agent.context.SlotListener;
import io.ebpfagent.agent.context.SpanContextPublication;
import io.ebpfagent.agent.context.SpanIds;
import io.ebpfagent.agent.context.SpanSlotLayout;
import io.ebpfagent.agent.it.MethodWork;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.lang.foreign.Arena;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Method spans through a real Instrumentation (self-attach): the advice is inlined into
 * {@link MethodWork} (loaded before installation, so retransformed), calls the boot-loader bridge,
 * and the spans come from a real SDK. The published ids are read back as the kernel would see them.
 * The application's own OpenTelemetry (a second SDK) publishes through the context-storage hook.
 */
class MethodSpansTest {
    private static final InMemorySpanExporter METHOD_SPANS = InMemorySpanExporter.create();
    private static final InMemorySpanExporter APP_SPANS = InMemorySpanExporter.create();
    private static Arena arena;
    private static SpanContextPublication publication;
    private static MethodSpans methodSpans;
    private static SdkTracerProvider agentSdk;
    private static SdkTracerProvider appSdk;
    private final MethodWork work = new MethodWork();

    @BeforeAll
    static void install() throws Exception {
        Instrumentation inst = ByteBuddyAgent.install();
        publication = new SpanContextPublication();
        ContextStorageHook.of(inst, publication).register();
        arena = Arena.ofShared();
        publication.connect(arena.allocate(SpanSlotLayout.SIZE * 8, 64), SlotListener.NONE);
        new MethodWork(); // loaded before the transformation: exercised through retransformation
        agentSdk = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(METHOD_SPANS)).build();
        appSdk = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(APP_SPANS)).build();
        methodSpans = MethodSpans.install(inst, MethodMatcher.of(List.of(
                new MethodPattern("io.ebpfagent.agent.it.MethodW*", "outer"),
                new MethodPattern("io.ebpfagent.agent.it.MethodWork", "inner"),
                new MethodPattern("io.ebpfagent.agent.it.MethodWork", "fail"),
                new MethodPattern("io.ebpfagent.agent.it.MethodWork", "recurse"))),
                agentSdk.get("test-methods"), publication);
    }

    @AfterAll
    static void uninstall() {
        if (methodSpans != null) {
            methodSpans.close();
        }
        publication.disconnect();
        arena.close();
    }

    @BeforeEach
    void reset() {
        METHOD_SPANS.reset();
        APP_SPANS.reset();
        publication.publish(0, 0, 0, 0);
    }

    private static SpanIds published() {
        SpanIds ids = new SpanIds();
        publication.readCurrent(ids);
        return ids;
    }

    private static boolean isPublished(SpanContext span, SpanIds ids) {
        return ids.valid() && String.format("%016x%016x", ids.traceHigh(), ids.traceLow()).equals(span.getTraceId())
                && String.format("%016x", ids.spanId()).equals(span.getSpanId());
    }

    private static SpanData named(String name) {
        return METHOD_SPANS.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + METHOD_SPANS.getFinishedSpanItems()));
    }

    @Test
    void nestedMethodsFormAChainAndTheInnermostIsPublished() {
        List<SpanIds> inside = new ArrayList<>();
        work.outer(() -> inside.add(published()));
        assertThat(methodSpans.instrumentedClasses()).isEqualTo(1);

        SpanData outer = named("MethodWork.outer");
        SpanData inner = named("MethodWork.inner");
        assertThat(outer.getParentSpanContext().isValid()).as("root: nothing was current").isFalse();
        assertThat(inner.getParentSpanId()).isEqualTo(outer.getSpanId());
        assertThat(inner.getTraceId()).isEqualTo(outer.getTraceId());
        assertThat(inner.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.INTERNAL);
        assertThat(inner.getAttributes().asMap()).containsEntry(MethodSpanTracker.CODE_NAMESPACE, MethodWork.class.getName())
                .containsEntry(MethodSpanTracker.CODE_FUNCTION, "inner")
                .containsEntry(MethodSpanTracker.THREAD_NAME, Thread.currentThread().getName())
                .containsEntry(MethodSpanTracker.THREAD_ID, Thread.currentThread().threadId());
        assertThat(isPublished(inner.getSpanContext(), inside.get(0))).as("published inside: " + inside.get(0)).isTrue();
        assertThat(published().valid()).as("restored after the outermost method").isFalse();
    }

    @Test
    void uninstrumentedMethodsGetNoSpan() {
        work.plain(() -> { });
        assertThat(METHOD_SPANS.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void methodSpanIsAChildOfTheApplicationSpanAndRestoresIt() {
        Span app = appSdk.get("app").spanBuilder("request").startSpan();
        List<SpanIds> inside = new ArrayList<>();
        try (Scope scope = app.makeCurrent()) {
            assertThat(isPublished(app.getSpanContext(), published())).as("hook publishes the app span").isTrue();
            work.inner(() -> inside.add(published()));
            assertThat(isPublished(app.getSpanContext(), published())).as("app span restored").isTrue();
        } finally {
            app.end();
        }
        SpanData inner = named("MethodWork.inner");
        assertThat(inner.getTraceId()).isEqualTo(app.getSpanContext().getTraceId());
        assertThat(inner.getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
        assertThat(isPublished(inner.getSpanContext(), inside.get(0))).isTrue();
        assertThat(published().valid()).isFalse();
    }

    @Test
    void applicationSpanInsideAMethodSpanParentsTheNestedMethod() {
        Span[] app = new Span[1];
        work.outer(() -> {
            // The app makes its own span current inside outer(): the next method span follows it.
            app[0] = appSdk.get("app").spanBuilder("inside").startSpan();
            try (Scope scope = app[0].makeCurrent()) {
                work.inner(() -> { });
            } finally {
                app[0].end();
            }
        });
        SpanData inners = METHOD_SPANS.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("MethodWork.inner")).reduce((a, b) -> b).orElseThrow();
        SpanData nested = METHOD_SPANS.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("MethodWork.inner") && s != inners).findFirst().orElseThrow();
        // outer -> inner (with the Runnable) -> app span -> inner (empty)
        assertThat(nested.getParentSpanId()).isEqualTo(app[0].getSpanContext().getSpanId());
        assertThat(inners.getParentSpanId()).isEqualTo(named("MethodWork.outer").getSpanId());
    }

    @Test
    void exceptionsAreRecordedAndStillThrown() {
        assertThatThrownBy(() -> work.fail("boom")).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        SpanData fail = named("MethodWork.fail");
        assertThat(fail.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(fail.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
        assertThat(published().valid()).isFalse();
    }

    @Test
    void deepRecursionIsBoundedAndUnwinds() {
        assertThat(work.recurse(200)).isEqualTo(200);
        assertThat(METHOD_SPANS.getFinishedSpanItems()).hasSize(MethodSpanTracker.MAX_DEPTH);
        assertThat(published().valid()).isFalse();
        work.inner(() -> { });
        assertThat(named("MethodWork.inner").getParentSpanContext().isValid()).as("stack unwound").isFalse();
    }

    @Test
    void virtualThreadsGetSpansToo() throws Exception {
        SpanIds[] inside = new SpanIds[1];
        Thread thread = Thread.ofVirtual().start(() -> work.inner(() -> inside[0] = published()));
        thread.join();
        SpanData inner = named("MethodWork.inner");
        assertThat(inner.getAttributes().asMap()).containsEntry(MethodSpanTracker.THREAD_ID, thread.threadId());
        assertThat(isPublished(inner.getSpanContext(), inside[0])).isTrue();
    }
}
