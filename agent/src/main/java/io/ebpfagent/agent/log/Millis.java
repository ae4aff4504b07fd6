package io.ebpfagent.agent.log;

/**
 * Durations for log lines, in milliseconds with one decimal ({@code 12.3}). Not
 * {@code String.format}: the first {@link java.util.Formatter} of a JVM loads the locale's
 * number formatting (CLDR data, regular expressions), 20-40 ms of a starting JVM's CPU that the
 * agent's first log line paid before its probes were attached. The decimal point is always a
 * point, whatever the default locale.
 */
public final class Millis {
    private Millis() {
    }

    /** {@code nanos} as milliseconds rounded to a tenth, e.g. {@code 1_250_000} as {@code 1.3}. */
    public static String of(long nanos) {
        long tenths = Math.abs(nanos) / 100_000 + (Math.abs(nanos) % 100_000 >= 50_000 ? 1 : 0);
        String digits = (tenths / 10) + "." + (tenths % 10);
        return nanos < 0 && tenths != 0 ? "-" + digits : digits;
    }

    /** The time since {@code startNanos} ({@link System#nanoTime()}), as {@link #of}. */
    public static String since(long startNanos) {
        return of(System.nanoTime() - startNanos);
    }
}
