package io.ebpfagent.agent.kernel;

import io.ebpfagent.otel.KernelSignals;
import io.ebpfagent.probes.Probe;
import io.ebpfagent.probes.ProfileProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes lost kernel records visible: every probe with an events ring buffer counts the records
 * it could not reserve ({@code rb_dropped}), the profile probe the samples its full sample map
 * could not take ({@code samples_dropped}). Each run hands the totals to the exporter
 * ({@code ebpf_agent.probe.events.dropped}) and, when any grew since the previous run, logs one
 * WARN line naming the probes and how many.
 */
final class DropMonitor implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DropMonitor.class);

    /** One counter of lost records in the kernel. */
    record Source(String probe, String buffer, String meaning, LongSupplier total) {
    }

    private final KernelSignals signals;
    private final List<Source> sources;
    private final long[] last;
    private final Duration interval;

    DropMonitor(KernelSignals signals, List<Source> sources, Duration interval) {
        this.signals = signals;
        this.sources = List.copyOf(sources);
        this.last = new long[sources.size()];
        this.interval = interval;
    }

    /** The counters of {@code probes}. */
    static DropMonitor of(KernelSignals signals, List<? extends Probe> probes, Duration interval) {
        List<Source> sources = new ArrayList<>();
        for (Probe p : probes) {
            if (p.events().isPresent()) {
                sources.add(new Source(p.name(), "ring_buffer", "ring buffer full", p::droppedEvents));
            }
            if (p instanceof ProfileProbe profile) {
                sources.add(new Source(p.name(), "sample_map", "sample map full", profile::samplesDropped));
            }
        }
        return new DropMonitor(signals, sources, interval);
    }

    @Override
    public void run() {
        StringBuilder lost = null;
        for (int i = 0; i < sources.size(); i++) {
            Source s = sources.get(i);
            long total;
            try {
                total = s.total().getAsLong();
            } catch (RuntimeException e) {
                continue; // the probe was closed meanwhile
            }
            signals.onDropped(s.probe(), s.buffer(), total);
            long delta = total - last[i];
            last[i] = total;
            if (delta > 0) {
                lost = lost == null ? new StringBuilder() : lost.append(", ");
                lost.append(s.probe()).append(' ').append(delta).append(" (").append(s.meaning()).append(')');
            }
        }
        if (lost != null) {
            LOG.warn("kernel events lost in the last {} s: {}; they are missing from spans and event metrics "
                    + "(counted in ebpf_agent.probe.events.dropped)", interval.toSeconds() == 0
                    ? String.format("%.1f", interval.toMillis() / 1000.0) : Long.toString(interval.toSeconds()), lost);
        }
    }
}
