package io.ebpfagent.loader.perf;

/**
 * Sizing and wake-up policy of a {@link PerfReader}.
 *
 * @param pagesPerCpu data pages per CPU ring, a power of two
 * @param wakeup      wake the reader after this many samples, or this many bytes with {@code watermark}
 * @param watermark   count {@code wakeup} in bytes instead of samples
 */
public record PerfReaderOptions(int pagesPerCpu, int wakeup, boolean watermark) {
    public PerfReaderOptions {
        if (pagesPerCpu <= 0 || Integer.bitCount(pagesPerCpu) != 1) {
            throw new IllegalArgumentException("pages per CPU must be a power of two: " + pagesPerCpu);
        }
        if (wakeup < 1) {
            throw new IllegalArgumentException("wakeup must be at least 1");
        }
    }

    /** 64 pages per CPU, woken per sample (lowest latency). */
    public static final PerfReaderOptions DEFAULT = new PerfReaderOptions(64, 1, false);
}
