package io.ebpfagent.demo;

import java.time.Duration;

/**
 * {@code /lock?ms=20}: enters one monitor shared by all requests of the service and holds it for
 * ms, so concurrent requests queue on monitor entry (HotSpot monitor contention, futex waits on
 * platform threads, parked virtual threads since JDK 24).
 */
public final class LockEndpoint implements Endpoint {
    private final Object monitor = new Object();
    private long holders;

    @Override
    public String path() {
        return "/lock";
    }

    @Override
    public Json handle(Query query) throws InterruptedException {
        long ms = query.longParam("ms", 20, 0, 60_000);
        long requested = System.nanoTime();
        long acquired;
        long released;
        long order;
        synchronized (monitor) {
            acquired = System.nanoTime();
            order = ++holders;
            Thread.sleep(Duration.ofMillis(ms));
            released = System.nanoTime();
        }
        return new Json()
                .put("requested_ms", ms)
                .put("waited_ms", (acquired - requested) / 1e6)
                .put("held_ms", (released - acquired) / 1e6)
                .put("holder_number", order);
    }
}
