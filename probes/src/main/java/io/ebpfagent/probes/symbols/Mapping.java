package io.ebpfagent.probes.symbols;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of {@code /proc/<pid>/maps}.
 *
 * @param path the mapped file, a pseudo name ({@code [vdso]}, {@code [heap]}) or empty when anonymous
 */
record Mapping(long start, long end, boolean executable, long offset, long inode, String path) {
    private static final String DELETED = " (deleted)";

    boolean fileBacked() {
        return inode != 0 && path.startsWith("/");
    }

    /** The last path element: what a frame shows as its module. */
    String module() {
        String p = path.endsWith(DELETED) ? path.substring(0, path.length() - DELETED.length()) : path;
        int slash = p.lastIndexOf('/');
        return slash >= 0 ? p.substring(slash + 1) : p;
    }

    /** The path without the {@code (deleted)} mark of replaced files. */
    String filePath() {
        return path.endsWith(DELETED) ? path.substring(0, path.length() - DELETED.length()) : path;
    }

    /** Parses the maps text; malformed lines are skipped. The kernel lists mappings in address order. */
    static List<Mapping> parse(String text) {
        List<Mapping> out = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            if (nl < 0) {
                nl = text.length();
            }
            Mapping m = parseLine(text, pos, nl);
            if (m != null) {
                out.add(m);
            }
            pos = nl + 1;
        }
        return out;
    }

    // 7f12a000-7f12b000 r-xp 00001000 08:01 1234      /usr/lib/libc.so.6
    private static Mapping parseLine(String s, int from, int to) {
        try {
            int dash = s.indexOf('-', from);
            int sp1 = s.indexOf(' ', dash);
            int sp2 = s.indexOf(' ', sp1 + 1);
            int sp3 = s.indexOf(' ', sp2 + 1);
            int sp4 = s.indexOf(' ', sp3 + 1);
            if (dash < 0 || sp4 < 0 || sp4 > to) {
                return null;
            }
            int sp5 = s.indexOf(' ', sp4 + 1);
            if (sp5 < 0 || sp5 > to) {
                sp5 = to;
            }
            long start = Long.parseUnsignedLong(s, from, dash, 16);
            long end = Long.parseUnsignedLong(s, dash + 1, sp1, 16);
            boolean exec = s.charAt(sp1 + 3) == 'x';
            long offset = Long.parseUnsignedLong(s, sp2 + 1, sp3, 16);
            long inode = Long.parseLong(s, sp4 + 1, sp5, 10);
            int p = sp5;
            while (p < to && s.charAt(p) == ' ') {
                p++;
            }
            return new Mapping(start, end, exec, offset, inode, s.substring(p, to));
        } catch (RuntimeException malformed) {
            return null;
        }
    }
}
