package io.ebpfagent.loader.link;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.sys.Mount;
import io.ebpfagent.loader.sys.NotSupportedException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trace file system, where classic tracepoints publish their event ids. Looked up at
 * {@code /sys/kernel/tracing}, then {@code /sys/kernel/debug/tracing}. When neither is mounted
 * the ids are read from a tracefs mounted in a private mount namespace of a short-lived thread
 * ({@link Mount#unshareMountNamespace()}): nothing is mounted where other threads or processes
 * could see it, and nothing stays mounted. Ids are cached.
 */
public final class Tracefs {
    private static final Logger LOG = LoggerFactory.getLogger(Tracefs.class);
    private static final Path PRIMARY = Path.of("/sys/kernel/tracing");
    private static final Path DEBUGFS = Path.of("/sys/kernel/debug/tracing");
    private static final Map<String, Integer> IDS = new HashMap<>();

    private Tracefs() {
    }

    /**
     * The tracefs root mounted in this process's mount namespace, or null when none is (a root
     * this process may not read counts as mounted: reading it then fails with a clear message).
     */
    public static Path mountedRoot() {
        for (Path p : new Path[] {PRIMARY, DEBUGFS}) {
            if (Files.isDirectory(p.resolve("events"))) {
                return p;
            }
        }
        for (Path p : new Path[] {PRIMARY, DEBUGFS}) {
            try {
                if (Mount.typeAt(p).filter("tracefs"::equals).isPresent()) {
                    return p;
                }
            } catch (RuntimeException e) {
                // /proc unreadable: treat as not mounted
            }
        }
        return null;
    }

    /** The id of tracepoint {@code group/name}, for {@code perf_event_open(PERF_TYPE_TRACEPOINT)}. */
    public static int eventId(String group, String name) {
        String key = check(group, name);
        synchronized (IDS) {
            Integer cached = IDS.get(key);
            if (cached != null) {
                return cached;
            }
        }
        resolve(List.of(key));
        synchronized (IDS) {
            return IDS.get(key);
        }
    }

    /**
     * Reads the ids of tracepoints {@code group/name} at once (one private mount for all of them
     * when tracefs is not mounted). Fails on the first that does not exist.
     */
    public static void resolve(Collection<String> tracepoints) {
        List<String> missing = new ArrayList<>();
        synchronized (IDS) {
            for (String t : tracepoints) {
                int slash = t.indexOf('/');
                String key = check(slash < 0 ? t : t.substring(0, slash), slash < 0 ? "" : t.substring(slash + 1));
                if (!IDS.containsKey(key)) {
                    missing.add(key);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Path root = mountedRoot();
        Map<String, Integer> ids = root != null ? read(root, missing) : readPrivately(missing);
        synchronized (IDS) {
            IDS.putAll(ids);
        }
    }

    private static String check(String group, String name) {
        if (group.isEmpty() || name.isEmpty() || group.contains("/") || name.contains("/") || group.contains("..")
                || name.contains("..")) {
            throw new IllegalArgumentException("bad tracepoint " + group + "/" + name);
        }
        return group + "/" + name;
    }

    private static Map<String, Integer> read(Path root, List<String> tracepoints) {
        Map<String, Integer> ids = new HashMap<>();
        for (String t : tracepoints) {
            Path id = root.resolve("events").resolve(t).resolve("id");
            try {
                ids.put(t, Integer.parseInt(Files.readString(id).strip()));
            } catch (NoSuchFileException e) {
                throw new LoaderException("no tracepoint " + t + " (" + id + " does not exist)");
            } catch (AccessDeniedException e) {
                throw new LoaderException("cannot read " + id + ": tracefs is readable by root only (a process "
                        + "of another user needs CAP_DAC_READ_SEARCH)");
            } catch (IOException e) {
                throw new LoaderException("cannot read " + id, e);
            }
        }
        return ids;
    }

    /** Mounts tracefs in a private mount namespace of a new thread, reads the ids, lets the thread end. */
    private static Map<String, Integer> readPrivately(List<String> tracepoints) {
        Object[] result = new Object[1];
        Thread reader = new Thread(() -> {
            try {
                Mount.unshareMountNamespace();
                Mount.mount("tracefs", PRIMARY, "tracefs");
                result[0] = read(PRIMARY, tracepoints);
            } catch (RuntimeException e) {
                result[0] = e;
            }
        }, "ebpf-tracefs-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoaderException("interrupted while reading tracepoint ids");
        }
        if (result[0] instanceof LoaderException e) {
            throw e;
        }
        if (result[0] instanceof RuntimeException e) {
            throw new NotSupportedException("tracefs is not mounted at " + PRIMARY + ", and mounting it in a private "
                    + "mount namespace failed (" + e.getMessage() + "): mount it with 'mount -t tracefs tracefs "
                    + PRIMARY + "' or run as root");
        }
        @SuppressWarnings("unchecked")
        Map<String, Integer> ids = (Map<String, Integer>) result[0];
        LOG.info("tracefs is not mounted: read {} tracepoint id(s) from a tracefs mounted in a private mount "
                + "namespace of a short-lived thread (not visible outside it, gone with it)", ids.size());
        return ids;
    }
}
