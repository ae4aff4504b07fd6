package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.sys.LogText;
import io.ebpfagent.loader.sys.SyscallException;

/**
 * The kernel refused a program ({@code BPF_PROG_LOAD} failed). The message names the program,
 * the errno, the end of the verifier log (which, with line info, quotes the source line) and,
 * when a CO-RE relocation could not be applied at the failing instruction, that relocation.
 */
public final class VerifierException extends SyscallException {
    private final String program;
    private final String log;

    VerifierException(String program, int errno, String log, String explanation) {
        super("BPF_PROG_LOAD " + program, errno, message(program, errno, log, explanation));
        this.program = program;
        this.log = log;
    }

    private static String message(String program, int errno, String log, String explanation) {
        StringBuilder sb = new StringBuilder("program ").append(program).append(" rejected by the kernel: ")
                .append(io.ebpfagent.loader.sys.Errno.of(errno));
        if (explanation != null) sb.append(": ").append(explanation);
        if (!log.isBlank()) sb.append("\nverifier log (end):\n").append(String.join("\n", tail(log, 12)));
        return sb.toString();
    }

    private static java.util.List<String> tail(String log, int n) {
        var lines = LogText.nonBlankLines(log);
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    /** The program's name. */
    public String program() {
        return program;
    }

    /** The whole verifier log (empty if the kernel wrote none). */
    public String log() {
        return log;
    }
}
