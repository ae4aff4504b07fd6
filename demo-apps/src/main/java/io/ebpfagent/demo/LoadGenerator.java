package io.ebpfagent.demo;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load generator for {@link DemoService}: N workers each send a request,
 * wait for the answer, record the latency and send the next, choosing targets by weight from a
 * {@link TrafficMix}. Each worker has its own keep-alive connection ({@link HttpConnection}),
 * requests are encoded once and bodies discarded, and each worker records into its own
 * histograms, so the hot loop shares nothing and the generator costs little CPU next to the
 * service it loads.
 *
 * <p>{@code java -cp demo-apps.jar io.ebpfagent.demo.LoadGenerator --url=http://localhost:8080
 * --concurrency=8 --duration=30s} (see {@link LoadOptions}); prints a table and {@code RESULT}
 * lines, exits 1 when nothing was measured or more than 1% of the requests failed, 2 on bad
 * arguments.
 */
public final class LoadGenerator {
    private static final int MAX_ERRORS_PRINTED = 5;

    private final LoadOptions options;
    private final byte[][] requests;
    private final URI[] uris;
    /** Index into the endpoint list for each request. */
    private final int[] endpointOf;
    /** Cumulative weights: target i is chosen for a draw in [cumulative[i-1], cumulative[i]). */
    private final int[] cumulative;
    private final List<String> endpoints;
    private final AtomicInteger errorsPrinted = new AtomicInteger();

    private LoadGenerator(LoadOptions options) {
        this.options = options;
        List<TrafficMix.Target> targets = options.mix().targets();
        this.endpoints = options.mix().endpoints();
        this.requests = new byte[targets.size()][];
        this.uris = new URI[targets.size()];
        this.endpointOf = new int[targets.size()];
        this.cumulative = new int[targets.size()];
        int sum = 0;
        for (int i = 0; i < targets.size(); i++) {
            TrafficMix.Target t = targets.get(i);
            uris[i] = URI.create(options.baseUrl() + t.pathAndQuery());
            requests[i] = HttpConnection.request(uris[i]);
            endpointOf[i] = endpoints.indexOf(t.endpoint());
            sum += t.weight();
            cumulative[i] = sum;
        }
    }

    /** Runs the load to completion and returns what was measured. */
    public static LoadReport run(LoadOptions options) throws InterruptedException {
        return new LoadGenerator(options).execute();
    }

    private LoadReport execute() throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + options.warmup().toNanos();
        long deadline = options.byRequestCount() ? Long.MAX_VALUE : measureFrom + options.duration().toNanos();
        AtomicLong remaining = new AtomicLong(options.requests());
        List<Worker> workers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < options.concurrency(); w++) {
            Worker worker = new Worker(measureFrom, deadline, remaining);
            workers.add(worker);
            threads.add(Thread.ofPlatform().name("load-worker-" + (w + 1)).start(worker));
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt);
            throw e;
        }
        long end = System.nanoTime();
        return report(workers, Duration.ofNanos(Math.max(1, end - Math.min(measureFrom, end))));
    }

    private LoadReport report(List<Worker> workers, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        List<LoadReport.EndpointResult> results = new ArrayList<>();
        LatencyHistogram all = new LatencyHistogram();
        long allErrors = 0;
        for (int e = 0; e < endpoints.size(); e++) {
            LatencyHistogram merged = new LatencyHistogram();
            long errors = 0;
            for (Worker w : workers) {
                merged.merge(w.latencies[e]);
                errors += w.errors[e];
            }
            all.merge(merged);
            allErrors += errors;
            results.add(result(endpoints.get(e), merged, errors, seconds));
        }
        return new LoadReport(results, result(LoadReport.ALL, all, allErrors, seconds), elapsed);
    }

    private static LoadReport.EndpointResult result(String name, LatencyHistogram h, long errors, double seconds) {
        return new LoadReport.EndpointResult(name, h.count(), errors, h.count() / seconds,
                h.percentileMicros(50) / 1000.0, h.percentileMicros(99) / 1000.0, h.maxMicros() / 1000.0);
    }

    private int pick(int draw) {
        for (int i = 0; i < cumulative.length; i++) {
            if (draw < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    private final class Worker implements Runnable {
        private final long measureFrom;
        private final long deadline;
        private final AtomicLong remaining;
        final LatencyHistogram[] latencies;
        final long[] errors;

        Worker(long measureFrom, long deadline, AtomicLong remaining) {
            this.measureFrom = measureFrom;
            this.deadline = deadline;
            this.remaining = remaining;
            this.latencies = new LatencyHistogram[endpoints.size()];
            for (int i = 0; i < latencies.length; i++) {
                latencies[i] = new LatencyHistogram();
            }
            this.errors = new long[endpoints.size()];
        }

        @Override
        public void run() {
            try (HttpConnection connection = new HttpConnection(options.baseUrl(), options.timeout())) {
                loop(connection);
            }
        }

        private void loop(HttpConnection connection) {
            int totalWeight = cumulative[cumulative.length - 1];
            while (!Thread.currentThread().isInterrupted()) {
                long begin = System.nanoTime();
                boolean recording = begin >= measureFrom;
                if (recording) {
                    if (begin >= deadline) {
                        return;
                    }
                    if (options.byRequestCount() && remaining.getAndDecrement() <= 0) {
                        return;
                    }
                }
                int target = pick(ThreadLocalRandom.current().nextInt(totalWeight));
                boolean ok;
                try {
                    int status = connection.get(requests[target]);
                    ok = status == 200;
                    if (!ok) {
                        reportError(target, "HTTP " + status);
                    }
                } catch (IOException e) {
                    ok = false;
                    reportError(target, e.toString());
                }
                if (recording) {
                    int endpoint = endpointOf[target];
                    latencies[endpoint].record((System.nanoTime() - begin) / 1000);
                    if (!ok) {
                        errors[endpoint]++;
                    }
                }
            }
        }
    }

    private void reportError(int target, String what) {
        if (errorsPrinted.getAndIncrement() < MAX_ERRORS_PRINTED) {
            System.err.println("load: " + uris[target] + " failed: " + what);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("load: " + e.getMessage());
            System.err.println("usage: LoadGenerator [--url=http://localhost:8080] [--concurrency=8]"
                    + " [--duration=30s | --requests=N] [--warmup=0s] [--mix=" + TrafficMix.DEFAULT_SPEC + "]"
                    + " [--timeout=30s]");
            System.exit(2);
            return;
        }
        System.out.println("load: " + options.baseUrl() + " concurrency=" + options.concurrency()
                + (options.byRequestCount() ? " requests=" + options.requests() : " duration=" + options.duration())
                + (options.warmup().isZero() ? "" : " warmup=" + options.warmup())
                + " mix=" + options.mix().targets().stream()
                        .map(t -> t.pathAndQuery() + ":" + t.weight()).toList());
        LoadReport report = run(options);
        System.out.print(report.format());
        System.out.flush();
        if (report.failed()) {
            System.err.printf(java.util.Locale.ROOT, "load: FAILED: %d of %d requests failed%n",
                    report.total().errors(), report.total().count());
            System.exit(1);
        }
    }
}
