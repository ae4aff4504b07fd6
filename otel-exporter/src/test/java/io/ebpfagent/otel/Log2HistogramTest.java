package io.ebpfagent.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Log2HistogramTest {
    /** Every value lands in the same OTel bucket whether bucketed directly or via its log2 slot. */
    @Test
    void conversionIsExactForEveryValue() {
        Log2Histogram h = Log2Histogram.powersOfTwo(10, 30, 2);
        Random rnd = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            long ns = switch (i % 3) {
                case 0 -> rnd.nextLong(1L << 32);
                case 1 -> (1L << rnd.nextInt(40)) - rnd.nextInt(2); // edges 2^k and 2^k - 1
                default -> rnd.nextLong(5000);
            };
            double seconds = ns / 1e9;
            int direct = 0;
            while (direct < h.boundariesSeconds().size() && seconds > h.boundariesSeconds().get(direct)) {
                direct++;
            }
            assertThat(h.bucketOf(Log2Histogram.slotOf(ns))).as("ns=%d", ns).isEqualTo(direct);
        }
    }

    @Test
    void slotsFollowFloorLog2() {
        assertThat(Log2Histogram.slotOf(0)).isZero();
        assertThat(Log2Histogram.slotOf(1)).isZero();
        assertThat(Log2Histogram.slotOf(2)).isEqualTo(1);
        assertThat(Log2Histogram.slotOf(1023)).isEqualTo(9);
        assertThat(Log2Histogram.slotOf(1024)).isEqualTo(10);
        assertThat(Log2Histogram.slotOf(Long.MAX_VALUE)).isEqualTo(62);
    }

    @Test
    void rejectsBadRanges() {
        assertThatThrownBy(() -> Log2Histogram.powersOfTwo(0, 10, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Log2Histogram.powersOfTwo(20, 10, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
