package io.ebpfagent.agent.threads;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the {@code Thread.print} diagnostic command output. Thread header lines look like
 * {@code "name" #javaId [tid] daemon prio=5 ... nid=<tid> state} (JDK 19+), or
 * {@code "name" #javaId daemon prio=5 ... nid=0x<hex>} (older), or without {@code #javaId} for
 * JVM-internal threads. A carrier running a virtual thread prints no {@code nid=} but the
 * bracketed tid, followed by a {@code Carrying virtual thread #id} line.
 */
public final class ThreadDumpParser {
    private static final Pattern HEADER = Pattern.compile(
            "^\"(?<name>.*)\" (?:#(?<id>\\d+) )?(?:\\[(?<tid>\\d+)\\] )?(?<daemon>daemon )?.*?(?:nid=(?<nid>0x[0-9a-fA-F]+|\\d+).*)?$");
    private static final Pattern CARRIER_NAME = Pattern.compile("ForkJoinPool-\\d+-worker-\\d+");

    /** One parsed thread, before grouping. */
    public record Entry(int tid, long javaId, String name, boolean daemon, ThreadKind kind) {
    }

    private ThreadDumpParser() {
    }

    public static List<Entry> parse(String dump) {
        List<Entry> result = new ArrayList<>();
        String[] lines = dump.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (!line.startsWith("\"")) {
                continue;
            }
            Matcher m = HEADER.matcher(line.stripTrailing());
            if (!m.matches()) {
                continue;
            }
            int tid = tid(m.group("tid"), m.group("nid"));
            if (tid <= 0) {
                continue;
            }
            String name = m.group("name");
            long javaId = m.group("id") == null ? -1 : Long.parseLong(m.group("id"));
            boolean carrying = i + 1 < lines.length && lines[i + 1].strip().startsWith("Carrying virtual thread");
            ThreadKind kind = javaId < 0 ? ThreadKind.JVM_INTERNAL
                    : carrying || isCarrierName(name) ? ThreadKind.CARRIER : ThreadKind.PLATFORM;
            result.add(new Entry(tid, javaId, name, m.group("daemon") != null, kind));
        }
        return result;
    }

    /** Names the default virtual-thread scheduler gives its carrier threads. */
    public static boolean isCarrierName(String name) {
        return CARRIER_NAME.matcher(name).matches();
    }

    private static int tid(String bracketed, String nid) {
        if (bracketed != null) {
            return Integer.parseInt(bracketed);
        }
        if (nid == null) {
            return -1;
        }
        return nid.startsWith("0x") ? (int) Long.parseLong(nid.substring(2), 16) : Integer.parseInt(nid);
    }
}
