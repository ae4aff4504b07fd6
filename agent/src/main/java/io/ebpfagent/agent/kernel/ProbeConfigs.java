package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigSchema;
import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.NetProbe;
import io.ebpfagent.probes.ProfileProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SyscallsProbe;

/** Each probe's settings: its defaults (this JVM as target) overridden by the configuration. */
final class ProbeConfigs {
    private ProbeConfigs() {
    }

    static SchedProbe.Config sched(AgentConfig c) {
        SchedProbe.Config d = SchedProbe.Config.defaults();
        // without standalone spans an interval outside an application span would be dropped by
        // the EventBridge: let the kernel drop it instead of copying it through the ring buffer
        boolean needSpan = !c.get(ConfigSchema.SPANS_STANDALONE) || c.get(ConfigSchema.SPANS_MODE).equals("off");
        return new SchedProbe.Config(d.targetTgid(), c.get(ConfigSchema.SCHED_OFFCPU_THRESHOLD).toNanos(),
                d.involuntaryEvents(), c.get(ConfigSchema.SCHED_CAPTURE_STACKS), d.runqHistograms(), needSpan,
                spanBreakdown(c), d.trackWakeups(), d.runqFromWakeups());
    }

    /** Whether the kernel splits the time of threads with a span slot for the per-span breakdown. */
    static boolean spanBreakdown(AgentConfig c) {
        return c.get(ConfigSchema.SPANS_BREAKDOWN) && !c.get(ConfigSchema.SPANS_MODE).equals("off");
    }

    /**
     * One kernel call, one span: when the io probe is configured, it reports slow calls on
     * regular files (with the path) and slow fsyncs, so the syscalls probe leaves those out.
     */
    static SyscallsProbe.Config syscalls(AgentConfig c) {
        SyscallsProbe.Config d = SyscallsProbe.Config.defaults();
        IoProbe.Config io = io(c);
        boolean ioSpans = c.probeEnabled("io");
        return new SyscallsProbe.Config(d.targetTgid(), c.get(ConfigSchema.SYSCALLS_SLOW_THRESHOLD).toNanos(),
                d.histograms(), d.slowExclude(), ioSpans ? io.slowIoNs() : 0, ioSpans ? io.fsyncThresholdNs() : 0);
    }

    static IoProbe.Config io(AgentConfig c) {
        IoProbe.Config d = IoProbe.Config.defaults();
        return new IoProbe.Config(d.targetTgid(), d.slowIoNs(), d.slowIoTypes(), d.fsyncThresholdNs(),
                c.get(ConfigSchema.IO_OPEN_EVENTS_PER_SECOND), d.histograms());
    }

    static NetProbe.Config net(AgentConfig c) {
        NetProbe.Config d = NetProbe.Config.defaults();
        // The agent exports no accept events, and the accept() syscall hooks would slow every
        // system call of the machine; nor does it export bytes per connection, whose hooks run at
        // every socket send and receive of the machine: accepted connections are adopted when
        // their handshake completes.
        // Every connect is an event (threshold 0): the latency histogram is built from them;
        // probes.net.connect_threshold picks the ones that become intervals (EventBridge).
        // Nor does it read the per-connection table: no conn_stats (kernel memory, and a full LRU
        // evicting at every new connection, since closed entries are removed only by reading them).
        return new NetProbe.Config(d.targetTgid(), d.acceptThresholdNs(), 0, d.retransmitEvents(), d.resetEvents(),
                false, false, false, c.get(ConfigSchema.NET_MAX_CONNECTIONS));
    }

    /**
     * With the sched probe running the fault counts come from its copy of the task's counters at
     * every switch-out, so the minor-fault program (one run per minor fault of any process on the
     * machine) is left out; the major-fault one stays (rare, and it copies both counters).
     */
    static FaultsProbe.Config faults(AgentConfig c, boolean schedRunning) {
        FaultsProbe.Config d = FaultsProbe.Config.defaults();
        return schedRunning ? d.withMinorPeriod(0) : d;
    }

    static JvmProbe.Config jvm(AgentConfig c) {
        JvmProbe.Config d = JvmProbe.Config.defaults();
        // No memory-pool or class-load events: the agent exports neither, and their USDT probes
        // would trap at every collection (inside the pause) and at every class load.
        return new JvmProbe.Config(d.targetTgid(), d.gcThresholdNs(), d.vmopThresholdNs(), compileThresholdNs(c),
                d.monitorThresholdNs(), false, false);
    }

    /**
     * A compilation's record only makes a standalone span (compiler threads run no application
     * span), so without {@code spans.standalone} none is sent: each would wake the event thread
     * to be dropped on arrival. The kernel counts every compilation either way.
     */
    static long compileThresholdNs(AgentConfig c) {
        boolean spans = c.get(ConfigSchema.SPANS_STANDALONE) && !c.get(ConfigSchema.SPANS_MODE).equals("off");
        return spans ? c.get(ConfigSchema.JVM_COMPILE_THRESHOLD).toNanos() : Long.MAX_VALUE;
    }

    static ProfileProbe.Config profile(AgentConfig c) {
        ProfileProbe.Config d = ProfileProbe.Config.defaults();
        return new ProfileProbe.Config(d.targetTgid(), c.get(ConfigSchema.PROFILE_FREQUENCY_HZ), d.userStacks(),
                d.kernelStacks());
    }
}
