package io.ebpfagent.agent.context;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the span-context bridge into every class loader that loads the application's
 * OpenTelemetry context API. A transformer that changes no bytes watches for
 * {@code io/opentelemetry/context/LazyStorage}: that class is loaded right before the context
 * storage is created, which is the last moment {@code ContextStorage.addWrapper} is honoured.
 * The bridge class is defined into the package {@code io.opentelemetry.context} of that loader.
 */
public final class ContextStorageHook implements ClassFileTransformer {
    /** Lazy, so that registering in premain does not initialize logging. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ContextStorageHook.class);
    }

    private final Instrumentation instrumentation;
    private final Supplier<MethodHandle> sinkFactory;
    private volatile MethodHandle sink;
    private volatile byte[] bridge;
    private final Set<ClassLoader> installed = ConcurrentHashMap.newKeySet();
    private volatile int installations;

    /**
     * @param sinkFactory the {@code (String, String, int) void} publication target; created on the
     *                    first installation, not in premain (method-handle creation is slow cold)
     */
    public ContextStorageHook(Instrumentation instrumentation, Supplier<MethodHandle> sinkFactory) {
        this.instrumentation = instrumentation;
        this.sinkFactory = sinkFactory;
    }

    /** Registers the transformer: from now on, every loader's first context-storage use is hooked. */
    public void register() {
        instrumentation.addTransformer(this, false);
    }

    /** Stops hooking new class loaders (bridges already installed stay, publishing nothing once disconnected). */
    public void unregister() {
        instrumentation.removeTransformer(this);
    }

    /** Logs class loaders whose context storage was initialized before the hook (dynamic attach). */
    public void reportMissedLoaders() {
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            if (loaded.getName().equals(OtelNames.LAZY_STORAGE) && !installed.contains(loaded.getClassLoader())) {
                Log.LOG.warn("span context: OpenTelemetry context storage of {} was initialized before the agent; "
                        + "its spans are not correlated (put -javaagent:ebpf-agent.jar first)",
                        loaded.getClassLoader());
            }
        }
    }

    /** How many class loaders got the bridge. */
    public int installations() {
        return installations;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefining,
            ProtectionDomain domain, byte[] classfile) {
        if (redefining == null && OtelNames.LAZY_STORAGE_INTERNAL.equals(className)) {
            install(loader);
        }
        return null;
    }

    /** Defines the bridge into {@code loader} and registers it as a context-storage wrapper. */
    public synchronized boolean install(ClassLoader loader) {
        if (loader == null || !installed.add(loader)) {
            return false;
        }
        try {
            Class<?> storage = Class.forName(OtelNames.CONTEXT_STORAGE, false, loader);
            openTo(storage.getModule());
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(storage, MethodHandles.lookup());
            if (bridge == null) {
                bridge = readBridge();
                sink = sinkFactory.get();
            }
            Class<?> bridgeClass;
            try {
                bridgeClass = lookup.defineClass(bridge);
            } catch (LinkageError alreadyDefined) {
                bridgeClass = Class.forName(OtelNames.BRIDGE, false, loader);
            }
            bridgeClass.getMethod("install", MethodHandle.class).invoke(null, sink);
            installations++;
            Log.LOG.debug("span context: bridge installed in {}", loader);
            return true;
        } catch (Throwable t) {
            Log.LOG.warn("span context: cannot hook OpenTelemetry context storage of {}: {}", loader, t.toString());
            return false;
        }
    }

    private void openTo(Module target) {
        Module self = ContextStorageHook.class.getModule();
        if (target.isNamed() && !target.isOpen(OtelNames.CONTEXT_PACKAGE, self)) {
            instrumentation.redefineModule(target, Set.of(), Map.of(),
                    Map.of(OtelNames.CONTEXT_PACKAGE, Set.of(self)), Set.of(), Map.of());
        }
    }

    private static byte[] readBridge() {
        try (InputStream in = ContextStorageHook.class.getResourceAsStream(OtelNames.BRIDGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bridge class missing from the agent: " + OtelNames.BRIDGE_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bridge class", e);
        }
    }
}
