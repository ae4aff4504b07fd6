package io.ebpfagent.probes;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.usdt.Usdt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jvm.bpf.o}: HotSpot's USDT probes in this JVM's libjvm.so (thread start/stop, GC and
 * memory pools, VM operations, JIT compilations, contended monitors, class loading), all as
 * events; class load counters in .bss.
 */
public final class JvmProbe extends ProbeBase implements Probe {
    private static final Logger LOG = LoggerFactory.getLogger(JvmProbe.class);
    private static final String USDT_PREFIX = "usdt/";

    public record Config(int targetTgid, long gcThresholdNs, long vmopThresholdNs, long compileThresholdNs,
                         long monitorThresholdNs, boolean memPoolEvents, boolean classLoadEvents) {
        public Config {
            Rodata.requireNonNegative("gcThresholdNs", gcThresholdNs);
            Rodata.requireNonNegative("vmopThresholdNs", vmopThresholdNs);
            Rodata.requireNonNegative("compileThresholdNs", compileThresholdNs);
            Rodata.requireNonNegative("monitorThresholdNs", monitorThresholdNs);
        }

        public static Config defaults() {
            return new Config(Probe.currentPid(), 0, 0, 1_000_000L, 10_000L, true, false);
        }
    }

    private final List<String> attached;

    private JvmProbe(Config c, SharedMaps shared, List<String> attached) {
        super(BundledObject.JVM, c.targetTgid(), spec -> {
            Rodata.set(spec, "gc_threshold_ns", c.gcThresholdNs());
            Rodata.set(spec, "vmop_threshold_ns", c.vmopThresholdNs());
            Rodata.set(spec, "compile_threshold_ns", c.compileThresholdNs());
            Rodata.set(spec, "monitor_threshold_ns", c.monitorThresholdNs());
            Rodata.set(spec, "mem_pool_events", c.memPoolEvents());
            Rodata.set(spec, "class_load_events", c.classLoadEvents());
        }, (lo, programs) -> attachUsdt(lo, programs, c.targetTgid(), attached), shared,
                java.util.Map.of("LINUX_HAS_BPF_COOKIE", haveBpfCookie() ? "y" : "n"));
        this.attached = List.copyOf(attached);
    }

    public static JvmProbe start(Config config, SharedMaps shared) {
        return new JvmProbe(config, shared, new ArrayList<>());
    }

    /*
     * usdt.bpf.h asks for LINUX_HAS_BPF_COOKIE, a value libbpf derives from the kernel rather
     * than from its configuration: spec ids come from the cookie when the kernel has
     * bpf_get_attach_cookie for kprobe programs, from the ip map otherwise.
     */
    private static final int BPF_FUNC_GET_ATTACH_COOKIE = 174;

    static boolean haveBpfCookie() {
        try {
            Features.haveProgramHelper(ProgramType.KPROBE, BPF_FUNC_GET_ATTACH_COOKIE);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The libjvm.so of process {@code pid}: the one it maps, else this JVM's java.home one. */
    static Path libjvm(int pid) {
        try {
            return Usdt.libjvmOf(pid > 0 ? pid : Probe.currentPid());
        } catch (LoaderException e) {
            return Usdt.currentLibjvm();
        }
    }

    private static void attachUsdt(LoadedObject lo, List<String> programs, int pid, List<String> attached) {
        Path jvm = libjvm(pid);
        FileDescriptor specs = lo.map("__bpf_usdt_specs").fd();
        FileDescriptor ipToSpec = lo.map("__bpf_usdt_ip_to_spec_id").fd();
        for (String name : programs) {
            ProgramSpec p = lo.spec().program(name);
            String section = p.sectionName();
            if (!section.startsWith(USDT_PREFIX)) {
                throw new IllegalStateException("jvm: no attach rule for program " + name + " in " + section);
            }
            // usdt/<binary>:<provider>:<probe>
            String[] parts = section.substring(USDT_PREFIX.length()).split(":");
            if (parts.length != 3) {
                throw new IllegalStateException("jvm: malformed USDT section " + section);
            }
            try {
                lo.own(Usdt.attach(lo.program(name), specs, ipToSpec, jvm, parts[1], parts[2], pid > 0 ? pid : -1));
                attached.add(parts[2]);
            } catch (LoaderException e) {
                // a JVM build without one of the probes loses that event kind only
                LOG.warn("jvm: probe {}:{} not attached in {}: {}", parts[1], parts[2], jvm, e.getMessage());
            }
        }
    }

    /** The USDT probe names attached (e.g. {@code thread__start}). */
    public List<String> attachedProbes() {
        return attached;
    }

    public long classesLoaded() {
        return loaded.collection().variable("classes_loaded").getLong();
    }

    public long classesLoadedShared() {
        return loaded.collection().variable("classes_loaded_shared").getLong();
    }

    public long classesUnloaded() {
        return loaded.collection().variable("classes_unloaded").getLong();
    }
}
