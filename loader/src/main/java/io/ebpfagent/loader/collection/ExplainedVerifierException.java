package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.programs.VerifierException;
import io.ebpfagent.loader.sys.LogText;
import java.util.List;

/**
 * A {@link VerifierException} with what the collection knows beyond the log: the source line
 * of the failing instruction (from the line info the verifier quotes as {@code "; code @ file:line"})
 * and the CO-RE relocation that could not be applied there, if any.
 */
final class ExplainedVerifierException extends VerifierException {
    private static final long serialVersionUID = 1L;

    private final String detail;

    ExplainedVerifierException(VerifierException cause, String coreExplanation) {
        super(cause.programName(), cause.errno(), cause.log(), cause.truncated());
        initCause(cause);
        StringBuilder sb = new StringBuilder();
        String source = lastSourceLine(cause.log());
        if (source != null) sb.append("\n  at source line: ").append(source);
        if (coreExplanation != null) sb.append("\n  ").append(coreExplanation);
        this.detail = sb.toString();
    }

    /** True if there is anything to add to the plain verifier message. */
    boolean hasDetail() {
        return !detail.isEmpty();
    }

    @Override
    public String getMessage() {
        return super.getMessage() + detail;
    }

    /** The last {@code "; source @ file:line"} annotation of the log, without the leading "; ". */
    static String lastSourceLine(String log) {
        List<String> lines = LogText.nonBlankLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i);
            if (l.startsWith("; ")) return l.substring(2).strip();
        }
        return null;
    }

    /** The index of the last instruction the log shows ({@code "12: (85) call ..."}), or -1. */
    static int failingInstruction(String log) {
        List<String> lines = LogText.nonBlankLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i);
            int colon = l.indexOf(": (");
            if (colon > 0 && l.substring(0, colon).chars().allMatch(Character::isDigit)) {
                return Integer.parseInt(l.substring(0, colon));
            }
        }
        return -1;
    }
}
