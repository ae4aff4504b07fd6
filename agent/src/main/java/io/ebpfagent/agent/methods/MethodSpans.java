package io.ebpfagent.agent.methods;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBootstrapClassLoader;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.ebpfagent.agent.config.ConfigType.MethodPattern;
import io.ebpfagent.agent.context.SpanContextPublication;
import io.ebpfagent.agent.instrument.BootBridges;
import io.ebpfagent.agent.instrument.ClassRemapping;
import io.opentelemetry.api.trace.Tracer;
import java.lang.constant.ClassDesc;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Method-level spans for the methods named in {@code instrumentation.methods} (syntax: {@link MethodMatcher}).
 * A Byte Buddy transformation (retransforming classes already loaded) inlines {@link MethodSpanAdvice}
 * into every matching method; the advice calls {@code java.lang.EbpfAgentMethodSpans}, a copy of
 * {@link MethodSpanBridge} defined into the boot loader, which forwards to a {@link MethodSpanTracker}.
 * The spans come from the tracer given (the exporter's own SDK), so they travel with the kernel spans.
 *
 * <p>{@link #close()} disconnects the bridge (instrumented methods then cost one volatile read) and
 * stops instrumenting newly loaded classes; it does not retransform classes back.
 */
public final class MethodSpans implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MethodSpans.class);
    static final String BOOT_NAME = "java.lang.EbpfAgentMethodSpans";
    private static final String BYTE_BUDDY_SAFE = "net.bytebuddy.safe";

    private final Instrumentation instrumentation;
    private final ResettableClassFileTransformer transformer;
    private final Class<?> bridge;
    private final AtomicInteger instrumented;

    private MethodSpans(Instrumentation instrumentation, ResettableClassFileTransformer transformer, Class<?> bridge,
            AtomicInteger instrumented) {
        this.instrumentation = instrumentation;
        this.transformer = transformer;
        this.bridge = bridge;
        this.instrumented = instrumented;
    }

    /**
     * Installs the method spans, or logs {@code method spans disabled: <reason>} once and returns
     * null; never throws.
     */
    public static MethodSpans tryInstall(Instrumentation inst, List<MethodPattern> patterns, Tracer tracer,
            SpanContextPublication publication) {
        try {
            if (inst == null) {
                throw new IllegalStateException("no Instrumentation (the agent was not started with -javaagent)");
            }
            return install(inst, MethodMatcher.of(patterns), tracer, publication);
        } catch (Throwable t) {
            String message = t.getMessage();
            LOG.warn("method spans disabled: {}", message == null || message.isBlank() ? t.toString() : message);
            LOG.debug("method spans failure", t);
            return null;
        }
    }

    /** Installs the method spans; throws when this JVM does not allow it. */
    public static MethodSpans install(Instrumentation inst, MethodMatcher matcher, Tracer tracer,
            SpanContextPublication publication) throws Exception {
        long begin = System.nanoTime();
        if (matcher.isEmpty()) {
            throw new IllegalArgumentException("no method patterns");
        }
        if (!inst.isRetransformClassesSupported()) {
            throw new IllegalStateException("class retransformation is not supported by this JVM");
        }
        // No sun.misc.Unsafe (it warns on JDK 24+; nothing here injects classes). In the agent jar the
        // relocation renames this property too, so only the agent's own Byte Buddy reads it.
        if (System.getProperty(BYTE_BUDDY_SAFE) == null) {
            System.setProperty(BYTE_BUDDY_SAFE, "true");
        }
        Class<?> bridge = BootBridges.define(inst, MethodSpanBridge.class, BOOT_NAME);

        ClassDesc template = ClassDesc.of(MethodSpanBridge.class.getName());
        byte[] advice = ClassRemapping.redirect(ClassRemapping.bytesOf(MethodSpanAdvice.class), template,
                ClassDesc.of(BOOT_NAME));
        Advice methodAdvice = Advice.to(TypeDescription.ForLoadedType.of(MethodSpanAdvice.class),
                ClassFileLocator.Simple.of(MethodSpanAdvice.class.getName(), advice));

        AtomicInteger instrumented = new AtomicInteger();
        ClassLoader platformLoader = ClassLoader.getPlatformClassLoader();
        // The agent's isolated loader; in tests the agent shares the system loader with the code under test.
        ClassLoader agentLoader = MethodSpans.class.getClassLoader() == ClassLoader.getSystemClassLoader()
                ? null : MethodSpans.class.getClassLoader();
        ResettableClassFileTransformer transformer = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(new Failures(instrumented))
                // JDK and agent classes never: their methods run inside the tracer itself.
                .ignore(nameStartsWith("io.ebpfagent.agent.methods.").or(nameStartsWith("io.ebpfagent.shaded."))
                                .or(isSynthetic()),
                        isBootstrapClassLoader().or(loader -> loader == platformLoader
                                || (agentLoader != null && loader == agentLoader)))
                .type(type -> matcher.matchesType(type.getName()))
                .transform((DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                        JavaModule module, java.security.ProtectionDomain domain) ->
                        builder.visit(methodAdvice.on(methodsOf(type, matcher))))
                .installOn(inst);
        // Connected last: a method entered before this point must not start a span it cannot end.
        MethodSpanTracker tracker = new MethodSpanTracker(tracer, publication);
        bridge.getField("onExit").set(null, (BiConsumer<Object, Throwable>) tracker);
        bridge.getField("onEnter").set(null, (Function<String, Object>) tracker);
        LOG.info("method spans for {}: {} loaded classes instrumented in {} ms", matcher, instrumented.get(),
                io.ebpfagent.agent.log.Millis.since(begin));
        return new MethodSpans(inst, transformer, bridge, instrumented);
    }

    private static ElementMatcher<MethodDescription> methodsOf(TypeDescription type, MethodMatcher matcher) {
        String typeName = type.getName();
        return isMethod().and(not(isAbstract())).and(not(isNative())).and(not(isSynthetic()))
                .and(method -> matcher.matchesMethod(typeName, method.getInternalName()));
    }

    /** How many classes got the advice so far. */
    public int instrumentedClasses() {
        return instrumented.get();
    }

    @Override
    public void close() {
        try {
            bridge.getField("onEnter").set(null, null);
            bridge.getField("onExit").set(null, null);
        } catch (ReflectiveOperationException e) {
            LOG.debug("method spans: disconnecting the bridge failed: {}", e.toString());
        }
        instrumentation.removeTransformer(transformer);
    }

    /** Logs classes that could not be instrumented and counts those that were. */
    private static final class Failures extends AgentBuilder.Listener.Adapter {
        private final AtomicInteger instrumented;

        Failures(AtomicInteger instrumented) {
            this.instrumented = instrumented;
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                DynamicType dynamicType) {
            instrumented.incrementAndGet();
            LOG.debug("method spans: instrumented {}", type.getName());
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            LOG.warn("method spans: cannot instrument {}: {}", typeName, error.toString());
        }
    }
}
