package io.ebpfagent.demo;

/**
 * Log-linear latency histogram in microseconds: exact below 128 µs, then 64 buckets per power of
 * two (relative error under 1.6%). Recording is an index computation and an array increment with
 * no allocation, so the load generator measures the service rather than itself. Not thread-safe:
 * one per worker, merged at the end.
 */
public final class LatencyHistogram {
    private static final int LINEAR = 128;
    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    /** Covers every non-negative long. */
    static final int BUCKETS = LINEAR + (63 - SUB_BITS) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;
    private long sum;

    public void record(long micros) {
        long v = Math.max(0, micros);
        counts[index(v)]++;
        total++;
        sum += v;
        if (v > max) {
            max = v;
        }
    }

    public void merge(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        max = Math.max(max, other.max);
    }

    public long count() {
        return total;
    }

    public long maxMicros() {
        return max;
    }

    public double meanMicros() {
        return total == 0 ? 0 : (double) sum / total;
    }

    /**
     * The smallest recorded-bucket upper bound below which at least p percent of the values lie,
     * capped at the maximum recorded value; 0 when empty.
     */
    public long percentileMicros(double p) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int shift = msb - SUB_BITS;
        int sub = (int) (v >>> shift) - SUB;
        return LINEAR + (shift - 1) * SUB + sub;
    }

    static long upperBound(int index) {
        if (index < LINEAR) {
            return index;
        }
        int shift = (index - LINEAR) / SUB + 1;
        long sub = (index - LINEAR) % SUB + SUB;
        long upper = ((sub + 1) << shift) - 1;
        return upper < 0 ? Long.MAX_VALUE : upper;
    }
}
