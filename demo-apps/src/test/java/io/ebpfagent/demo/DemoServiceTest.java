package io.ebpfagent.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every endpoint over real sockets, once on platform workers and once on virtual threads. */
class DemoServiceTest {
    @TempDir
    Path fileDir;

    private DemoService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private int start(ExecutorMode mode) throws Exception {
        service = DemoService.start(new ServiceOptions(0, mode, 0, 8, Optional.empty(), fileDir));
        return service.port();
    }

    private static void assertServedBy(Http.Response r, ExecutorMode mode) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        if (mode == ExecutorMode.VIRTUAL) {
            assertThat(r.string("thread")).startsWith("http-vthread-");
            assertThat(r.bool("virtual")).isTrue();
        } else {
            assertThat(r.string("thread")).startsWith("http-worker-");
            assertThat(r.bool("virtual")).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void cpuBurnsForTheRequestedTime(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response r = Http.get(port, "/cpu?ms=50");
        assertServedBy(r, mode);
        assertThat(r.number("burned_ms")).isGreaterThanOrEqualTo(50);
        assertThat(r.integer("sha256_rounds")).isPositive();
        assertThat(r.string("digest")).hasSize(16);
        assertThat(r.millis()).isGreaterThanOrEqualTo(50);
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void cpuWithRoundsDoesExactlyThatMuchWork(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response first = Http.get(port, "/cpu?rounds=300");
        Http.Response second = Http.get(port, "/cpu?rounds=300&ms=1");
        assertServedBy(first, mode);
        assertThat(first.integer("sha256_rounds")).isEqualTo(300);
        assertThat(second.integer("sha256_rounds")).isEqualTo(300);
        // the chain is deterministic, so the same amount of work ends in the same digest
        assertThat(second.string("digest")).isEqualTo(first.string("digest"));
        assertThat(Http.get(port, "/cpu?rounds=301").string("digest")).isNotEqualTo(first.string("digest"));
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void sleepTakesAtLeastTheRequestedTime(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response r = Http.get(port, "/sleep?ms=100");
        assertServedBy(r, mode);
        assertThat(r.number("slept_ms")).isGreaterThanOrEqualTo(100);
        assertThat(r.millis()).isGreaterThanOrEqualTo(100);
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void concurrentLockRequestsSerialize(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Callable<Http.Response> lock = () -> Http.get(port, "/lock?ms=200");
        long start = System.nanoTime();
        Http.Response a;
        Http.Response b;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Http.Response> fa = pool.submit(lock);
            Future<Http.Response> fb = pool.submit(lock);
            a = fa.get();
            b = fb.get();
        }
        long totalMs = (System.nanoTime() - start) / 1_000_000;
        assertServedBy(a, mode);
        assertServedBy(b, mode);
        assertThat(totalMs).isGreaterThanOrEqualTo(400);
        assertThat(a.number("held_ms")).isGreaterThanOrEqualTo(200);
        assertThat(b.number("held_ms")).isGreaterThanOrEqualTo(200);
        // The second holder queued on the monitor for (nearly) the whole of the first one's hold.
        assertThat(Math.max(a.number("waited_ms"), b.number("waited_ms"))).isGreaterThanOrEqualTo(150);
        assertThat(a.integer("holder_number")).isNotEqualTo(b.integer("holder_number"));
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void fileWritesSyncsReadsAndDeletes(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response r = Http.get(port, "/file?kb=256");
        assertServedBy(r, mode);
        assertThat(r.integer("bytes_written")).isEqualTo(256 * 1024);
        assertThat(r.integer("bytes_read")).isEqualTo(256 * 1024);
        assertThat(r.bool("deleted")).isTrue();
        try (Stream<Path> left = Files.list(fileDir)) {
            assertThat(left).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void downstreamRoundTripsThroughTheInProcessEcho(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response r = Http.get(port, "/downstream?n=3");
        assertServedBy(r, mode);
        assertThat(r.integer("round_trips")).isEqualTo(3);
        assertThat(r.integer("bytes_each_way")).isEqualTo(3 * 64);
        assertThat(r.string("downstream")).endsWith(":" + service.downstream().getPort());

        Http.Response big = Http.get(port, "/downstream?n=5&bytes=100000");
        assertThat(big.status()).as(big.body()).isEqualTo(200);
        assertThat(big.integer("bytes_each_way")).isEqualTo(500_000);
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void allocAllocatesTheRequestedAmount(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response r = Http.get(port, "/alloc?mb=64");
        assertServedBy(r, mode);
        assertThat(r.integer("allocated_bytes")).isEqualTo(64L * 1024 * 1024);
        assertThat(r.integer("arrays")).isEqualTo(64L * 1024 * 1024 / 8192);
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void healthAndStatsCountRequests(ExecutorMode mode) throws Exception {
        int port = start(mode);
        assertServedBy(Http.get(port, "/health"), mode);
        assertThat(Http.get(port, "/health").string("status")).isEqualTo("UP");
        Http.get(port, "/sleep?ms=1");
        Http.Response stats = Http.get(port, "/stats");
        assertServedBy(stats, mode);
        assertThat(Http.requestsServed(stats, "/health")).isEqualTo(2);
        assertThat(Http.requestsServed(stats, "/sleep")).isEqualTo(1);
        assertThat(Http.requestsServed(stats, "/cpu")).isZero();
        assertThat(service.stats().requests("/stats")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = ExecutorMode.class, names = {"PLATFORM", "VIRTUAL"})
    void badRequestsAreRejectedAndCountedAsErrors(ExecutorMode mode) throws Exception {
        int port = start(mode);
        Http.Response badNumber = Http.get(port, "/sleep?ms=abc");
        assertThat(badNumber.status()).isEqualTo(400);
        assertThat(badNumber.string("error")).contains("ms must be an integer");
        assertThat(Http.get(port, "/sleep?ms=-5").status()).isEqualTo(400);
        assertThat(Http.get(port, "/file?kb=99999999").status()).isEqualTo(400);
        assertThat(Http.get(port, "/nope").status()).isEqualTo(404);
        // Exact paths only: the root context must not route /cpuX to /cpu.
        assertThat(Http.get(port, "/cpuX").status()).isEqualTo(404);
        assertThat(service.stats().errors("/sleep")).isEqualTo(2);
        assertThat(service.stats().errors("unknown")).isEqualTo(2);
    }

    @org.junit.jupiter.api.Test
    void allocationTriggersGarbageCollections() throws Exception {
        int port = start(ExecutorMode.PLATFORM);
        // 1 GiB of short-lived arrays exceeds any young generation this test JVM starts with.
        Http.Response r = Http.get(port, "/alloc?mb=1024");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.integer("gc_collections_during")).isPositive();
    }

    @org.junit.jupiter.api.Test
    void bothModeServesPlatformAndVirtualOnTwoPortsWithSharedState() throws Exception {
        start(ExecutorMode.BOTH);
        assertThat(service.listeners()).hasSize(2);
        int platform = service.port(ExecutorMode.PLATFORM);
        int virtual = service.port(ExecutorMode.VIRTUAL);
        assertThat(platform).isNotEqualTo(virtual);
        assertServedBy(Http.get(platform, "/health"), ExecutorMode.PLATFORM);
        assertServedBy(Http.get(virtual, "/health"), ExecutorMode.VIRTUAL);
        assertThat(service.stats().requests("/health")).isEqualTo(2);

        // One monitor behind both listeners: a platform and a virtual request still serialize.
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Http.Response> a = pool.submit(() -> Http.get(platform, "/lock?ms=200"));
            Future<Http.Response> b = pool.submit(() -> Http.get(virtual, "/lock?ms=200"));
            assertThat(a.get().status()).isEqualTo(200);
            assertThat(b.get().status()).isEqualTo(200);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(400);
    }

    @org.junit.jupiter.api.Test
    void downstreamCanBeAnExternalEchoAndFailuresAreReported() throws Exception {
        try (EchoServer echo = EchoServer.startLoopback()) {
            service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.PLATFORM).withDownstream(echo.address()));
            assertThat(service.downstream()).isEqualTo(echo.address());
            Http.Response r = Http.get(service.port(), "/downstream?n=4");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.string("downstream")).endsWith(":" + echo.port());
        }
        service.close();

        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = new InetSocketAddress("127.0.0.1", s.getLocalPort());
        }
        service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.PLATFORM).withDownstream(dead));
        Http.Response failed = Http.get(service.port(), "/downstream?n=1");
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.string("error")).contains("Connect");
        assertThat(service.stats().errors("/downstream")).isEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void closeReleasesThePort() throws Exception {
        int port = start(ExecutorMode.PLATFORM);
        assertThat(Http.get(port, "/health").status()).isEqualTo(200);
        service.close();
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress(port));
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }
}
