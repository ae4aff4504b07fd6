package io.ebpfagent.agent.log;

/**
 * The failure behind a throwable, for one-line log messages: wrappers that say nothing of their
 * own (an {@link ExceptionInInitializerError}, exceptions without a message) are looked through.
 * A class whose static initializer failed on another thread fails again on this one as
 * {@code NoClassDefFoundError: Could not initialize class X}, whose cause only records the
 * original as text ({@code Exception <class>: <message> [in thread "<name>"]}); that text is
 * what the caller needs to see (e.g. that native access is denied), not the class name.
 */
public final class Failures {
    private static final String RECORDED_PREFIX = "Exception ";

    private Failures() {
    }

    /** The innermost throwable that says something. */
    public static Throwable root(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof ExceptionInInitializerError || root.getMessage() == null
                    || root.getMessage().isBlank()
                    || root instanceof NoClassDefFoundError && root.getCause() instanceof ExceptionInInitializerError)) {
            root = root.getCause();
        }
        return root;
    }

    /** The message of {@link #root}, or its class name when it has none. */
    public static String message(Throwable t) {
        Throwable root = root(t);
        String message = root.getMessage();
        if (message == null || message.isBlank()) {
            return root.toString();
        }
        if (root instanceof ExceptionInInitializerError && message.startsWith(RECORDED_PREFIX)) {
            // "Exception java.lang.IllegalCallerException: Illegal native access ... [in thread "x"]"
            String recorded = message.substring(RECORDED_PREFIX.length());
            int thread = recorded.lastIndexOf(" [in thread ");
            if (thread > 0) {
                recorded = recorded.substring(0, thread);
            }
            int colon = recorded.indexOf(": ");
            return colon > 0 ? recorded.substring(colon + 2) : recorded;
        }
        return message;
    }

    /**
     * The one-line reason a log line gives for {@code t}: the {@link #message}, its first line
     * only, with the fix when native access is denied. A denied permission's message (the loader
     * names the capability missing) is given whole.
     */
    public static String reason(Throwable t) {
        String message = message(t);
        if (root(t) instanceof io.ebpfagent.loader.sys.PermissionDeniedException) {
            return message;
        }
        if (nativeAccessDenied(t)) {
            return message + " (native access is denied: run the JVM with --enable-native-access=ALL-UNNAMED)";
        }
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) + " ..." : message;
    }

    /** Whether the failure is the JVM refusing native access ({@code --illegal-native-access=deny}). */
    public static boolean nativeAccessDenied(Throwable t) {
        Throwable root = root(t);
        return root instanceof IllegalCallerException || message(t).contains("native access");
    }
}
