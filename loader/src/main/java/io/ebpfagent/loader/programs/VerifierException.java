package io.ebpfagent.loader.programs;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.LogText;
import java.util.List;

/**
 * The verifier rejected a program. Carries the errno, the complete verifier log and whether the
 * log was cut short; the message names the program and ends with the log's last meaningful
 * lines (the complaint), e.g.
 * {@code load program 'bad': permission denied (EACCES): R0 !read_ok (2 line(s) omitted)}.
 */
public class VerifierException extends LoaderException {
    private static final long serialVersionUID = 1L;

    private final String programName;
    private final int errno;
    private final String log;
    private final boolean truncated;

    public VerifierException(String programName, int errno, String log, boolean truncated) {
        super(format(programName, errno, log, truncated));
        this.programName = programName;
        this.errno = errno;
        this.log = log;
        this.truncated = truncated;
    }

    public String programName() {
        return programName;
    }

    /** The errno of {@code BPF_PROG_LOAD} (EACCES and EINVAL are the verifier's usual answers). */
    public int errno() {
        return errno;
    }

    /** The complete verifier log. */
    public String log() {
        return log;
    }

    /** True if the log did not fit the largest buffer tried, so its beginning or end is missing. */
    public boolean truncated() {
        return truncated;
    }

    /**
     * The message: program, errno, then the last log line that is not the statistics trailer,
     * plus the line before it when that one gives the context (indented, or ending in a colon).
     */
    static String format(String programName, int errno, String log, boolean truncated) {
        Errno e = Errno.of(errno);
        StringBuilder b = new StringBuilder("load program '").append(programName).append("': ")
                .append(e.description()).append(" (").append(e == Errno.UNKNOWN ? "errno " + errno : e.name())
                .append(")");
        List<String> all = LogText.nonBlankLines(log);
        List<String> lines = all;
        while (!lines.isEmpty() && isTrailer(lines.get(lines.size() - 1))) {
            lines = lines.subList(0, lines.size() - 1);
        }
        int n = lines.size();
        if (n == 0) {
            return truncated ? b.append(" (log truncated)").toString() : b.toString();
        }
        int from = n - 1;
        if (n >= 2 && (includePrevious(lines.get(n - 1)) || includePrevious(lines.get(n - 2)) || truncated)) {
            from = n - 2;
        }
        for (String line : lines.subList(from, n)) {
            b.append(": ").append(line.strip());
        }
        int omitted = all.size() - (n - from);
        if (omitted > 0 || truncated) {
            b.append(" (");
            if (truncated) {
                b.append("truncated");
            }
            if (omitted > 0) {
                b.append(truncated ? ", " : "").append(omitted).append(" line(s) omitted");
            }
            b.append(')');
        }
        return b.toString();
    }

    private static boolean isTrailer(String line) {
        return line.startsWith("processed ") || line.startsWith("verification time")
                || line.startsWith("stack depth") || line.startsWith("-- END PROG LOAD LOG --");
    }

    private static boolean includePrevious(String line) {
        return line.startsWith("\t") || line.startsWith("  ") || line.endsWith(":");
    }
}
