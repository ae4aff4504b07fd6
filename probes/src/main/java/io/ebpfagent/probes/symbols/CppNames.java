package io.ebpfagent.probes.symbols;

/**
 * Shortens Itanium-mangled C++ symbols to their qualified function name, without parameters or
 * template arguments ({@code _ZN9JavaCalls11call_helperEP9JavaValue...} to {@code
 * JavaCalls::call_helper}): what a flame graph needs, not a full demangler. Anything outside
 * the handled subset is returned unchanged.
 */
final class CppNames {
    private CppNames() {
    }

    static String simplify(String symbol) {
        if (!symbol.startsWith("_Z")) {
            return symbol;
        }
        int dot = symbol.indexOf('.');
        // compiler clones (.part.0, .constprop.1, .isra.0, .cold) belong to the function they came from
        String s = dot > 0 ? symbol.substring(0, dot) : symbol;
        try {
            String name = new Parser(s, 2).encodingName();
            return name == null ? symbol : name;
        } catch (RuntimeException outsideSubset) {
            return symbol;
        }
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        String encodingName() {
            if (peek() == 'L') {
                pos++; // internal linkage
            }
            if (peek() == 'N') {
                pos++;
                return nested();
            }
            if (s.startsWith("St", pos)) {
                pos += 2;
                String n = component(null);
                return n == null ? null : "std::" + n;
            }
            return component(null);
        }

        private String nested() {
            while ("rVKRO".indexOf(peek()) >= 0) {
                pos++; // cv- and ref-qualifiers of member functions
            }
            StringBuilder out = new StringBuilder();
            String last = null;
            if (s.startsWith("St", pos)) {
                pos += 2;
                out.append("std");
            }
            while (peek() != 'E') {
                if (peek() == 'I') {
                    skipTemplateArgs();
                    continue;
                }
                String c = component(last);
                if (c == null) {
                    return null;
                }
                if (!out.isEmpty()) {
                    out.append("::");
                }
                out.append(c);
                last = c;
            }
            return out.isEmpty() ? null : out.toString();
        }

        /** One unqualified name; {@code enclosing} names constructors and destructors. */
        private String component(String enclosing) {
            char c = peek();
            if (Character.isDigit(c)) {
                int len = 0;
                while (Character.isDigit(peek())) {
                    len = len * 10 + (s.charAt(pos++) - '0');
                }
                String id = s.substring(pos, pos + len);
                pos += len;
                return id;
            }
            if (c == 'C' && enclosing != null) {
                pos += s.charAt(pos + 1) == 'I' ? 3 : 2;
                return enclosing;
            }
            if (c == 'D' && enclosing != null && Character.isDigit(s.charAt(pos + 1))) {
                pos += 2;
                return "~" + enclosing;
            }
            if (Character.isLowerCase(c) && Character.isLowerCase(s.charAt(pos + 1))) {
                String op = operator(s.substring(pos, pos + 2));
                pos += 2;
                return op == null ? null : "operator" + op;
            }
            return null; // substitutions and the rest: keep the mangled name
        }

        private void skipTemplateArgs() {
            int depth = 0;
            do {
                char c = s.charAt(pos);
                if (Character.isDigit(c)) {
                    int len = 0;
                    while (Character.isDigit(s.charAt(pos))) {
                        len = len * 10 + (s.charAt(pos++) - '0');
                    }
                    pos += len;
                    continue;
                }
                if (c == 'L' && Character.isLowerCase(s.charAt(pos + 1))) {
                    // literal of a builtin type: L, type letter, number (n: negative), E
                    pos += 2;
                    while (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == 'n') {
                        pos++;
                    }
                    if (s.charAt(pos) != 'E') {
                        throw new IllegalArgumentException("literal");
                    }
                    pos++;
                    continue;
                }
                if (c == 'I' || c == 'N' || c == 'L' || c == 'Z' || c == 'X') {
                    depth++;
                } else if (c == 'E') {
                    depth--;
                }
                pos++;
            } while (depth > 0);
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private static String operator(String code) {
            return switch (code) {
                case "nw" -> " new";
                case "na" -> " new[]";
                case "dl" -> " delete";
                case "da" -> " delete[]";
                case "pl" -> "+";
                case "mi" -> "-";
                case "ml" -> "*";
                case "dv" -> "/";
                case "eq" -> "==";
                case "ne" -> "!=";
                case "lt" -> "<";
                case "gt" -> ">";
                case "aS" -> "=";
                case "cl" -> "()";
                case "ix" -> "[]";
                case "ls" -> "<<";
                case "rs" -> ">>";
                case "cv" -> " cast";
                default -> null;
            };
        }
    }
}
