package io.ebpfagent.agent;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigException;
import io.ebpfagent.agent.config.ConfigLoader;
import io.ebpfagent.agent.config.ConfigSchema;
import io.ebpfagent.agent.config.LiveSettings;
import io.ebpfagent.agent.context.ContextStorageHook;
import io.ebpfagent.agent.context.SpanContextPublication;
import io.ebpfagent.agent.context.SpanContextPublisher;
import io.ebpfagent.agent.context.VirtualThreadSupport;
import io.ebpfagent.agent.exit.HaltHook;
import io.ebpfagent.agent.log.AgentLog;
import io.ebpfagent.agent.log.Failures;
import io.ebpfagent.agent.log.LogLevel;
import io.ebpfagent.agent.log.Millis;
import io.ebpfagent.agent.threads.JavaThreadInfo;
import io.ebpfagent.agent.threads.ThreadGroups;
import io.ebpfagent.agent.threads.ThreadDumps;
import io.ebpfagent.agent.threads.ThreadRegistry;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's lifecycle. {@link #start} runs inside premain and returns fast: it reads the
 * configuration, registers the span-context hook (it must precede the application's first use of
 * OpenTelemetry) and hands everything slow to the daemon thread {@code ebpf-agent-init}: thread
 * registry scan, virtual-thread advice, then the {@link AgentComponent}s. Nothing here throws
 * into the application.
 */
public final class Agent implements AutoCloseable {
    /** Lazy, so that premain does not initialize logging. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    }
    private static volatile Agent current;

    private final AgentContext context;
    private final List<AgentComponent> extraComponents;
    private final List<AgentComponent> started = new ArrayList<>();
    private final CountDownLatch initialized = new CountDownLatch(1);
    private volatile boolean closed;

    private Agent(AgentContext context, List<AgentComponent> extraComponents) {
        this.context = context;
        this.extraComponents = List.copyOf(extraComponents);
    }

    /** premain entry, called reflectively by the bootstrap class. */
    public static void start(String args, Instrumentation inst) {
        start(args, inst, System.nanoTime());
    }

    /**
     * premain entry; {@code premainStartNanos} is when the bootstrap premain began. Only the
     * span-context hook is registered here (it must precede the application's first use of
     * OpenTelemetry); the configuration and everything else load on {@code ebpf-agent-init}.
     */
    public static void start(String args, Instrumentation inst, long premainStartNanos) {
        try {
            SpanContextPublication spanContexts = new SpanContextPublication();
            ContextStorageHook hook = null;
            if (inst != null) {
                hook = ContextStorageHook.of(inst, spanContexts);
                hook.register();
            }
            ContextStorageHook registeredHook = hook;
            long premainNanos = System.nanoTime() - premainStartNanos;
            ConfigWait configWait = new ConfigWait();
            // An anonymous class, not a lambda: no LambdaMetafactory bootstrap inside premain.
            Thread init = new Thread(new Runnable() {
                @Override
                public void run() {
                    boot(args, inst, spanContexts, registeredHook, premainStartNanos, premainNanos, configWait);
                }
            }, "ebpf-agent-init");
            init.setDaemon(true);
            configWait.register();
            init.start();
        } catch (Throwable t) {
            AgentLog.log(LogLevel.ERROR, "agent disabled: " + t, t);
        }
    }

    /**
     * Keeps a JVM that exits before the init thread has read the configuration alive until it
     * has (at most {@link #MAX_WAIT_MS}), so that a configuration error is printed even by a
     * JVM that lives a few hundred milliseconds. Removed as soon as the configuration is read.
     */
    static final class ConfigWait extends Thread {
        static final long MAX_WAIT_MS = 2000;
        private final CountDownLatch read = new CountDownLatch(1);

        ConfigWait() {
            super("ebpf-agent-config-wait");
        }

        void register() {
            try {
                Runtime.getRuntime().addShutdownHook(this);
            } catch (IllegalStateException | SecurityException shuttingDown) {
                // nothing to wait for
            }
        }

        /** The configuration has been read (and any error printed). */
        void done() {
            read.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(this);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to; it returns at once now
            }
        }

        @Override
        public void run() {
            try {
                read.await(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void boot(String args, Instrumentation inst, SpanContextPublication spanContexts,
            ContextStorageHook hook, long premainStartNanos, long premainNanos, ConfigWait configWait) {
        try {
            AgentConfig config;
            try {
                config = ConfigLoader.load(args);
            } catch (ConfigException e) {
                AgentLog.log(LogLevel.ERROR, "configuration error: " + e.getMessage() + "; agent disabled", null);
                unhook(hook);
                return;
            } finally {
                configWait.done();
            }
            AgentLog.setLevel(LogLevel.parse(config.get(ConfigSchema.AGENT_LOG_LEVEL)));
            Log.LOG.info("premain took {} ms (began {} ms after JVM start)", Millis.of(premainNanos),
                    JvmStart.millisSince(premainStartNanos));
            if (!config.enabled()) {
                Log.LOG.info("disabled by agent.enabled=false");
                unhook(hook);
                return;
            }
            Log.LOG.debug("configuration: {}", config.describeNonDefaults());
            boolean spanContext = hook != null && !config.get(ConfigSchema.SPANS_MODE).equals("off");
            if (!spanContext) {
                unhook(hook);
            } else {
                // Copies of the context API loaded before premain (another agent first) are hooked now.
                hook.hookLoaded();
            }
            Agent agent = create(config, inst, spanContexts, List.of());
            agent.initialize(spanContext);
        } catch (Throwable t) {
            configWait.done();
            AgentLog.log(LogLevel.ERROR, "agent disabled: " + Failures.reason(t), t);
        }
    }

    private static void unhook(ContextStorageHook hook) {
        if (hook != null) {
            hook.unregister();
        }
    }

    /**
     * Starts the agent with a ready configuration, initializing on a new {@code ebpf-agent-init}
     * thread. {@code inst} may be null (no span-context hooks). {@code extraComponents} start
     * after the ones found by ServiceLoader.
     */
    public static Agent launch(AgentConfig config, Instrumentation inst, List<AgentComponent> extraComponents) {
        SpanContextPublication spanContexts = new SpanContextPublication();
        boolean spanContext = inst != null && !config.get(ConfigSchema.SPANS_MODE).equals("off");
        if (spanContext) {
            ContextStorageHook hook = ContextStorageHook.of(inst, spanContexts);
            hook.register();
            hook.hookLoaded();
        }
        Agent agent = create(config, inst, spanContexts, extraComponents);
        Thread init = new Thread(() -> agent.initialize(spanContext), "ebpf-agent-init");
        init.setDaemon(true);
        init.start();
        return agent;
    }

    private static Agent create(AgentConfig config, Instrumentation inst, SpanContextPublication spanContexts,
            List<AgentComponent> extraComponents) {
        ThreadRegistry registry = new ThreadRegistry(new ThreadGroups(config.get(ConfigSchema.THREADS_GROUP_PATTERNS),
                config.get(ConfigSchema.THREADS_MAX_DISTINCT), config.get(ConfigSchema.THREADS_GROUP_RUNTIME)),
                ThreadDumps.source(inst));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ebpf-agent-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        Agent agent = new Agent(new AgentContext(config, inst, registry, spanContexts, scheduler), extraComponents);
        current = agent;
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(agent::closeAtExit, "ebpf-agent-shutdown"));
        } catch (IllegalStateException shuttingDown) {
            agent.closeAtExit();
        }
        return agent;
    }

    /**
     * The agent jar loaded into this JVM once more while the agent runs ({@code agentmain}):
     * {@code args} are settings to change now ({@link LiveSettings}). Logs what changed and, for
     * each setting that could not, why. Never throws.
     */
    public static void update(String args) {
        try {
            List<String> problems = new ArrayList<>();
            List<LiveSettings.Change> changes = LiveSettings.parse(args, problems);
            for (String problem : problems) {
                Log.LOG.warn("setting not changed: {}", problem);
            }
            Agent agent = current;
            if (agent == null || agent.closed) {
                if (!changes.isEmpty()) {
                    Log.LOG.warn("settings not changed ({}): the agent is not running", changes);
                }
                return;
            }
            agent.apply(changes);
        } catch (Throwable t) {
            AgentLog.log(LogLevel.WARN, "settings not changed: " + t, t);
        }
    }

    private void apply(List<LiveSettings.Change> changes) {
        List<AgentComponent> running;
        synchronized (started) {
            running = new ArrayList<>(started);
        }
        for (LiveSettings.Change change : changes) {
            boolean used = false;
            for (AgentComponent component : running) {
                try {
                    used |= component.applyLive(change);
                } catch (Throwable t) {
                    used = true;
                    Log.LOG.warn("{} not applied by {}: {}", change, safeName(component), Failures.reason(t));
                }
            }
            if (!used) {
                Log.LOG.warn("{} not applied: no running part of the agent uses it", change);
            }
        }
    }

    /** The running agent, or null. */
    public static Agent current() {
        return current;
    }

    public AgentContext context() {
        return context;
    }

    /** Waits until the init thread has finished (successfully or not). */
    public boolean awaitInitialized(long timeout, TimeUnit unit) throws InterruptedException {
        return initialized.await(timeout, unit);
    }

    private void initialize(boolean spanContext) {
        long begin = System.nanoTime();
        try {
            context.threads().addListener(new ThreadRegistry.Listener() {
                @Override
                public void onRemoved(JavaThreadInfo thread) {
                    SpanContextPublisher publisher = context.spanContexts().publisher();
                    if (publisher != null) {
                        publisher.sweep();
                    }
                }
            });
            schedulePeriodicWork();
            // the probes first: whatever runs before them is time the kernel side does not see
            // (the kernel component scans the threads itself once its probes are attached)
            long scans = context.threads().scans();
            startComponents();
            if (context.threads().scans() == scans) {
                initialScan();
            }
            if (spanContext) {
                VirtualThreadSupport.install(context.instrumentation(), context.spanContexts());
            }
            hookHalt();
            Log.LOG.info("initialized in {} ms: {} threads known, {} components running",
                    Millis.since(begin), context.threads().size(), started.size());
        } catch (Throwable t) {
            Log.LOG.error("initialization failed: {}", t.toString(), t);
        } finally {
            initialized.countDown();
        }
    }

    private void initialScan() {
        try {
            context.threads().rescan();
        } catch (RuntimeException e) {
            Log.LOG.warn("thread registry: initial scan failed: {}", e.toString());
        }
    }

    /**
     * {@code Runtime.halt} runs no shutdown hook, and HotSpot's exit waits up to 300 ms for the
     * components' threads that wait in native code; the hook wakes them first.
     */
    private void hookHalt() {
        try {
            HaltHook.install(context.instrumentation(), this::releaseBeforeHalt);
        } catch (Throwable t) {
            Log.LOG.info("Runtime.halt not hooked ({}): a halt may take up to 300 ms longer", Failures.reason(t));
        }
    }

    /** On the halting thread: each component wakes its threads out of native code. */
    void releaseBeforeHalt() {
        if (closed) {
            return;
        }
        List<AgentComponent> running;
        synchronized (started) {
            running = new ArrayList<>(started);
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).releaseBeforeHalt();
            } catch (Throwable t) {
                // the halt goes on regardless
            }
        }
    }

    private void schedulePeriodicWork() {
        long interval = context.config().get(ConfigSchema.THREADS_RESCAN_INTERVAL).toMillis();
        // a dump (a safepoint) only for a thread no event reported, and not more often than every 6th tick
        long minRescanNanos = TimeUnit.MILLISECONDS.toNanos(interval) * 6;
        context.scheduler().scheduleWithFixedDelay(() -> {
            try {
                context.threads().refresh(minRescanNanos);
                SpanContextPublisher publisher = context.spanContexts().publisher();
                if (publisher != null) {
                    publisher.sweep();
                }
            } catch (RuntimeException e) {
                Log.LOG.debug("thread registry refresh failed: {}", e.toString());
            }
        }, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void startComponents() {
        List<AgentComponent> components = new ArrayList<>();
        try {
            for (AgentComponent component : ServiceLoader.load(AgentComponent.class, Agent.class.getClassLoader())) {
                components.add(component);
            }
        } catch (ServiceConfigurationError e) {
            Log.LOG.warn("component discovery failed: {}", e.toString());
        }
        components.addAll(extraComponents);
        components.sort(Comparator.comparingInt(AgentComponent::order));
        for (AgentComponent component : components) {
            if (closed) {
                return;
            }
            String name = safeName(component);
            try {
                if (!component.enabled(context.config())) {
                    Log.LOG.debug("{} not enabled", name);
                    continue;
                }
                long begin = System.nanoTime();
                component.start(context);
                synchronized (started) {
                    started.add(component);
                }
                Log.LOG.info("{} started in {} ms", name, Millis.since(begin));
            } catch (Throwable t) {
                Log.LOG.warn("{} disabled: {}", name, Failures.reason(t));
                Log.LOG.debug("{} failure", name, t);
                closeQuietly(component, name);
            }
        }
    }

    /** Closes the components in reverse start order and stops the scheduler. Idempotent. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * The shutdown hook's close: each component does only what must precede the end of the
     * process ({@link AgentComponent#closeAtExit()}); the kernel detaches and frees the rest.
     */
    void closeAtExit() {
        long begin = System.nanoTime();
        AgentLog.exiting();
        close(true);
        Log.LOG.debug("shutdown hook took {} ms", Millis.since(begin));
    }

    private void close(boolean atExit) {
        if (closed) {
            return;
        }
        closed = true;
        List<AgentComponent> toClose;
        synchronized (started) {
            toClose = new ArrayList<>(started);
            started.clear();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            closeQuietly(toClose.get(i), safeName(toClose.get(i)), atExit);
        }
        context.spanContexts().disconnect();
        context.scheduler().shutdownNow();
        if (current == this) {
            current = null;
            if (!atExit) {
                HaltHook.uninstall();
            }
        }
    }

    private static void closeQuietly(AgentComponent component, String name) {
        closeQuietly(component, name, false);
    }

    private static void closeQuietly(AgentComponent component, String name, boolean atExit) {
        try {
            if (atExit) {
                component.closeAtExit();
            } else {
                component.close();
            }
        } catch (Throwable t) {
            Log.LOG.debug("{} close failed: {}", name, t.toString());
        }
    }

    private static String safeName(AgentComponent component) {
        try {
            return component.name();
        } catch (RuntimeException e) {
            return component.getClass().getName();
        }
    }
}
