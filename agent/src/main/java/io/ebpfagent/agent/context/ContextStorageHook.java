package io.ebpfagent.agent.context;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hooks the OpenTelemetry context storage wherever spans become current: the application's own
 * copy of the context API (OpenTelemetry SDK used directly) and the OpenTelemetry Java agent's
 * shaded copy in the boot loader (every span of the OTel Java agent, and every span of an
 * application whose API calls that agent bridges). For each copy, the bridge class is defined
 * into the copy's package ({@link PackageRelocation} moves it to the shaded package) and the
 * copy's {@code LazyStorage.get()} is rewritten to wrap the storage ({@link StorageGetterRewrite}).
 *
 * <p>Copies loaded after {@link #register()} are rewritten as they load; copies loaded before it
 * (the OTel Java agent's premain ran first) by {@link #hookLoaded()}, through retransformation.
 * So the order of the {@code -javaagent} options does not matter.
 */
public final class ContextStorageHook implements ClassFileTransformer {
    /** Lazy, so that registering in premain does not initialize logging. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ContextStorageHook.class);
    }

    /** One hooked copy: its class loader (null for the boot loader) and package prefix. */
    private record Copy(ClassLoader loader, String prefix) {
        String describe() {
            return prefix.equals(OtelNames.JAVAAGENT_SHADED_PREFIX) ? "the OpenTelemetry Java agent"
                    : "the application (" + loader + ")";
        }
    }

    private final Instrumentation instrumentation;
    private final Supplier<MethodHandle> sinkFactory;
    private final Supplier<MethodHandle> exitFactory;
    private volatile MethodHandle sink;
    private volatile MethodHandle exit;
    private volatile byte[] bridge;
    private final Set<Copy> hooked = new HashSet<>();
    private volatile int installations;

    /**
     * @param sinkFactory the {@code (String, String, int) void} target told about scope opens
     *                    (and closes, when {@code exitFactory} supplies null); created on the first
     *                    installation, not in premain (method-handle creation is slow cold)
     * @param exitFactory the {@code (String, String, int, Object) long[]} target told about scope closes
     *                    (kernel-time breakdown); may supply null
     */
    public ContextStorageHook(Instrumentation instrumentation, Supplier<MethodHandle> sinkFactory,
            Supplier<MethodHandle> exitFactory) {
        this.instrumentation = instrumentation;
        this.sinkFactory = sinkFactory;
        this.exitFactory = exitFactory;
    }

    /** A hook publishing to {@code publication}: span context and the per-span kernel-time breakdown. */
    public static ContextStorageHook of(Instrumentation instrumentation, SpanContextPublication publication) {
        return new ContextStorageHook(instrumentation, new PublicationHandle(publication, false),
                new PublicationHandle(publication, true));
    }

    /**
     * One of {@code publication}'s handles. A class, not two method references: this runs in
     * premain, on the application's main thread, where the first lambda of a JVM loads and runs
     * the lambda metafactory and the class-file API (~30 classes) before the application's
     * {@code main}.
     */
    private static final class PublicationHandle implements Supplier<MethodHandle> {
        private final SpanContextPublication publication;
        private final boolean exit;

        PublicationHandle(SpanContextPublication publication, boolean exit) {
            this.publication = publication;
            this.exit = exit;
        }

        @Override
        public MethodHandle get() {
            return exit ? publication.exitHandle() : publication.sinkHandle();
        }
    }

    /** Registers the transformer: from now on, every copy's storage is hooked as it loads. */
    public void register() {
        instrumentation.addTransformer(this, true);
    }

    /** Stops hooking new copies (bridges already installed stay, publishing nothing once disconnected). */
    public void unregister() {
        instrumentation.removeTransformer(this);
    }

    /**
     * Hooks the copies whose storage class was loaded before {@link #register()}, by
     * retransforming it; returns how many were hooked now.
     */
    public int hookLoaded() {
        List<Class<?>> missed = new ArrayList<>();
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            String prefix = OtelNames.hookedPrefixOfBinary(loaded.getName());
            if (prefix != null && !isHooked(new Copy(loaded.getClassLoader(), prefix))) {
                missed.add(loaded);
            }
        }
        int before = installations;
        for (Class<?> lazyStorage : missed) {
            try {
                instrumentation.retransformClasses(lazyStorage);
            } catch (Throwable t) {
                Log.LOG.warn("span context: cannot hook the OpenTelemetry context storage {} of {}: {}",
                        lazyStorage.getName(), lazyStorage.getClassLoader(), t.toString());
            }
        }
        return installations - before;
    }

    /** How many copies of the context API got the bridge. */
    public int installations() {
        return installations;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefining,
            ProtectionDomain domain, byte[] classfile) {
        String prefix = className == null ? null : OtelNames.hookedPrefixOf(className);
        if (prefix == null) {
            return null;
        }
        Copy copy = new Copy(loader, prefix);
        try {
            // The bridge must exist before the rewritten getter can run: define it first.
            installBridge(copy);
            byte[] rewritten = StorageGetterRewrite.rewrite(classfile, prefix);
            markHooked(copy);
            return rewritten;
        } catch (Throwable t) {
            Log.LOG.warn("span context: cannot hook the OpenTelemetry context storage of {}: {}", copy.describe(),
                    t.toString());
            return null;
        }
    }

    private synchronized boolean isHooked(Copy copy) {
        return hooked.contains(copy);
    }

    private synchronized void markHooked(Copy copy) {
        if (hooked.add(copy)) {
            installations++;
            Log.LOG.info("span context: hooked the OpenTelemetry context storage of {}", copy.describe());
        }
    }

    /** Defines the bridge into the copy's package (unless there already) and connects it to the sink. */
    private synchronized void installBridge(Copy copy) throws Throwable {
        String bridgeName = OtelNames.binary(OtelNames.internal(copy.prefix(), OtelNames.BRIDGE_SIMPLE));
        Class<?> bridgeClass;
        try {
            bridgeClass = Class.forName(bridgeName, false, copy.loader());
        } catch (ClassNotFoundException absent) {
            Class<?> storage = Class.forName(
                    OtelNames.binary(OtelNames.internal(copy.prefix(), OtelNames.CONTEXT_STORAGE_SIMPLE)), false,
                    copy.loader());
            openTo(storage.getModule(), storage.getPackageName());
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(storage, MethodHandles.lookup());
            bridgeClass = lookup.defineClass(PackageRelocation.relocate(bridgeTemplate(), OtelNames.API_PREFIX,
                    copy.prefix() + OtelNames.API_PREFIX));
        }
        if (sink == null) {
            sink = sinkFactory.get();
            exit = exitFactory.get();
        }
        bridgeClass.getMethod("install", MethodHandle.class, MethodHandle.class).invoke(null, sink, exit);
    }

    private void openTo(Module target, String packageName) {
        Module self = ContextStorageHook.class.getModule();
        if (target.isNamed() && !target.isOpen(packageName, self)) {
            instrumentation.redefineModule(target, Set.of(), Map.of(), Map.of(packageName, Set.of(self)), Set.of(),
                    Map.of());
        }
    }

    private byte[] bridgeTemplate() {
        byte[] template = bridge;
        if (template != null) {
            return template;
        }
        try (InputStream in = ContextStorageHook.class.getResourceAsStream(OtelNames.BRIDGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bridge class missing from the agent: " + OtelNames.BRIDGE_RESOURCE);
            }
            template = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bridge class", e);
        }
        bridge = template;
        return template;
    }
}
