package io.ebpfagent.demo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyHistogramTest {

    @Test
    void bucketsAreContiguousMonotonicAndTight() {
        long[] probes = {0, 1, 127, 128, 129, 130, 255, 256, 257, 1_000, 65_535, 65_536, 1_000_000,
                (1L << 40) + 12345, Long.MAX_VALUE / 3, Long.MAX_VALUE};
        for (long v : probes) {
            int i = LatencyHistogram.index(v);
            assertThat(i).isBetween(0, LatencyHistogram.BUCKETS - 1);
            assertThat(LatencyHistogram.upperBound(i)).as("upper of %d", v).isGreaterThanOrEqualTo(v);
            if (i > 0) {
                assertThat(LatencyHistogram.upperBound(i - 1)).as("previous upper of %d", v).isLessThan(v);
            }
            // Relative width of a bucket stays under 1/64.
            assertThat((double) (LatencyHistogram.upperBound(i) - v)).isLessThanOrEqualTo(Math.max(0, v / 64.0));
        }
        int previous = -1;
        for (long v = 0; v < 300_000; v++) {
            int i = LatencyHistogram.index(v);
            assertThat(i).isBetween(previous, previous + 1);
            previous = i;
        }
    }

    @Test
    void percentilesOfAUniformDistribution() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v);
        }
        assertThat(h.count()).isEqualTo(100_000);
        assertThat((double) h.percentileMicros(50)).isCloseTo(50_000, within(50_000 / 64.0));
        assertThat((double) h.percentileMicros(99)).isCloseTo(99_000, within(99_000 / 64.0));
        assertThat(h.percentileMicros(100)).isEqualTo(100_000);
        assertThat(h.maxMicros()).isEqualTo(100_000);
        assertThat(h.meanMicros()).isCloseTo(50_000.5, within(1e-6));
    }

    @Test
    void exactBelow128AndMergeAddsUp() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        for (int i = 0; i < 99; i++) {
            a.record(7);
        }
        b.record(5_000_000);
        assertThat(a.percentileMicros(99)).isEqualTo(7);
        a.merge(b);
        assertThat(a.count()).isEqualTo(100);
        assertThat(a.percentileMicros(99)).isEqualTo(7);
        assertThat(a.percentileMicros(99.5)).isEqualTo(5_000_000);
        assertThat(new LatencyHistogram().percentileMicros(50)).isZero();
    }
}
