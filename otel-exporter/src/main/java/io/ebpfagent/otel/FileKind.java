package io.ebpfagent.otel;

import java.util.Locale;

/** The kind of file descriptor an I/O went to (from the inode mode the probe read). */
public enum FileKind {
    REGULAR, SOCKET, PIPE, CHARACTER_DEVICE, BLOCK_DEVICE, OTHER;

    private final String value = name().toLowerCase(Locale.ROOT);

    /** The attribute value, e.g. {@code regular}. */
    public String value() {
        return value;
    }
}
