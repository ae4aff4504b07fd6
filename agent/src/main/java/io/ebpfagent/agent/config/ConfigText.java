package io.ebpfagent.agent.config;

/**
 * How configuration text appears in messages: quoted, control characters escaped, and cut to
 * {@value #MAX_SHOWN} characters, so a value of any size or content stays one readable log line.
 */
public final class ConfigText {
    /** Characters of a value shown in a message; the rest is counted, not printed. */
    public static final int MAX_SHOWN = 80;

    private ConfigText() {
    }

    /** {@code 'text'}, escaped and cut: {@code 'aaaa...' (10485760 characters)}. */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        int shown = Math.min(text.length(), MAX_SHOWN);
        StringBuilder b = new StringBuilder(shown + 32).append('\'');
        escape(text, 0, shown, b);
        b.append('\'');
        if (shown < text.length()) {
            b.insert(b.length() - 1, "...").append(" (").append(text.length()).append(" characters)");
        }
        return b.toString();
    }

    /** {@code text} with control characters (line breaks included) written as escapes. */
    public static String escape(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i)) || isLineSeparator(text.charAt(i))) {
                StringBuilder b = new StringBuilder(text.length() + 16);
                escape(text, 0, text.length(), b);
                return b.toString();
            }
        }
        return text;
    }

    private static void escape(String text, int from, int to, StringBuilder b) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || isLineSeparator(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }

    private static boolean isLineSeparator(char c) {
        return c == '\u2028' || c == '\u2029' || c == '\u0085';
    }
}
