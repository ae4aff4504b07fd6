package io.ebpfagent.agent.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class MillisTest {
    @Test
    void roundsToATenthOfAMillisecond() {
        assertThat(Millis.of(0)).isEqualTo("0.0");
        assertThat(Millis.of(49_999)).isEqualTo("0.0");
        assertThat(Millis.of(50_000)).isEqualTo("0.1");
        assertThat(Millis.of(1_250_000)).isEqualTo("1.3");
        assertThat(Millis.of(1_249_999)).isEqualTo("1.2");
        assertThat(Millis.of(12_345_678_901L)).isEqualTo("12345.7");
        assertThat(Millis.of(-1_250_000)).isEqualTo("-1.3");
        assertThat(Millis.of(-10_000)).isEqualTo("0.0");
    }

    @Test
    void agreesWithTheFormatterOfTheRootLocale() {
        for (long nanos = 0; nanos < 3_000_000_000L; nanos += 7_654_321) {
            // away from the .x5 boundaries, where a double's binary value decides Formatter's rounding
            if (nanos % 100_000 != 50_000) {
                assertThat(Millis.of(nanos)).isEqualTo(String.format(Locale.ROOT, "%.1f", nanos / 1e6));
            }
        }
    }

    @Test
    void aDecimalPointInEveryLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(Millis.of(2_500_000)).isEqualTo("2.5");
        } finally {
            Locale.setDefault(saved);
        }
    }
}
