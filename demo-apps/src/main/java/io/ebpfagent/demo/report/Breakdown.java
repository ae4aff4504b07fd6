package io.ebpfagent.demo.report;

import java.util.Locale;

/** The kernel's account of a span's time, seconds per {@link Signals.State}. */
public record Breakdown(double[] seconds) {
    private static final Signals.State[] STATES = Signals.State.values();

    public static Breakdown of(SpanRecord span) {
        double[] s = new double[STATES.length];
        for (Signals.State st : STATES) {
            s[st.ordinal()] = span.number(st.attribute());
        }
        return new Breakdown(s);
    }

    public static Breakdown zero() {
        return new Breakdown(new double[STATES.length]);
    }

    public double get(Signals.State s) {
        return seconds[s.ordinal()];
    }

    public double total() {
        double t = 0;
        for (double v : seconds) {
            t += v;
        }
        return t;
    }

    public boolean isEmpty() {
        return total() <= 0;
    }

    public Breakdown plus(Breakdown o) {
        double[] s = seconds.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] += o.seconds[i];
        }
        return new Breakdown(s);
    }

    public Breakdown divide(double n) {
        double[] s = seconds.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        return new Breakdown(s);
    }

    /** {@code cpu 2.1 · lock 4.0 · net 6.2 ms}: the non-zero states, in milliseconds. */
    public String compact() {
        StringBuilder sb = new StringBuilder();
        for (Signals.State st : STATES) {
            double ms = get(st) * 1e3;
            if (ms >= 0.05) {
                sb.append(sb.isEmpty() ? "" : " · ").append(st.label()).append(' ')
                        .append(String.format(Locale.ROOT, "%.1f", ms));
            }
        }
        return sb.isEmpty() ? "no kernel time" : sb.append(" ms").toString();
    }
}
