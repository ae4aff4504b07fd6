package io.ebpfagent.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The load generator against a real DemoService; its counts must match what the service served. */
class LoadGeneratorTest {
    private DemoService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + service.port());
    }

    @Test
    void durationRunCountsMatchTheServiceStats() throws Exception {
        service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.PLATFORM));
        TrafficMix mix = TrafficMix.parse("/cpu?ms=2:2,/sleep?ms=5:2,/lock?ms=1:1,/file?kb=16:1,/downstream?n=2:2,/alloc?mb=1:1,health:1");
        LoadReport report = LoadGenerator.run(new LoadOptions(url(), 4, Duration.ofSeconds(3), 0,
                Duration.ZERO, mix, Duration.ofSeconds(10)));

        assertThat(report.failed()).isFalse();
        assertThat(report.total().errors()).isZero();
        assertThat(report.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        long sum = 0;
        for (LoadReport.EndpointResult e : report.endpoints()) {
            assertThat(e.count()).as(e.endpoint()).isPositive();
            assertThat(service.stats().requests(e.endpoint())).as(e.endpoint()).isEqualTo(e.count());
            assertThat(e.p50Ms()).isLessThanOrEqualTo(e.p99Ms());
            assertThat(e.p99Ms()).isLessThanOrEqualTo(e.maxMs());
            sum += e.count();
        }
        assertThat(report.total().count()).isEqualTo(sum);
        assertThat(report.total().rps()).isCloseTo(sum / (report.elapsed().toNanos() / 1e9),
                org.assertj.core.api.Assertions.within(0.01));
        // Every /sleep?ms=5 takes at least 5 ms, so its median cannot be below that.
        assertThat(report.endpoint("/sleep").p50Ms()).isGreaterThanOrEqualTo(5.0);
        assertThat(report.format())
                .contains("RESULT endpoint=/cpu count=" + report.endpoint("/cpu").count() + " errors=0 rps=")
                .containsPattern("RESULT endpoint=ALL count=\\d+ errors=0 rps=[0-9.]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+");
    }

    @Test
    void requestCountRunSendsExactlyThatManyOnVirtualThreads() throws Exception {
        service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.VIRTUAL));
        LoadReport report = LoadGenerator.run(new LoadOptions(url(), 5, Duration.ZERO, 203,
                Duration.ZERO, TrafficMix.parse("health:1,/sleep?ms=1:1"), Duration.ofSeconds(10)));
        assertThat(report.total().count()).isEqualTo(203);
        assertThat(service.stats().requests("/health") + service.stats().requests("/sleep")).isEqualTo(203);
        assertThat(report.endpoint("/health").count()).isEqualTo(service.stats().requests("/health"));
    }

    @Test
    void warmupRequestsAreServedButNotReported() throws Exception {
        service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.PLATFORM));
        LoadReport report = LoadGenerator.run(new LoadOptions(url(), 2, Duration.ofMillis(500), 0,
                Duration.ofMillis(500), TrafficMix.parse("/sleep?ms=10"), Duration.ofSeconds(10)));
        long served = service.stats().requests("/sleep");
        assertThat(report.total().count()).isPositive().isLessThan(served);
        // 2 workers x 10 ms per request over 0.5 s measured: about 100, never twice that.
        assertThat(report.total().count()).isLessThanOrEqualTo(110);
    }

    @Test
    void errorsAreCountedAndFailTheRun() throws Exception {
        service = DemoService.start(ServiceOptions.ephemeral(ExecutorMode.PLATFORM));
        LoadReport report = LoadGenerator.run(new LoadOptions(url(), 2, Duration.ZERO, 100,
                Duration.ZERO, TrafficMix.parse("health:1,/nothing-here:1"), Duration.ofSeconds(10)));
        assertThat(report.total().count()).isEqualTo(100);
        assertThat(report.endpoint("/nothing-here").errors()).isEqualTo(report.endpoint("/nothing-here").count()).isPositive();
        assertThat(report.endpoint("/health").errors()).isZero();
        assertThat(report.failed()).isTrue();
        assertThat(service.stats().errors("unknown")).isEqualTo(report.endpoint("/nothing-here").count());
    }

    @Test
    void unreachableServiceIsAllErrors() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LoadReport report = LoadGenerator.run(new LoadOptions(URI.create("http://127.0.0.1:" + port), 1,
                Duration.ZERO, 5, Duration.ZERO, TrafficMix.parse("health"), Duration.ofSeconds(2)));
        assertThat(report.total().count()).isEqualTo(5);
        assertThat(report.total().errors()).isEqualTo(5);
        assertThat(report.failed()).isTrue();
    }
}
