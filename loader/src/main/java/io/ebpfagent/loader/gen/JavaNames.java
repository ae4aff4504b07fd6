package io.ebpfagent.loader.gen;

import java.util.Locale;

/**
 * The naming rules of generated bindings: C identifiers become Java class names in UpperCamelCase
 * ({@code slow_io_event -> SlowIoEvent}) and constants in UPPER_SNAKE_CASE
 * ({@code target_tgid -> TARGET_TGID}, {@code nrPages -> NR_PAGES}), so that a name in the C
 * source can be found in the Java source by eye.
 */
final class JavaNames {
    private JavaNames() {
    }

    /** {@code slow_io_event -> SlowIoEvent}, {@code .rodata.cfg -> RodataCfg}, {@code sched.bpf.o -> Sched}. */
    static String className(String c) {
        StringBuilder out = new StringBuilder();
        boolean upper = true;
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (!Character.isLetterOrDigit(ch)) {
                upper = true;
                continue;
            }
            if (out.isEmpty() && Character.isDigit(ch)) {
                out.append('_');
            }
            out.append(upper ? Character.toUpperCase(ch) : ch);
            upper = false;
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no Java class name can be made of '" + c + "'");
        }
        return out.toString();
    }

    /** {@code target_tgid -> TARGET_TGID}, {@code nrPages -> NR_PAGES}. */
    static String constant(String c) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (Character.isUpperCase(ch) && i > 0 && Character.isLowerCase(c.charAt(i - 1))) {
                out.append('_');
            }
            out.append(Character.isLetterOrDigit(ch) ? Character.toUpperCase(ch) : '_');
        }
        return out.toString().toUpperCase(Locale.ROOT);
    }

    /** {@code target_tgid -> setTargetTgid}. */
    static String setter(String c) {
        return "set" + className(c);
    }

    /**
     * Members and variables whose C name starts with an underscore ({@code _pad},
     * {@code __reserved}) are padding or private by convention: they stay in the layouts (so
     * offsets and sizes stay right) but get no constants.
     */
    static boolean isPrivate(String c) {
        return c.isEmpty() || c.charAt(0) == '_';
    }

    /** Escapes a C identifier or file name for a Java string literal or Javadoc (they hold no quotes). */
    static String literal(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
