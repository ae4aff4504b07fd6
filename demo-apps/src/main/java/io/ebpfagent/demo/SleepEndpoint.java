package io.ebpfagent.demo;

import java.time.Duration;

/** {@code /sleep?ms=100}: Thread.sleep, i.e. the thread is off-CPU without holding anything. */
public final class SleepEndpoint implements Endpoint {

    @Override
    public String path() {
        return "/sleep";
    }

    @Override
    public Json handle(Query query) throws InterruptedException {
        long ms = query.longParam("ms", 100, 0, 60_000);
        long start = System.nanoTime();
        Thread.sleep(Duration.ofMillis(ms));
        return new Json()
                .put("requested_ms", ms)
                .put("slept_ms", (System.nanoTime() - start) / 1e6);
    }
}
