package io.ebpfagent.otel;

import java.util.Locale;

/** How a TCP connect ended. */
public enum ConnectOutcome {
    SUCCESS, REFUSED, TIMEOUT, ERROR;

    private final String value = name().toLowerCase(Locale.ROOT);

    /** The attribute value, e.g. {@code refused}. */
    public String value() {
        return value;
    }
}
