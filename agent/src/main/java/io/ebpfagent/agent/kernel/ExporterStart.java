package io.ebpfagent.agent.kernel;

import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadNames;
import io.ebpfagent.otel.export.ExporterConfig;
import io.ebpfagent.otel.export.ExporterSetup;

/**
 * The exporters' setup on a daemon thread of its own ({@code ebpf-agent-exporter-init}), so that
 * the probes load and attach meanwhile: class loading and channel setup of the OTLP/gRPC
 * exporters and the Prometheus server take longer than loading every probe.
 */
final class ExporterStart {
    private final Thread thread;
    private volatile KernelTelemetry telemetry;
    private volatile Throwable failure;

    private ExporterStart(ExporterConfig config, ThreadNames names) {
        // An anonymous class, not a lambda: no LambdaMetafactory bootstrap on the startup path.
        thread = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    telemetry = ExporterSetup.create(config, names);
                } catch (Throwable t) {
                    failure = t;
                }
            }
        }, "ebpf-agent-exporter-init");
        thread.setDaemon(true);
    }

    /** Starts setting the exporters up. */
    static ExporterStart begin(ExporterConfig config, ThreadNames names) {
        ExporterStart start = new ExporterStart(config, names);
        start.thread.start();
        return start;
    }

    /**
     * The exporters, once set up; rethrows what made the setup fail. Waits without a limit: the
     * setup itself is bounded (it connects nothing; exports happen later, on their own threads).
     */
    KernelTelemetry await() throws InterruptedException {
        thread.join();
        Throwable t = failure;
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
        return telemetry;
    }
}
