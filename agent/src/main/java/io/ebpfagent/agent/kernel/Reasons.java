package io.ebpfagent.agent.kernel;

import io.ebpfagent.agent.log.Failures;
import io.ebpfagent.loader.sys.PermissionDeniedException;

/** One-line reasons for log lines, with a hint where the fix is known. */
final class Reasons {
    private Reasons() {
    }

    static String of(Throwable t) {
        Throwable root = Failures.root(t);
        String message = Failures.message(t);
        if (root instanceof PermissionDeniedException) {
            return message;
        }
        if (Failures.nativeAccessDenied(t)) {
            return message + " (run the JVM with --enable-native-access=ALL-UNNAMED)";
        }
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) + " ..." : message;
    }
}
