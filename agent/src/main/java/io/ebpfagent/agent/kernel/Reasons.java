package io.ebpfagent.agent.kernel;

import io.ebpfagent.loader.sys.PermissionDeniedException;

/** One-line reasons for log lines, with a hint where the fix is known. */
final class Reasons {
    private Reasons() {
    }

    static String of(Throwable t) {
        Throwable root = t;
        while ((root instanceof ExceptionInInitializerError || root.getMessage() == null) && root.getCause() != null) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.toString() : root.getMessage();
        if (root instanceof PermissionDeniedException) {
            return message;
        }
        if (root instanceof IllegalCallerException || message.contains("native access")) {
            return message + " (run the JVM with --enable-native-access=ALL-UNNAMED)";
        }
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) + " ..." : message;
    }
}
