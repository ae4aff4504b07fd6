package io.ebpfagent.loader.link;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.sys.Mount;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The trace file system, where classic tracepoints publish their event ids. Looked up at
 * {@code /sys/kernel/tracing}, then {@code /sys/kernel/debug/tracing}; mounted at the former
 * when neither is there (root only).
 */
public final class Tracefs {
    private static final Path PRIMARY = Path.of("/sys/kernel/tracing");
    private static final Path DEBUGFS = Path.of("/sys/kernel/debug/tracing");

    private Tracefs() {
    }

    /** The tracefs root, mounting it if needed. */
    public static synchronized Path root() {
        for (Path p : new Path[] {PRIMARY, DEBUGFS}) {
            if (Files.isDirectory(p.resolve("events"))) {
                return p;
            }
        }
        try {
            Mount.ensure("tracefs", PRIMARY);
        } catch (SyscallException | java.io.UncheckedIOException e) {
            throw new NotSupportedException("tracefs is not mounted at " + PRIMARY + " and mounting it failed ("
                    + e.getMessage() + "): mount it with 'mount -t tracefs tracefs " + PRIMARY
                    + "' or run as root");
        }
        return PRIMARY;
    }

    /** The id of tracepoint {@code group/name}, for {@code perf_event_open(PERF_TYPE_TRACEPOINT)}. */
    public static int eventId(String group, String name) {
        if (group.contains("/") || name.contains("/") || group.contains("..") || name.contains("..")) {
            throw new IllegalArgumentException("bad tracepoint " + group + "/" + name);
        }
        Path id = root().resolve("events").resolve(group).resolve(name).resolve("id");
        try {
            return Integer.parseInt(Files.readString(id).strip());
        } catch (NoSuchFileException e) {
            throw new LoaderException("no tracepoint " + group + "/" + name + " (" + id + " does not exist)");
        } catch (IOException e) {
            throw new LoaderException("cannot read " + id, e);
        }
    }
}
