package io.ebpfagent.probes;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.programs.Program;
import java.util.Map;
import java.util.Optional;

/**
 * One started probe object: loaded, configured and attached. Each implementation is started by
 * its static {@code start(config, shared)} factory and exposes its maps through typed,
 * allocation-free reads; {@link #close()} detaches every link and frees the object's maps and
 * programs (the {@link SharedMaps} stay open: they belong to the caller).
 */
public sealed interface Probe extends AutoCloseable
        permits SchedProbe, SyscallsProbe, IoProbe, NetProbe, FaultsProbe, JvmProbe, ProfileProbe {

    /** The object's name, e.g. {@code sched}. */
    String name();

    /** The object's {@code events} ring buffer, empty for objects that only aggregate. */
    Optional<BpfMap> events();

    /**
     * The object's loaded programs by name. Their {@link Program#info()} carries the run time and
     * run count the kernel counts while statistics are enabled
     * ({@link io.ebpfagent.loader.programs.Stats}): the probe's own cost.
     */
    Map<String, Program> programs();

    /** Records the object dropped because its ring buffer was full (its {@code rb_dropped}). */
    long droppedEvents();

    /**
     * From when ({@code System.nanoTime()}'s clock, CLOCK_MONOTONIC like the kernel's) every
     * record the object submits to its ring buffer wakes the reader: the kernel side wakes it
     * only for the first record after a quiet interval or per batch, so records submitted before
     * this time may wait for the reader's next wakeup. {@link Long#MAX_VALUE} when not known.
     */
    long signalledFromNanos();

    @Override
    void close();

    /** The process id of this JVM: the default target of every probe. */
    static int currentPid() {
        return (int) ProcessHandle.current().pid();
    }
}
