package io.ebpfagent.agent.config;

import io.ebpfagent.agent.config.ConfigType.BoolType;
import io.ebpfagent.agent.config.ConfigType.DurationType;
import io.ebpfagent.agent.config.ConfigType.EnumType;
import io.ebpfagent.agent.config.ConfigType.GroupPattern;
import io.ebpfagent.agent.config.ConfigType.GroupPatternType;
import io.ebpfagent.agent.config.ConfigType.IntType;
import io.ebpfagent.agent.config.ConfigType.ListType;
import io.ebpfagent.agent.config.ConfigType.MapType;
import io.ebpfagent.agent.config.ConfigType.MethodPattern;
import io.ebpfagent.agent.config.ConfigType.MethodPatternType;
import io.ebpfagent.agent.config.ConfigType.StringType;
import io.ebpfagent.agent.config.ConfigType.UrlType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every configuration key of the agent, in documentation order. This class is the single source
 * of truth: the loader validates against it and docs/CONFIG.md is generated from it.
 */
public final class ConfigSchema {
    private static final List<ConfigKey<?>> KEYS = new ArrayList<>();

    private static final BoolType BOOL = new BoolType();
    private static final DurationType DURATION = new DurationType(Duration.ZERO);

    /** The probes the agent knows, in documentation order. */
    public static final List<String> PROBES = List.of("sched", "syscalls", "io", "net", "faults", "jvm", "profile");
    private static final List<String> PROBES_ON_BY_DEFAULT = List.of("sched", "jvm", "net", "faults");

    public static final ConfigKey<Boolean> AGENT_ENABLED = key("agent.enabled", BOOL, true,
            "Master switch. When false the agent logs one line and does nothing else.");
    public static final ConfigKey<Integer> AGENT_NICE = key("agent.nice", new IntType(0, 19), 0,
            "Scheduling nice value of the agent's start (loading the probes, setting up the exporters: ~0.8 s "
                    + "of CPU each in a fresh JVM on a slow machine) and of the exporters' threads (OTLP "
                    + "transports, Prometheus server, metric export). 0, the default, runs them at the JVM's "
                    + "priority: the probes attach soonest. 10 lets the application go first while both want "
                    + "the CPU, as while it starts: a Jetty server on a 2-CPU machine listened ~205 ms after "
                    + "it would have without the agent instead of ~300, and the probes attached "
                    + "later (50 ms beside an idle application, more beside a busy one). The thread that "
                    + "reads the probes' events always keeps the JVM's priority.");
    public static final ConfigKey<String> AGENT_LOG_LEVEL = key("agent.log_level",
            new EnumType(List.of("trace", "debug", "info", "warn", "error", "off")), "info",
            "Threshold of the agent's own log, written to stderr as `[ebpf-agent] LEVEL message`. The "
                    + "libraries inside the agent (the exporters and their transports) log through it too; once the "
                    + "JVM exits, they log at `debug` only (ending their threads under a last export makes them "
                    + "complain, which is the expected end of a bounded exit).");

    private static final Map<String, ConfigKey<Boolean>> PROBE_ENABLED = new LinkedHashMap<>();

    static {
        for (String probe : PROBES) {
            PROBE_ENABLED.put(probe, key("probes." + probe + ".enabled", BOOL, PROBES_ON_BY_DEFAULT.contains(probe),
                    probeDescription(probe)));
        }
    }

    public static final ConfigKey<Duration> PROBES_COLLECT_INTERVAL = key("probes.collect_interval",
            new DurationType(Duration.ofMillis(100)), Duration.ofSeconds(5),
            "How often the probes' per-thread kernel maps are read into the metrics. Shorter: fresher values "
                    + "between exports (and for Prometheus scrapes), at one system call per ~100 map entries and read "
                    + "(per entry where the kernel has no batch lookup for the map) and a visit of each thread whose "
                    + "scheduler counters changed. Exited threads keep their map "
                    + "entries (8192 threads per probe, 65536 (thread, syscall) pairs) until they were read; "
                    + "besides this interval the maps are also read after every 512 thread exits the jvm probe "
                    + "reports, so a JVM that starts thousands of threads per second does not fill them.");
    public static final ConfigKey<String> PROBES_BTF_CACHE = key("probes.btf_cache",
            new StringType("a directory, or empty", null), "/var/cache/ebpf-agent",
            "Directory where the index of the kernel's BTF types (where each of its ~130k types starts, and a hash "
                    + "index of their names: ~1.5 MB for a 6.x kernel) is kept for the next JVM on the same kernel, which maps it instead "
                    + "of scanning the types and hashing their names (tens of milliseconds of CPU in a fresh JVM, "
                    + "plus the JIT's work on that code). One file, named after the size and CRC-32 of "
                    + "`/sys/kernel/btf/vmlinux` (files of other kernels are removed) and checked against a CRC-32 "
                    + "of its own; any mismatch means the types are scanned as without it. Created with mode 0700 if "
                    + "missing; used only if owned by the JVM's user and writable by nobody else (the index decides "
                    + "which kernel types the probes are relocated against); an INFO line says why when it cannot be. A JVM "
                    + "not run as root needs a directory of its user here (e.g. under its home). Empty: no file, every "
                    + "start scans.");
    public static final ConfigKey<Duration> SCHED_OFFCPU_THRESHOLD = key("probes.sched.offcpu_threshold", DURATION,
            Duration.ofMillis(10),
            "Off-CPU intervals (blocked, sleeping, preempted) at least this long become span events or spans; "
                    + "shorter ones only count in the histogram.");
    public static final ConfigKey<Boolean> SCHED_CAPTURE_STACKS = key("probes.sched.capture_stacks", BOOL, false,
            "Capture the kernel and user stack of long off-CPU intervals (costs a stack map).");
    public static final ConfigKey<Duration> SYSCALLS_SLOW_THRESHOLD = key("probes.syscalls.slow_threshold", DURATION,
            Duration.ofMillis(10), "System calls at least this long are reported individually.");
    public static final ConfigKey<Integer> SYSCALLS_TOP_N = key("probes.syscalls.top_n", new IntType(0, 1024), 6,
            "System calls named in the metrics: this many, ranked by total time of the application's threads "
                    + "(from the third collection on; a name once given stays); every other call is "
                    + "`syscall.name=other`. 1024 names every call, 0 none.");
    public static final ConfigKey<Boolean> SYSCALLS_BY_THREAD = key("probes.syscalls.by_thread", BOOL, false,
            "Split the system-call metrics by `thread.name` too (a series per thread group and call).");
    public static final ConfigKey<Integer> IO_OPEN_EVENTS_PER_SECOND = key("probes.io.open_events_per_second",
            new IntType(0, 1_000_000), 100,
            "Rate limit of file-open events sent to user space (0: none; open counts are still aggregated).");
    public static final ConfigKey<Duration> NET_CONNECT_THRESHOLD = key("probes.net.connect_threshold", DURATION,
            Duration.ofMillis(50), "TCP connects at least this long (and every failed one) are reported individually, "
                    + "as spans or span events; the connect-latency histogram counts every connect.");
    public static final ConfigKey<Integer> NET_MAX_CONNECTIONS = key("probes.net.max_connections",
            new IntType(64, 1 << 22), 16384,
            "TCP connections of this JVM tracked at once. The kernel allocates the map that tracks them in full "
                    + "when the probe starts: ~140 bytes of kernel memory per connection (2.2 MB at the default), "
                    + "charged to the memory cgroup (container limit) of the JVM, and its setup time is part of "
                    + "the agent's start. Beyond it the least recently active connection is forgotten: its "
                    + "retransmits and resets are no longer attributed.");
    public static final ConfigKey<Duration> JVM_COMPILE_THRESHOLD = key("probes.jvm.compile_threshold", DURATION,
            Duration.ofMillis(1), "JIT compilations at least this long become `jit compilation` spans (with "
                    + "`spans.standalone`: compiler threads run no application span; `spans.min_duration` applies "
                    + "too; without `spans.standalone` the kernel sends no compilation record at all). Only selects "
                    + "the spans: "
                    + "`kernel.jvm.jit.compilations` and `kernel.jvm.jit.compilation.duration` count every compilation, "
                    + "counted in the kernel.");
    public static final ConfigKey<Integer> PROFILE_FREQUENCY_HZ = key("probes.profile.frequency_hz",
            new IntType(1, 1000), 49, "CPU sampling frequency per CPU, in Hz (odd values avoid lockstep with timers).");
    public static final ConfigKey<String> PROFILE_OUTPUT = key("probes.profile.output",
            new StringType("a file path, or empty", null), "",
            "Folded-stacks file (`group;frame;...;frame count`, for flamegraph.pl or speedscope) rewritten every "
                    + "`probes.profile.interval` with the samples of that interval. Empty: no file. Java frames are "
                    + "named only when the JVM runs with `-XX:+PreserveFramePointer`. Each rewrite creates a new file "
                    + "of a random name next to it (exclusively, mode 0600, never through a symbolic link) and renames "
                    + "it over the output; an output path that is a symbolic link is refused.");
    public static final ConfigKey<Duration> PROFILE_INTERVAL = key("probes.profile.interval",
            new DurationType(Duration.ofSeconds(1)), Duration.ofSeconds(30),
            "How often the folded-stacks file is rewritten (and the JVM asked for its JIT perf map).");

    public static final ConfigKey<List<GroupPattern>> THREADS_GROUP_PATTERNS = key("threads.group_patterns",
            new ListType<>(new GroupPatternType(), ";"), List.of(),
            "Thread-name grouping rules, tried in order before the default rule (trailing digits become `*`: "
                    + "`pool-1-thread-7` -> `pool-1-thread-*`). Each item is `{pattern: <regex>, group: <name>}`; "
                    + "the regex must match the whole name. The group may use `$1`-style references.");
    public static final ConfigKey<Boolean> THREADS_GROUP_RUNTIME = key("threads.group_runtime", BOOL, true,
            "Fold the runtime's own threads into four groups after `threads.group_patterns`: `JIT compiler threads` "
                    + "(C1, C2), `GC threads` (`GC Thread#N`, `G1 ...`, ZGC, Shenandoah), `JVM threads` (`VM Thread`, "
                    + "`Finalizer`, `Reference Handler`, `Signal Dispatcher`, `Common-Cleaner`, ...) and `ebpf-agent-*` "
                    + "(this agent). Otherwise each is a group of its own, with its own series of every per-thread "
                    + "metric.");
    public static final ConfigKey<Integer> THREADS_MAX_DISTINCT = key("threads.max_distinct", new IntType(1, 100_000), 200,
            "Upper bound on distinct thread-group names in metric attributes; threads beyond it are reported as `other`.");
    public static final ConfigKey<Duration> THREADS_RESCAN_INTERVAL = key("threads.rescan_interval",
            new DurationType(Duration.ofMillis(100)), Duration.ofSeconds(10),
            "How often the thread registry re-reads thread names and lists the process's threads (neither "
                    + "stops the application). A thread dump, which stops it at a safepoint (~17 ms with 500 threads), "
                    + "follows only when a thread no start event reported has been seen twice, and at most every "
                    + "6th interval.");

    public static final ConfigKey<String> SPANS_MODE = key("spans.mode", new EnumType(List.of("spans", "events", "off")),
            "spans", "How kernel-observed intervals inside an application span are reported: as child `spans`, as "
                    + "span `events`, or `off` (metrics only; span context is then not published to the kernel).");
    public static final ConfigKey<Duration> SPANS_MIN_DURATION = key("spans.min_duration", DURATION, Duration.ofMillis(1),
            "Kernel-derived spans or events shorter than this are dropped.");

    public static final ConfigKey<Boolean> SPANS_STANDALONE = key("spans.standalone", BOOL, false,
            "Also export kernel intervals that happened outside any application span, as root spans with thread "
                    + "attributes. Off by default: idle waits of pool threads would flood the trace backend.");

    public static final ConfigKey<Boolean> SPANS_BREAKDOWN = key("spans.breakdown", BOOL, true,
            "Set the kernel time of every application span on it as attributes: `kernel.cpu.time`, "
                    + "`kernel.runqueue.time` and `kernel.wait.{lock,network,disk,sleep,other}.time`, in seconds, "
                    + "summed over every thread the span was current on; with the jvm probe also the overlap with "
                    + "GC pauses and safepoints (`kernel.gc.pause.time`, `kernel.safepoint.time`); the read/write "
                    + "system calls and bytes (`kernel.io.{read,write}.{calls,bytes}`) (docs/SIGNALS.md). Needs "
                    + "the sched probe and `spans.mode` other than off. Can be switched while the JVM runs "
                    + "(README, \"Changing a setting while the JVM runs\").");

    public static final ConfigKey<List<String>> EXPORTER_KIND = key("exporter.kind",
            new ListType<>(new EnumType(List.of("otlp", "prometheus", "logging")), ","), List.of("otlp"),
            "Where telemetry goes; several exporters may be active at once.");
    public static final ConfigKey<String> OTLP_ENDPOINT = key("exporter.otlp.endpoint", new UrlType(), "",
            "OTLP endpoint. Empty: `http://localhost:4317` for grpc, `http://localhost:4318` for http/protobuf. "
                    + "Also set by `OTEL_EXPORTER_OTLP_ENDPOINT`.");
    public static final ConfigKey<String> OTLP_PROTOCOL = key("exporter.otlp.protocol",
            new EnumType(List.of("grpc", "http/protobuf")), "grpc",
            "OTLP transport. Also set by `OTEL_EXPORTER_OTLP_PROTOCOL`.");
    public static final ConfigKey<Map<String, String>> OTLP_HEADERS = key("exporter.otlp.headers", new MapType(true), Map.of(),
            "Headers sent with every OTLP request (e.g. authentication). Also set by `OTEL_EXPORTER_OTLP_HEADERS`.");
    public static final ConfigKey<Integer> PROMETHEUS_PORT = key("exporter.prometheus.port", new IntType(0, 65535), 9464,
            "Port of the Prometheus scrape endpoint (`/metrics`); 0 picks a free port.");
    public static final ConfigKey<String> PROMETHEUS_HOST = key("exporter.prometheus.host",
            new StringType("a host name or IP address", Pattern.compile("[\\w.:\\-\\[\\]]+")), "127.0.0.1",
            "Address the Prometheus endpoint binds to. The default, loopback, serves this machine only (a "
                    + "Prometheus server or collector running on it). To let another host scrape, bind `0.0.0.0` "
                    + "(every interface) or one interface's address, and set `exporter.prometheus.tls.*` and "
                    + "`exporter.prometheus.basic_auth.*`: the endpoint publishes thread names and system call timings.");
    public static final ConfigKey<String> PROMETHEUS_TLS_KEYSTORE = key("exporter.prometheus.tls.keystore",
            new StringType("a file path, or empty", null), "",
            "PKCS#12 keystore with the endpoint's private key and certificate chain; when set, the endpoint "
                    + "serves HTTPS only (`https://host:port/metrics`). Create one with e.g. `keytool -genkeypair "
                    + "-keyalg EC -storetype PKCS12 -keystore agent.p12 -alias agent -dname CN=host` or `openssl "
                    + "pkcs12 -export -in cert.pem -inkey key.pem -out agent.p12`.");
    public static final ConfigKey<String> PROMETHEUS_TLS_KEYSTORE_PASSWORD = key(
            "exporter.prometheus.tls.keystore_password", new StringType("text (never logged)", null), "",
            "Password of the keystore (and of its key). Prefer the environment variable to a file.");
    public static final ConfigKey<String> PROMETHEUS_BASIC_AUTH_USERNAME = key("exporter.prometheus.basic_auth.username",
            new StringType("text, or empty", null), "",
            "When set, a scrape must carry HTTP basic authentication with this user and the password below "
                    + "(Prometheus: `basic_auth` in the scrape config); others get 401. Over plain HTTP the password "
                    + "crosses the network readable: combine with TLS.");
    public static final ConfigKey<String> PROMETHEUS_BASIC_AUTH_PASSWORD = key("exporter.prometheus.basic_auth.password",
            new StringType("text (never logged)", null), "",
            "Password of the basic authentication user. Prefer the environment variable to a file.");
    public static final ConfigKey<Duration> EXPORTER_INTERVAL = key("exporter.interval",
            new DurationType(Duration.ofMillis(100)), Duration.ofSeconds(60),
            "Metric export interval (push exporters). Also set by `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds).");

    public static final ConfigKey<Duration> EXPORTER_SHUTDOWN_TIMEOUT = key("exporter.shutdown_timeout", DURATION,
            Duration.ofMillis(150),
            "How long the JVM's exit waits for the exporters' final flush (the last metrics and spans). An "
                    + "unreachable or unanswering backend costs the exit at most this; what is not sent by then is "
                    + "lost. A local collector answers in a few milliseconds.");

    public static final ConfigKey<Map<String, String>> RESOURCE_ATTRIBUTES = key("resource.attributes", new MapType(),
            Map.of(), "Extra OpenTelemetry resource attributes. Also set by `OTEL_RESOURCE_ATTRIBUTES`; "
                    + "`OTEL_SERVICE_NAME` sets `service.name`.");

    public static final ConfigKey<List<MethodPattern>> INSTRUMENTATION_METHODS = key("instrumentation.methods",
            new ListType<>(new MethodPatternType(), ","), List.of(),
            "Methods that get a span of their own: `<class>#<method>` with the binary class name, `*` matching any "
                    + "characters (`com.example.*Service#handle*`); constructors, abstract and synthetic methods are "
                    + "skipped. Each span, `Class.method`, is a child of the current application span and the parent "
                    + "of the kernel intervals on its thread, so kernel activity is attributed to methods even without "
                    + "OpenTelemetry instrumentation. Exported with the kernel spans.");

    /** Keys whose values never appear in the agent's log. */
    public static final List<ConfigKey<?>> SECRETS = List.of(OTLP_HEADERS, PROMETHEUS_TLS_KEYSTORE_PASSWORD,
            PROMETHEUS_BASIC_AUTH_PASSWORD);

    /** Environment variables with the agent's prefix that are not configuration keys (used by scripts). */
    public static final List<String> RESERVED_ENV = List.of("EBPF_AGENT_JDK", "EBPF_AGENT_OPTS", "EBPF_AGENT_JAR");

    private ConfigSchema() {
    }

    private static <T> ConfigKey<T> key(String path, ConfigType<T> type, T defaultValue, String description) {
        ConfigKey<T> key = new ConfigKey<>(path, type, defaultValue, description);
        KEYS.add(key);
        return key;
    }

    /**
     * What each probe gives and what it costs: the hooks, what fires them (the whole machine or only
     * this JVM), and the BPF time per run measured by the light-service benchmark
     * (docs/benchmarks.md, `./run bench light`, `kernel.bpf_stats_enabled`, 2-vCPU VM shared with
     * other work: take the figures as ±30%).
     */
    private static String probeDescription(String probe) {
        return switch (probe) {
            case "sched" -> "Scheduler probe: on-/off-CPU time, run-queue latency, context switches and (copied from the "
                    + "task at every switch-out) page faults per thread. Cost: `sched_switch` runs at every context "
                    + "switch of the machine (a switch without a JVM thread leaves after the pid test); nothing runs at "
                    + "wakeups (run-queue waits come from the scheduler's own bookkeeping of each task); "
                    + "`sched_migrate_task` at every migration. On a Jetty `/hello` (~10 us of CPU per request) "
                    + "`sched_switch` took ~100 ns per run and 0.36 of libbpf-tools `runqlat`'s BPF time per context "
                    + "switch in the same window, ~150 ns and 0.41 on a request with 2 ms of CPU and a 5 ms sleep "
                    + "(where JVM threads wake on idle CPUs); switched on and off under one `/hello` JVM the default "
                    + "probes' hooks added 1.5% of CPU per request. Where reading the clock is expensive (a "
                    + "`kvm-clock` guest) ~240 and ~420-800 ns per run; there a context switch of two JVM threads "
                    + "took ~490 ns longer with this probe, of which ~190 any program on `sched_switch` costs and ~90 "
                    + "the clock read (`./run bench-hook-floor`).";
            case "syscalls" -> "System-call probe: counts and latency of system calls per thread. Off by default. "
                    + "Cost: `raw_syscalls` `sys_enter`/`sys_exit` run for every system call of every process of the "
                    + "machine (~60 ns at entry and ~60-100 ns at exit for a call of the JVM, the in-flight call kept "
                    + "in task-local storage; less for other processes' calls, which leave after the pid test; ~10 "
                    + "runs per context switch on the light service), and while "
                    + "they are attached every task of the machine takes the kernel's slower syscall-tracing path: "
                    + "no mechanism here confines that to this JVM: an unrelated process making system calls as fast "
                    + "as it can (dd, one byte per read and write) kept 0.69 of its rate beside an idle JVM with this "
                    + "probe on (docs/benchmarks.md). Switched on and off under one Jetty `/hello` JVM (~10 us of "
                    + "CPU per request), this probe's and the io probe's hooks beside the default ones added ~23% of "
                    + "CPU per request, two thirds of it this probe's. On a `kvm-clock` guest a `getpid` call of the "
                    + "JVM took ~400 ns longer with this probe, of which ~175 any program pair on these hooks costs "
                    + "(`./run bench-hook-floor`).";
            case "io" -> "File and socket I/O probe: bytes, operations and latency per thread by file type (the source "
                    + "of `process.network.io` and `kernel.file.io`); fsync; file opens; storage bytes per thread at "
                    + "the block layer (`block_bio_queue`, the source of `process.disk.io`). Off by default. Cost: "
                    + "raw `sys_enter`/`sys_exit` hooks run for every system call of every process of the machine "
                    + "and leave after the pid test and, for the JVM's other calls, a switch on the call number; "
                    + "the read/write family, openat and fsync of the JVM are timed (~45-75 ns per hook run, 11 runs of "
                    + "each hook per Jetty `/hello` request). While "
                    + "attached every task of the machine takes the syscall-tracing path: an unrelated process's "
                    + "system-call rate was 0.69 of its rate without the agent beside an idle JVM with this probe on "
                    + "(0.56 with the per-call tracepoints it used before; docs/benchmarks.md). With the syscalls "
                    + "probe on too, these two programs run at the end of that probe's (a tail call) instead of on "
                    + "hooks of their own and time the JVM's calls with the clock that probe just read: a 1-byte "
                    + "`write` of the JVM ~185 ns more than with the syscalls probe alone instead of ~480, and "
                    + "other processes' calls leave after the syscalls probe's pid test.";
            case "net" -> "Network probe: TCP connect latency and outcome, retransmits and resets. Cost: "
                    + "`inet_sock_set_state` runs at every TCP state change of the machine (~700-1000 ns per run), "
                    + "`tcp_retransmit_skb`/`tcp_receive_reset`/`tcp_send_reset` at every retransmit and reset of "
                    + "the machine (rare). No hook per socket send or receive: bytes per thread come from the io "
                    + "probe.";
            case "faults" -> "Page-fault probe: minor and major faults per thread. Cost: with the sched probe on, the "
                    + "counts are the sched probe's copy of the task's counters and this probe only hooks major "
                    + "faults (a perf event per CPU: every major fault of the machine, rare); without it also every "
                    + "minor fault of the machine (~160-200 ns per run, about one run per context switch on the "
                    + "light service).";
            case "jvm" -> "HotSpot USDT probe: thread start/stop (Java thread names), GC and safepoint pauses, JIT "
                    + "compilations, monitor contention. Cost: uprobes in libjvm.so attached for this JVM's process "
                    + "only: nothing for other processes; ~8-13 us per hit (a trap into the kernel), fired by thread "
                    + "starts and stops, GC and VM operations (about 4 per young collection) and compilations; not "
                    + "by class loads nor per memory pool (HotSpot's `class__loaded` and `mem__pool__gc__*` probes, "
                    + "whose data the agent does not export, are not attached).";
            case "profile" -> "CPU sampling profiler (perf events) attributing samples to threads and spans. Off by "
                    + "default. Cost: a software cpu-clock event per CPU at `probes.profile.frequency_hz` samples "
                    + "every CPU whatever runs there (machine-wide, but at a fixed rate), ~4-6 us per sample that "
                    + "lands in this JVM (stack walk), less for other processes.";
            default -> throw new IllegalArgumentException(probe);
        };
    }

    /** All keys, in documentation order. */
    public static List<ConfigKey<?>> keys() {
        return Collections.unmodifiableList(KEYS);
    }

    public static Optional<ConfigKey<?>> find(String path) {
        for (ConfigKey<?> key : KEYS) {
            if (key.path().equals(path)) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /** The {@code probes.<name>.enabled} key. */
    public static ConfigKey<Boolean> probeEnabled(String probe) {
        ConfigKey<Boolean> key = PROBE_ENABLED.get(probe);
        if (key == null) {
            throw new IllegalArgumentException("unknown probe '" + probe + "', known: " + PROBES);
        }
        return key;
    }
}
