package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.AgentComponent;
import io.ebpfagent.agent.AgentContext;
import io.ebpfagent.agent.JvmStart;
import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigSchema;
import io.ebpfagent.agent.config.LiveSettings;
import io.ebpfagent.agent.context.SlotListener;
import io.ebpfagent.agent.context.KernelTimes;
import io.ebpfagent.agent.context.SpanContextPublisher;
import io.ebpfagent.agent.log.Failures;
import io.ebpfagent.agent.methods.MethodSpans;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.export.ExporterSetup;
import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.NetProbe;
import io.ebpfagent.probes.Probe;
import io.ebpfagent.probes.ProfileProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.ebpfagent.probes.SyscallsProbe;
import io.ebpfagent.probes.events.ProbeEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel side of the agent: the exporter, the maps shared by all probe objects (span
 * context slots), every enabled probe, the event thread and the periodic map collection.
 * Each probe that fails to load or attach is logged once as {@code probe X disabled: reason}
 * and the others run on; without any probe the component fails as a whole (and the agent logs
 * it), leaving the application untouched.
 */
public final class KernelComponent implements AgentComponent {
    private static final Logger LOG = LoggerFactory.getLogger(KernelComponent.class);
    /** Instrumentation scope of the method spans. */
    private static final String METHOD_SCOPE = "io.ebpfagent.methods";

    private final List<Probe> probes = new ArrayList<>();
    private KernelTelemetry telemetry;
    private SharedMaps shared;
    /**
     * Publisher whose per-span kernel times feed the span histograms; null until the breakdown is
     * first on (it drains what is left after it is switched off).
     */
    private volatile SpanContextPublisher breakdowns;
    /** Where the span contexts go; null when spans.mode is off. */
    private volatile SpanContextPublisher spanPublisher;
    private ProbeEvents events;
    private ScheduledFuture<?> collection;
    private AgentContext context;
    private KernelCollector collector;
    private DropMonitor drops;
    private ProfileWriter profileWriter;
    private ScheduledFuture<?> profileWriting;
    private MethodSpans methodSpans;
    private RegistryThreadNames names;
    private JvmProbe jvmProbe;
    private SchedProbe schedProbe;
    private SyscallsProbe syscallsForIo;

    @Override
    public String name() {
        return "kernel probes";
    }

    @Override
    public boolean enabled(AgentConfig config) {
        if (!config.get(ConfigSchema.INSTRUMENTATION_METHODS).isEmpty()) {
            return true; // method spans are exported through this component's telemetry
        }
        for (String probe : ConfigSchema.PROBES) {
            if (config.probeEnabled(probe)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(AgentContext context) throws Exception {
        this.context = context;
        AgentConfig config = context.config();
        long begin = System.nanoTime();
        String btfCache = config.get(ConfigSchema.PROBES_BTF_CACHE);
        int nice = config.get(ConfigSchema.AGENT_NICE);
        names = new RegistryThreadNames(context.threads());
        StartedProbes started = LowPriority.call("ebpf-agent-probe-start", nice,
                new Callable<StartedProbes>() {
                    @Override
                    public StartedProbes call() {
                        return startProbes(config, btfCache);
                    }
                });
        SchedProbe sched = started.sched();
        SyscallsProbe syscalls = started.syscalls();
        IoProbe io = started.io();
        NetProbe net = started.net();
        FaultsProbe faults = started.faults();
        JvmProbe jvm = started.jvm();
        ProfileProbe profile = started.profile();
        long attached = System.nanoTime();
        LOG.info("kernel probes attached in {} ms ({} ms after JVM start)", ms(attached - begin),
                JvmStart.millisSince(attached));
        if (!btfCache.isEmpty()) {
            String status = Btf.kernelIndexCacheStatus();
            if (status != null && status.startsWith("not ")) {
                // the next JVM scans the kernel's types again: say why, once per JVM
                LOG.info("kernel BTF index {} (probes.btf_cache)", status);
            } else {
                LOG.debug("kernel BTF index: {}", status);
            }
        }
        // The exporters (gRPC channels, Prometheus server, SDK: more CPU than all probes together)
        // are set up only now, so that they do not compete with the probes for the CPU of a
        // starting JVM. Nothing is lost meanwhile: the maps count from attach, and the ring
        // buffers keep their records until the event thread, started once the exporters are
        // ready, drains them.
        telemetry = LowPriority.call("ebpf-agent-export-setup", nice, new Callable<KernelTelemetry>() {
            @Override
            public KernelTelemetry call() {
                return ExporterSetup.create(ExporterConfigs.from(config), names);
            }
        });
        LOG.info("exporters ready in {} ms", ms(System.nanoTime() - attached));
        EventBridge bridge = new EventBridge(telemetry, context.threads(), config.get(ConfigSchema.SPANS_STANDALONE),
                config.get(ConfigSchema.NET_CONNECT_THRESHOLD).toNanos());
        events = new ProbeEvents(bridge);
        for (Probe p : probes) {
            events.add(p);
        }
        // every object is loaded: the kernel's types would otherwise stay on the application's
        // heap for the life of the JVM
        Btf.flushKernelCache();
        // threads started while the probes loaded were neither in the first scan nor seen by
        // the jvm probe's thread__start: one more scan closes that window
        context.threads().rescan();
        KernelTelemetry signals = telemetry;
        context.threads().addListener(new io.ebpfagent.agent.threads.ThreadRegistry.Listener() {
            @Override
            public void onRenamed(io.ebpfagent.agent.threads.JavaThreadInfo before,
                                  io.ebpfagent.agent.threads.JavaThreadInfo after) {
                signals.onThreadRenamed(after.tid());
            }
        });
        if (!config.get(ConfigSchema.SPANS_MODE).equals("off")) {
            SpanContextPublisher publisher = context.spanContexts().connect(shared.spanSlots(), new SlotListener() {
                @Override
                public void onSlotAssigned(int tid, int slot) {
                    shared.bindThread(tid, slot);
                }

                @Override
                public void onSlotReleased(int tid, int slot) {
                    shared.unbindThread(tid);
                }
            });
            if (sched != null && ProbeConfigs.spanBreakdown(config)) {
                readBreakdown(publisher, sched);
            }
            spanPublisher = publisher;
        }
        if (!config.get(ConfigSchema.INSTRUMENTATION_METHODS).isEmpty()) {
            // Same SDK as the kernel spans: one pipeline, one resource.
            methodSpans = MethodSpans.tryInstall(context.instrumentation(),
                    config.get(ConfigSchema.INSTRUMENTATION_METHODS), telemetry.sdk().getTracer(METHOD_SCOPE),
                    context.spanContexts());
        }
        if (probes.isEmpty()) {
            if (methodSpans == null) {
                throw new IllegalStateException("no probe could start (see the lines above)");
            }
            LOG.warn("no probe could start (see the lines above); only method spans are exported");
        }
        collector = new KernelCollector(telemetry, bridge, sched, syscalls, io, faults, jvm);
        drops = DropMonitor.of(telemetry, probes, config.get(ConfigSchema.PROBES_COLLECT_INTERVAL));
        // the maps hold cumulative values, so reading them less often loses nothing but freshness;
        // the first read comes at once: it also takes the procfs counters of threads the probes
        // have not seen yet
        long collectMillis = config.get(ConfigSchema.PROBES_COLLECT_INTERVAL).toMillis();
        collection = context.scheduler().scheduleWithFixedDelay(this::collect, 0, collectMillis,
                TimeUnit.MILLISECONDS);
        // exited threads keep their entries until read: many exits read them early
        bridge.onManyExits(() -> {
            try {
                context.scheduler().execute(this::collect);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                // the final collection at close reads them
            }
        });
        LOG.info("kernel probes running: {}", String.join(", ", probes.stream().map(KernelComponent::describe).toList()));
        if (profile != null) {
            startProfileWriter(profile, config);
        }
        if (jvm != null && net != null) {
            LOG.debug("jvm and net probes attached");
        }
    }

    /**
     * {@code spans.breakdown} switched while running: the kernel side first on the way on (so the
     * first scopes read counters that move), last on the way off. Scopes open at the switch are
     * not accounted.
     */
    @Override
    public boolean applyLive(LiveSettings.Change change) {
        if (change.key() != ConfigSchema.SPANS_BREAKDOWN) {
            return false;
        }
        boolean on = (Boolean) change.value();
        SpanContextPublisher publisher = spanPublisher;
        SchedProbe sched = schedProbe;
        if (publisher == null || sched == null) {
            LOG.warn("{} not applied: {}", change, publisher == null ? "spans.mode is off" : "the sched probe is not running");
            return true;
        }
        synchronized (this) {
            if (on == publisher.readsKernelTimes()) {
                LOG.info("spans.breakdown is {} already", on ? "on" : "off");
                return true;
            }
            if (on) {
                sched.setSpanTimes(true);
                readBreakdown(publisher, sched);
            } else {
                publisher.stopKernelTimes();
                sched.setSpanTimes(false);
            }
        }
        LOG.info("spans.breakdown switched {} (scopes open now are not accounted)", on ? "on" : "off");
        return true;
    }

    /** Scopes opened from now on are accounted, their totals drained into the span histograms. */
    private void readBreakdown(SpanContextPublisher publisher, SchedProbe sched) {
        publisher.readKernelTimes(sched.spanTimes(), jvmProbe == null ? null : jvmProbe.pauseClocks());
        breakdowns = publisher;
    }

    /** The probe's name, with how the jvm probe is attached. */
    static String describe(Probe probe) {
        if (probe instanceof JvmProbe jvm) {
            // of the probes this configuration asks for (the class and memory-pool ones it does not)
            return "jvm (" + jvm.attachedProbes().size() + " of "
                    + (jvm.attachedProbes().size() + jvm.missingProbes().size()) + " hotspot probes"
                    + (jvm.missingProbes().isEmpty() ? "" : ", not in this libjvm.so: " + jvm.missingProbes())
                    + (jvm.multiLink() ? ", one uprobe_multi link)" : ", one uprobe per site)");
        }
        if (probe instanceof IoProbe io && io.chained()) {
            return "io (on the syscalls probe's hooks)";
        }
        return probe.name();
    }

    private void startProfileWriter(ProfileProbe profile, AgentConfig config) {
        String output = config.get(ConfigSchema.PROFILE_OUTPUT);
        if (output.isEmpty()) {
            LOG.info("probe profile: samples stay in the kernel map (set probes.profile.output for a folded-stacks file)");
            return;
        }
        // names of its own: the exporter resolves under its lock, this writer outside it (a shared
        // instance would take the two locks in both orders)
        RegistryThreadNames profileNames = new RegistryThreadNames(context.threads());
        profileNames.useKernelNames(jvmProbe == null ? null : jvmProbe::javaThread,
                schedProbe == null ? null : schedProbe::exitedName);
        profileWriter = ProfileWriter.create(profile, Path.of(output), tid -> profileNames.resolve(tid).group());
        long millis = config.get(ConfigSchema.PROFILE_INTERVAL).toMillis();
        profileWriting = context.scheduler().scheduleWithFixedDelay(profileWriter, millis, millis, TimeUnit.MILLISECONDS);
        LOG.info("probe profile: folded stacks to {} every {} ms", output, millis);
    }

    private void collect() {
        try {
            collector.run();
            SpanContextPublisher publisher = breakdowns;
            if (publisher != null) {
                // spans no scope touched for a second are done: one histogram value each
                publisher.drainSpanBreakdowns(1_000_000_000L, (name, route, nanos) ->
                        telemetry.onSpanBreakdown(name, route, KernelTimes.STATE_NAMES, nanos));
            }
            drops.run();
        } catch (RuntimeException e) {
            LOG.warn("kernel data collection failed: {}", e.toString());
        }
    }

    /** The probes {@link #startProbes} started; null for one that is off or could not start. */
    private record StartedProbes(SchedProbe sched, JvmProbe jvm, SyscallsProbe syscalls, IoProbe io, NetProbe net,
                                 FaultsProbe faults, ProfileProbe profile) {
    }

    /** Loads and attaches the enabled probes (on the thread {@link LowPriority} runs it on). */
    private StartedProbes startProbes(AgentConfig config, String btfCache) {
        Btf.cacheKernelIndexIn(btfCache.isEmpty() ? null : java.nio.file.Path.of(btfCache));
        shared = SharedMaps.create();

        SchedProbe sched = (SchedProbe) start("sched", config, null, false);
        JvmProbe jvm = (JvmProbe) start("jvm", config, null, false);
        // with the breakdown on, the syscalls probe counts every call of a span into sched's span_times
        io.ebpfagent.loader.maps.BpfMap spanTimes = sched != null && ProbeConfigs.spanBreakdown(config)
                ? sched.spanTimesMap() : null;
        SyscallsProbe syscalls = (SyscallsProbe) start("syscalls", config, spanTimes, false);
        // with both on, the io probe's system-call programs run from the syscalls probe's
        syscallsForIo = syscalls;
        IoProbe io = (IoProbe) start("io", config, null, false);
        NetProbe net = (NetProbe) start("net", config, null, false);
        FaultsProbe faults = (FaultsProbe) start("faults", config, null, sched != null);
        ProfileProbe profile = (ProfileProbe) start("profile", config, null, false);
        // the kernel keeps what names a thread (Java name from thread__start, comm at exit) until
        // the collector has read the thread's final counters
        jvmProbe = jvm;
        schedProbe = sched;
        names.useKernelNames(jvm == null ? null : jvm::javaThread, sched == null ? null : sched::exitedName);
        return new StartedProbes(sched, jvm, syscalls, io, net, faults, profile);
    }

    /**
     * Starts the probe {@code name} if the configuration enables it; a failure disables it with
     * its reason. A switch rather than a {@code Supplier} lambda per probe: a cold JVM spins a
     * class for every lambda it links, enabled probe or not.
     */
    private Probe start(String name, AgentConfig config, io.ebpfagent.loader.maps.BpfMap spanTimes,
                        boolean schedRunning) {
        if (!config.probeEnabled(name)) {
            return null;
        }
        try {
            Probe probe = switch (name) {
                case "sched" -> SchedProbe.start(ProbeConfigs.sched(config), shared);
                case "jvm" -> JvmProbe.start(ProbeConfigs.jvm(config), shared);
                case "syscalls" -> SyscallsProbe.start(ProbeConfigs.syscalls(config), shared, spanTimes);
                case "io" -> syscallsForIo == null ? IoProbe.start(ProbeConfigs.io(config), shared)
                        : IoProbe.start(ProbeConfigs.io(config), shared, syscallsForIo);
                case "net" -> NetProbe.start(ProbeConfigs.net(config), shared);
                case "faults" -> FaultsProbe.start(ProbeConfigs.faults(config, schedRunning), shared);
                case "profile" -> ProfileProbe.start(ProbeConfigs.profile(config), shared);
                default -> throw new IllegalArgumentException("unknown probe " + name);
            };
            probes.add(probe);
            return probe;
        } catch (Throwable t) {
            LOG.warn("probe {} disabled: {}", name, Failures.reason(t));
            LOG.debug("probe {} failure", name, t);
            return null;
        }
    }

    /**
     * At JVM exit: the last map values, the last profile and the exporters' final flush, on a
     * daemon thread the exit waits for no longer than {@code exporter.shutdown_timeout} in all
     * (an unreachable or unanswering backend, or a slow first collection, cannot hold the exit).
     * Probes, ring buffers and maps are left to the kernel, which releases them when the process
     * ends (detaching them here first would only add the Java side's time to the exit).
     */
    @Override
    public void closeAtExit() {
        long t0 = System.nanoTime();
        Duration budget = context != null ? context.config().get(ConfigSchema.EXPORTER_SHUTDOWN_TIMEOUT)
                : ConfigSchema.EXPORTER_SHUTDOWN_TIMEOUT.defaultValue();
        if (methodSpans != null) {
            methodSpans.close();
        }
        if (collection != null) {
            collection.cancel(false);
        }
        if (profileWriting != null) {
            profileWriting.cancel(false);
        }
        if (events != null) {
            events.stop(); // its thread waits in native code, which would hold the exit
        }
        long stopped = System.nanoTime();
        long[] collected = new long[1];
        CountDownLatch finalData = new CountDownLatch(1);
        AtomicReference<KernelTelemetry.Shutdown> flush = new AtomicReference<>();
        Thread last = new Thread(() -> {
            try {
                if (collector != null) {
                    collector.run(); // the last values before the exporter flushes
                    drops.run();
                }
                collected[0] = System.nanoTime();
                if (profileWriter != null) {
                    profileWriter.run(); // the samples of the last, partial interval
                    profileWriter.cleanUp();
                }
            } catch (RuntimeException e) {
                LOG.debug("final collection failed: {}", e.toString());
            } finally {
                if (telemetry != null) {
                    flush.set(telemetry.shutdown());
                }
                finalData.countDown();
            }
        }, "ebpf-agent-final-export");
        last.setDaemon(true);
        last.start();
        boolean done;
        try {
            done = finalData.await(remaining(t0, budget), TimeUnit.NANOSECONDS)
                    && (flush.get() == null || flush.get().await(Duration.ofNanos(remaining(t0, budget))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        long waited = System.nanoTime();
        if (!done) {
            LOG.warn("exporters: the final collection and export did not finish within {} ms "
                    + "(exporter.shutdown_timeout); exiting without them", budget.toMillis());
            if (telemetry != null) {
                // the I/O threads first, here: waking them is cheap, and HotSpot's exit waits up
                // to 300 ms for a thread still in native code
                telemetry.release();
                // the rest on a thread of its own: ending the transports runs code (and loads classes) the
                // JVM has not run yet, 0.2-0.6 s on a loaded machine, which the exit need not wait
                // for; HotSpot's own wait for threads in native code ends as soon as the I/O
                // threads have left it
                Thread abort = new Thread(telemetry::abort, "ebpf-agent-export-abort");
                abort.setDaemon(true);
                abort.start();
            }
        }
        LOG.debug("closed at exit in {} ms (event thread stopped {} ms, final collection {} ms, waited until {} ms, "
                        + "abort {} ms)", ms(System.nanoTime() - t0), ms(stopped - t0),
                collected[0] == 0 ? "unfinished" : ms(collected[0] - t0), ms(waited - t0), ms(System.nanoTime() - waited));
    }

    /**
     * Before {@code Runtime.halt}: the event thread and the exporters' I/O threads wait in native
     * code, which the halt would wait for; each is woken and ends. Nothing is collected or sent.
     */
    @Override
    public void releaseBeforeHalt() {
        if (events != null) {
            events.stop();
        }
        if (telemetry != null) {
            telemetry.release();
        }
    }

    private static long remaining(long start, Duration budget) {
        return Math.max(0, budget.toNanos() - (System.nanoTime() - start));
    }

    /**
     * Reads the maps a last time, stops the event thread, starts the exporters' final flush,
     * detaches the probes while it runs, then waits for the flush no longer than
     * {@code exporter.shutdown_timeout} from its start.
     */
    @Override
    public void close() {
        long t0 = System.nanoTime();
        if (methodSpans != null) {
            methodSpans.close();
        }
        if (collection != null) {
            collection.cancel(false);
        }
        if (context != null) {
            context.spanContexts().disconnect();
        }
        if (collector != null) {
            try {
                collector.run(); // the last values before the exporter flushes
                drops.run();
            } catch (RuntimeException e) {
                LOG.debug("final collection failed: {}", e.toString());
            }
        }
        long t1 = System.nanoTime();
        if (profileWriting != null) {
            profileWriting.cancel(false);
            profileWriter.run(); // the samples of the last, partial interval
            profileWriter.cleanUp();
        }
        if (events != null) {
            events.close();
        }
        long t2 = System.nanoTime();
        KernelTelemetry.Shutdown flush = telemetry != null ? telemetry.shutdown() : null;
        for (Probe p : probes) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.debug("closing probe {} failed: {}", p.name(), e.toString());
            }
        }
        long t3 = System.nanoTime();
        if (flush != null) {
            Duration budget = context != null ? context.config().get(ConfigSchema.EXPORTER_SHUTDOWN_TIMEOUT)
                    : ConfigSchema.EXPORTER_SHUTDOWN_TIMEOUT.defaultValue();
            if (!flush.await(budget.minusNanos(System.nanoTime() - t2))) {
                LOG.warn("exporters: the final export did not finish within {} ms (exporter.shutdown_timeout); "
                        + "exiting without it", budget.toMillis());
            }
        }
        long t4 = System.nanoTime();
        if (shared != null) {
            shared.close();
        }
        LOG.debug("closed in {} ms: final collection {} ms, events and profile {} ms, probes {} ms, "
                        + "waiting for the exporters {} ms more",
                ms(System.nanoTime() - t0), ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3));
    }

    private static String ms(long nanos) {
        return io.ebpfagent.agent.log.Millis.of(nanos);
    }
}
