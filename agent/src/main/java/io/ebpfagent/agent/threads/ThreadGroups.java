package io.ebpfagent.agent.threads;

import io.ebpfagent.agent.config.ConfigType.GroupPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps thread names to a bounded set of group names for metric attributes. Configured patterns
 * are tried first (whole-name match; the group may use {@code $1} references); then, when asked
 * for, the runtime's own threads fold into four groups ({@link #RUNTIME_GROUPS}); otherwise
 * trailing digits become {@code *} ({@code pool-1-thread-7} -> {@code pool-1-thread-*}). Once
 * {@code maxDistinct} groups exist, names of new groups map to {@value #OTHER}.
 */
public final class ThreadGroups {
    public static final String OTHER = "other";
    private static final Pattern TRAILING_DIGITS = Pattern.compile("^(.*?)\\d+$");
    private static final int NAME_CACHE_LIMIT = 4096;

    /**
     * The JVM's and the agent's own threads: a JVM starts some twenty of them, each a group of
     * its own under the default rule, each with its own series of every per-thread metric, most
     * of them idle. Folded, they cost four groups; the application's threads keep the rest.
     */
    static final List<GroupPattern> RUNTIME_GROUPS = List.of(
            new GroupPattern(Pattern.compile("ebpf-agent-.*"), "ebpf-agent-*"),
            new GroupPattern(Pattern.compile("C[12] CompilerThread\\d+|JVMCI CompilerThread\\d+"), "JIT compiler threads"),
            new GroupPattern(Pattern.compile("GC Thread#\\d+|G1 .*|Shenandoah.*|ZWorker#?\\d*|ZDriver.*|ZDirector"
                    + "|ZStat|ZUncommitter.*|ZRelocationSet.*"), "GC threads"),
            new GroupPattern(Pattern.compile("VM Thread|VM Periodic Task Thread|Service Thread|Monitor Deflation Thread"
                    + "|Signal Dispatcher|Finalizer|Reference Handler|Notification Thread|Common-Cleaner|Attach Listener"
                    + "|Sweeper thread|VirtualThread-unblocker|DestroyJavaVM|process reaper"), "JVM threads"));

    private final List<GroupPattern> patterns;
    private final int maxDistinct;
    private final ConcurrentHashMap<String, Boolean> groups = new ConcurrentHashMap<>();
    private final AtomicInteger distinct = new AtomicInteger();
    private final ConcurrentHashMap<String, String> byName = new ConcurrentHashMap<>();

    /** Groups by {@code patterns}, then by the default rule (no runtime groups). */
    public ThreadGroups(List<GroupPattern> patterns, int maxDistinct) {
        this(patterns, maxDistinct, false);
    }

    /**
     * @param runtimeGroups fold the JVM's and the agent's own threads into {@link #RUNTIME_GROUPS}
     *                      (after {@code patterns}, so a configured pattern still wins)
     */
    public ThreadGroups(List<GroupPattern> patterns, int maxDistinct, boolean runtimeGroups) {
        if (maxDistinct < 1) {
            throw new IllegalArgumentException("maxDistinct must be >= 1");
        }
        List<GroupPattern> all = new ArrayList<>(patterns);
        if (runtimeGroups) {
            all.addAll(RUNTIME_GROUPS);
        }
        this.patterns = List.copyOf(all);
        this.maxDistinct = maxDistinct;
    }

    /** The group of a thread name; stable for a name once returned. */
    public String groupOf(String name) {
        String cached = byName.get(name);
        if (cached != null) {
            return cached;
        }
        String group = admit(rawGroup(name));
        if (byName.size() >= NAME_CACHE_LIMIT) {
            // Names can be unbounded (request ids in names); groups are not, so the cache may drop.
            byName.clear();
        }
        byName.put(name, group);
        return group;
    }

    /** The group a name maps to before the cardinality bound. */
    public String rawGroup(String name) {
        for (GroupPattern pattern : patterns) {
            Matcher matcher = pattern.regex().matcher(name);
            if (matcher.matches()) {
                StringBuilder out = new StringBuilder();
                matcher.appendReplacement(out, pattern.group());
                return out.toString();
            }
        }
        Matcher matcher = TRAILING_DIGITS.matcher(name);
        return matcher.matches() && !matcher.group(1).isEmpty() ? matcher.group(1) + "*" : name;
    }

    private String admit(String group) {
        if (groups.containsKey(group)) {
            return group;
        }
        while (true) {
            int current = distinct.get();
            if (current >= maxDistinct) {
                return groups.containsKey(group) ? group : OTHER;
            }
            if (distinct.compareAndSet(current, current + 1)) {
                if (groups.putIfAbsent(group, Boolean.TRUE) != null) {
                    distinct.decrementAndGet();
                }
                return group;
            }
        }
    }

    /** Number of distinct groups handed out (excluding {@value #OTHER}). */
    public int distinctGroups() {
        return distinct.get();
    }
}
