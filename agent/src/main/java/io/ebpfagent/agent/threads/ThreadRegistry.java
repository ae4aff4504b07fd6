package io.ebpfagent.agent.threads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernel tid <-> Java thread of this JVM. Filled from {@code Thread.print} at startup
 * ({@link #rescan()}), kept current by {@link #onThreadStart}/{@link #onThreadStop} (wired to
 * HotSpot thread events) and by the periodic {@link #refresh} (cheap: a thread enumeration and a
 * listing of the process's tids, no safepoint), which rescans only when a thread no event reported
 * is alive.
 *
 * <p>{@link #lookup(int)} is the hot path: lock-free, allocation-free, a binary search over an
 * immutable snapshot that writers replace under a lock.
 */
public final class ThreadRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadRegistry.class);
    /** Counts full scans, so that a caller can skip one that another just made. */
    private final AtomicLong scans = new AtomicLong();

    /** Told about changes; called on the thread that made the change, must not block. */
    public interface Listener {
        default void onAdded(JavaThreadInfo thread) {
        }

        default void onRemoved(JavaThreadInfo thread) {
        }

        default void onRenamed(JavaThreadInfo before, JavaThreadInfo after) {
        }
    }

    /** Immutable tid-sorted table. */
    private record Table(int[] tids, JavaThreadInfo[] infos) {
        static final Table EMPTY = new Table(new int[0], new JavaThreadInfo[0]);

        JavaThreadInfo get(int tid) {
            int i = Arrays.binarySearch(tids, tid);
            return i >= 0 ? infos[i] : null;
        }

        Table with(JavaThreadInfo info) {
            int i = Arrays.binarySearch(tids, info.tid());
            if (i >= 0) {
                JavaThreadInfo[] copy = infos.clone();
                copy[i] = info;
                return new Table(tids, copy);
            }
            int at = -i - 1;
            int[] t = new int[tids.length + 1];
            JavaThreadInfo[] v = new JavaThreadInfo[tids.length + 1];
            System.arraycopy(tids, 0, t, 0, at);
            System.arraycopy(infos, 0, v, 0, at);
            t[at] = info.tid();
            v[at] = info;
            System.arraycopy(tids, at, t, at + 1, tids.length - at);
            System.arraycopy(infos, at, v, at + 1, tids.length - at);
            return new Table(t, v);
        }

        Table without(int tid) {
            int i = Arrays.binarySearch(tids, tid);
            if (i < 0) {
                return this;
            }
            int[] t = new int[tids.length - 1];
            JavaThreadInfo[] v = new JavaThreadInfo[tids.length - 1];
            System.arraycopy(tids, 0, t, 0, i);
            System.arraycopy(infos, 0, v, 0, i);
            System.arraycopy(tids, i + 1, t, i, tids.length - i - 1);
            System.arraycopy(infos, i + 1, v, i, tids.length - i - 1);
            return new Table(t, v);
        }
    }

    private final ThreadGroups groups;
    private final Supplier<String> threadDump;
    private final Supplier<int[]> liveTids;
    /** Sorted tids alive at the last dump but not in it (native threads, the launcher's): never Java. */
    private int[] notInDump = new int[0];
    /**
     * Java ids in the last dump that no thread enumeration lists (HotSpot hides its compiler and
     * service threads from it): {@link #refreshNames} must not take their absence for an end.
     */
    private volatile Set<Long> hiddenJavaIds = Set.of();
    /** Sorted tids the previous {@link #refresh} found alive and unknown. */
    private int[] suspects = new int[0];
    private long lastRescanNanos = System.nanoTime();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile Table table = Table.EMPTY;
    /** Bumped by every event-driven change, so a rescan does not undo a change it raced with. */
    private long eventGeneration;

    public ThreadRegistry(ThreadGroups groups) {
        this(groups, ThreadDumps::threadPrint);
    }

    public ThreadRegistry(ThreadGroups groups, Supplier<String> threadDump) {
        this(groups, threadDump, ProcTasks::liveTids);
    }

    /**
     * @param threadDump the JVM's {@code Thread.print}
     * @param liveTids   the tids of the process's threads now, sorted ({@code /proc/self/task})
     */
    public ThreadRegistry(ThreadGroups groups, Supplier<String> threadDump, Supplier<int[]> liveTids) {
        this.groups = groups;
        this.threadDump = threadDump;
        this.liveTids = liveTids;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** The thread with this kernel tid, or null when it is not (yet) known. */
    public JavaThreadInfo lookup(int tid) {
        return table.get(tid);
    }

    public int size() {
        return table.tids().length;
    }

    public List<JavaThreadInfo> snapshot() {
        return List.of(table.infos());
    }

    public ThreadGroups groups() {
        return groups;
    }

    /** A thread started (HotSpot {@code thread__start}). */
    public void onThreadStart(int tid, long javaId, String name, boolean daemon) {
        ThreadKind kind = ThreadDumpParser.isCarrierName(name) ? ThreadKind.CARRIER
                : javaId < 0 ? ThreadKind.JVM_INTERNAL : ThreadKind.PLATFORM;
        JavaThreadInfo info = new JavaThreadInfo(tid, javaId, name, daemon, kind, groups.groupOf(name));
        JavaThreadInfo before;
        synchronized (lock) {
            eventGeneration++;
            before = table.get(tid);
            table = table.with(info);
        }
        if (before != null) {
            fireRemoved(before);
        }
        fireAdded(info);
    }

    /** A thread ended (HotSpot {@code thread__stop}); its tid may be reused afterwards. */
    public void onThreadStop(int tid) {
        JavaThreadInfo before;
        synchronized (lock) {
            eventGeneration++;
            before = table.get(tid);
            table = table.without(tid);
        }
        if (before != null) {
            fireRemoved(before);
        }
    }

    /** Marks a thread as a virtual-thread carrier (seen mounting a virtual thread). */
    public void markCarrier(int tid) {
        synchronized (lock) {
            JavaThreadInfo info = table.get(tid);
            if (info != null && info.kind() != ThreadKind.CARRIER) {
                table = table.with(info.withKind(ThreadKind.CARRIER));
            }
        }
    }

    /** How many full scans have run (any thread). */
    public long scans() {
        return scans.get();
    }

    /**
     * Re-reads all threads from {@code Thread.print}: adds new ones, updates renamed ones, drops
     * ones that ended. Costs one safepoint (~100 ms on a busy JVM); run it rarely.
     */
    public void rescan() {
        rescan(tidsOrEmpty());
    }

    /** {@link #rescan()} with the process's tids listed before the dump (a thread started in between is in the dump). */
    private void rescan(int[] live) {
        scans.incrementAndGet();
        long generation;
        synchronized (lock) {
            generation = eventGeneration;
        }
        List<ThreadDumpParser.Entry> entries = ThreadDumpParser.parse(threadDump.get());
        recordDump(live, entries);
        List<JavaThreadInfo> added = new ArrayList<>();
        List<JavaThreadInfo> removed = new ArrayList<>();
        List<JavaThreadInfo[]> renamed = new ArrayList<>();
        synchronized (lock) {
            if (generation != eventGeneration) {
                // Events arrived meanwhile; only add, never remove, to stay consistent with them.
                mergeAdditions(entries, added, renamed);
            } else {
                Set<Integer> alive = new HashSet<>();
                for (ThreadDumpParser.Entry entry : entries) {
                    alive.add(entry.tid());
                }
                Table next = table;
                for (JavaThreadInfo info : table.infos()) {
                    if (!alive.contains(info.tid())) {
                        next = next.without(info.tid());
                        removed.add(info);
                    }
                }
                table = next;
                mergeAdditions(entries, added, renamed);
            }
        }
        removed.forEach(this::fireRemoved);
        added.forEach(this::fireAdded);
        renamed.forEach(pair -> fireRenamed(pair[0], pair[1]));
        LOG.debug("thread registry: {} threads after rescan (+{} -{} ~{})", size(), added.size(), removed.size(),
                renamed.size());
    }

    private void mergeAdditions(List<ThreadDumpParser.Entry> entries, List<JavaThreadInfo> added,
            List<JavaThreadInfo[]> renamed) {
        Table next = table;
        for (ThreadDumpParser.Entry entry : entries) {
            JavaThreadInfo known = next.get(entry.tid());
            if (known == null || known.javaId() != entry.javaId()) {
                JavaThreadInfo info = new JavaThreadInfo(entry.tid(), entry.javaId(), entry.name(), entry.daemon(),
                        entry.kind(), groups.groupOf(entry.name()));
                next = next.with(info);
                added.add(info);
            } else if (!known.name().equals(entry.name())) {
                JavaThreadInfo info = known.withName(entry.name(), groups.groupOf(entry.name()));
                next = next.with(info);
                renamed.add(new JavaThreadInfo[] {known, info});
            }
        }
        table = next;
    }

    /**
     * The periodic upkeep: {@link #refreshNames()} (no safepoint), then a full {@link #rescan()}
     * only if a thread of the process has been unknown at two refreshes in a row (so not one whose
     * start event is still on its way), was not left out of the last dump (native threads, which
     * no dump lists), and the last rescan is at least {@code minRescanIntervalNanos} ago. A dump
     * stops the application at a safepoint (17 ms with 500 threads here), so a JVM whose thread
     * events keep the registry current never pays it after the start; without them, a new thread
     * costs one dump, at most once per interval. Returns whether it rescanned.
     */
    public boolean refresh(long minRescanIntervalNanos) {
        int[] live = tidsOrEmpty();
        refreshNames(live);
        int[] unknown = new int[live.length];
        int n = 0;
        int confirmed = 0;
        Table current = table;
        for (int tid : live) {
            if (current.get(tid) == null && Arrays.binarySearch(notInDump, tid) < 0) {
                unknown[n++] = tid;
                if (Arrays.binarySearch(suspects, tid) >= 0) {
                    confirmed++;
                }
            }
        }
        suspects = Arrays.copyOf(unknown, n);
        if (confirmed == 0 || System.nanoTime() - lastRescanNanos < minRescanIntervalNanos) {
            return false;
        }
        rescan(live); // listed above, before the dump
        return true;
    }

    private int[] tidsOrEmpty() {
        try {
            return liveTids.get();
        } catch (RuntimeException e) {
            return new int[0]; // no procfs: nothing is known to be missing, so nothing triggers a dump
        }
    }

    /** What a dump tells beyond its threads: which live tids it left out, which Java ids no enumeration lists. */
    private void recordDump(int[] live, List<ThreadDumpParser.Entry> entries) {
        Set<Integer> dumped = new HashSet<>();
        for (ThreadDumpParser.Entry entry : entries) {
            dumped.add(entry.tid());
        }
        int[] outside = new int[live.length];
        int n = 0;
        for (int tid : live) {
            if (!dumped.contains(tid)) {
                outside[n++] = tid;
            }
        }
        notInDump = Arrays.copyOf(outside, n);
        LiveThreads enumerated = LiveThreads.now();
        Set<Long> hidden = new HashSet<>();
        for (ThreadDumpParser.Entry entry : entries) {
            if (entry.javaId() >= 0 && enumerated.nameOf(entry.javaId()) == null) {
                hidden.add(entry.javaId());
            }
        }
        hiddenJavaIds = hidden;
        lastRescanNanos = System.nanoTime();
    }

    /**
     * Picks up {@link Thread#setName} renames of known threads; no safepoint, no stacks.
     * Threads the JVM no longer knows are dropped.
     *
     * <p>Threads are enumerated through the root {@link ThreadGroup}, not looked up by id with
     * {@code ThreadMXBean.getThreadInfo(long[])}: that call makes HotSpot build its thread-id
     * table, which from then on every thread start and exit of the application has to maintain.
     */
    public void refreshNames() {
        refreshNames(tidsOrEmpty());
    }

    private void refreshNames(int[] live) {
        Table current = table;
        if (current.infos().length == 0) {
            return;
        }
        // arrays sorted by Java id, no map: this runs every few seconds over every thread
        LiveThreads liveNames = LiveThreads.now();
        List<JavaThreadInfo[]> renamed = null;
        List<JavaThreadInfo> removed = null;
        synchronized (lock) {
            Table next = table;
            for (JavaThreadInfo known : current.infos()) {
                if (known.javaId() < 0) {
                    continue;
                }
                JavaThreadInfo now = next.get(known.tid());
                if (now == null || now.javaId() != known.javaId()) {
                    continue; // changed by an event meanwhile
                }
                String name = liveNames.nameOf(known.javaId());
                if (name == null && hiddenJavaIds.contains(known.javaId())
                        && (live.length == 0 || Arrays.binarySearch(live, known.tid()) >= 0)) {
                    continue; // a thread the JVM hides from enumeration (compiler, service threads), alive
                }
                if (name == null) {
                    next = next.without(known.tid());
                    removed = removed == null ? new ArrayList<>() : removed;
                    removed.add(known);
                } else if (!name.equals(known.name())) {
                    JavaThreadInfo info = known.withName(name, groups.groupOf(name));
                    next = next.with(info);
                    renamed = renamed == null ? new ArrayList<>() : renamed;
                    renamed.add(new JavaThreadInfo[] {known, info});
                }
            }
            table = next;
        }
        if (removed != null) {
            removed.forEach(this::fireRemoved);
        }
        if (renamed != null) {
            renamed.forEach(pair -> fireRenamed(pair[0], pair[1]));
        }
    }

    /** The Java id and name of every live platform thread, sorted by id. */
    record LiveThreads(long[] ids, String[] names) {
        String nameOf(long javaId) {
            int i = Arrays.binarySearch(ids, javaId);
            return i >= 0 ? names[i] : null;
        }

        /** Through the root {@link ThreadGroup}: a copy of the JVM's thread list, no safepoint. */
        static LiveThreads now() {
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) {
                root = root.getParent();
            }
            Thread[] threads = new Thread[root.activeCount() + 16];
            int n;
            while ((n = root.enumerate(threads, true)) == threads.length) {
                threads = new Thread[threads.length * 2]; // more started meanwhile: retry larger
            }
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = threads[i].threadId();
            }
            Arrays.sort(ids);
            String[] names = new String[n];
            for (int i = 0; i < n; i++) {
                names[Arrays.binarySearch(ids, threads[i].threadId())] = threads[i].getName(); // ids are unique
            }
            return new LiveThreads(ids, names);
        }
    }

    private void fireAdded(JavaThreadInfo info) {
        for (Listener listener : listeners) {
            try {
                listener.onAdded(info);
            } catch (RuntimeException e) {
                LOG.warn("thread listener failed", e);
            }
        }
    }

    private void fireRemoved(JavaThreadInfo info) {
        for (Listener listener : listeners) {
            try {
                listener.onRemoved(info);
            } catch (RuntimeException e) {
                LOG.warn("thread listener failed", e);
            }
        }
    }

    private void fireRenamed(JavaThreadInfo before, JavaThreadInfo after) {
        for (Listener listener : listeners) {
            try {
                listener.onRenamed(before, after);
            } catch (RuntimeException e) {
                LOG.warn("thread listener failed", e);
            }
        }
    }
}
