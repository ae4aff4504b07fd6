package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.config.AgentConfig;
import io.ebpfagent.agent.config.ConfigSchema;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import io.ebpfagent.probes.BundledObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The part of the probes' start that needs nothing from the agent's core, begun on a thread of
 * its own ({@value #THREAD_NAME}) as soon as the configuration is read: the FFM linker's first
 * downcall (about 100 ms of a cold JVM's wall time, which every system call waits for) and the
 * parse of the enabled probes' objects. Meanwhile the init thread sets up logging, the thread
 * registry and the span-context hooks; when it reaches the probes, each takes its parsed object
 * or parses it itself if the preparation has not got to it (never twice).
 */
final class ProbePreparation {
    static final String THREAD_NAME = "ebpf-agent-prepare";

    /** The order in which {@link KernelComponent} starts the probes, the shared maps (sched's object) first. */
    private static final List<BundledObject> START_ORDER = List.of(BundledObject.SCHED, BundledObject.JVM,
            BundledObject.SYSCALLS, BundledObject.IO, BundledObject.NET, BundledObject.FAULTS, BundledObject.PROFILE);

    private final List<BundledObject> objects;
    private final Thread thread;

    private ProbePreparation(List<BundledObject> objects, List<Runnable> parses, int nice) {
        this.objects = objects;
        this.thread = new Thread(new Runnable() {
            @Override
            public void run() {
                LowPriority.lowerThisThread(nice);
                try {
                    Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
                } catch (Throwable t) {
                    return; // no FFM here: the probes' start reports it
                }
                for (Runnable parse : parses) {
                    parse.run(); // a failure stays in the parked task: the probe's start parses again and reports it
                }
            }
        }, THREAD_NAME);
        thread.setDaemon(true);
    }

    /** Starts preparing the probes {@code config} enables; null when it enables none. */
    static ProbePreparation start(AgentConfig config) {
        List<BundledObject> objects = new ArrayList<>();
        for (BundledObject object : START_ORDER) {
            if (config.probeEnabled(object.objectName())) {
                objects.add(object);
            }
        }
        if (objects.isEmpty()) {
            return null;
        }
        if (!objects.contains(BundledObject.SCHED)) {
            objects.addFirst(BundledObject.SCHED); // the shared maps' definitions come from it
        }
        List<Runnable> parses = new ArrayList<>(objects.size());
        for (BundledObject object : objects) {
            parses.add(object.prepare());
        }
        ProbePreparation preparation = new ProbePreparation(objects, parses, config.get(ConfigSchema.AGENT_NICE));
        preparation.thread.start();
        return preparation;
    }

    /**
     * Drops what a probe that did not start left parsed, so that no object's spec stays on the
     * application's heap. Once every probe has started, {@code waitForThread} first waits for the
     * preparation thread (which has nothing left to do by then unless a probe failed before
     * taking its object); a close, possibly at the JVM's exit, does not wait.
     */
    void discardUnused(boolean waitForThread) {
        if (waitForThread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (BundledObject object : objects) {
            object.discardPrepared();
        }
    }
}
