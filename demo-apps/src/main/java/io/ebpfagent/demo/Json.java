package io.ebpfagent.demo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A flat-or-nested JSON object built field by field; enough for the demo's small responses
 * without pulling a JSON library into an application the agent is supposed to observe alone.
 */
public final class Json {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    public Json put(String key, String value) {
        fields.put(key, value);
        return this;
    }

    public Json put(String key, long value) {
        fields.put(key, value);
        return this;
    }

    public Json put(String key, double value) {
        fields.put(key, value);
        return this;
    }

    public Json put(String key, boolean value) {
        fields.put(key, value);
        return this;
    }

    public Json put(String key, Json value) {
        fields.put(key, value);
        return this;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(64);
        write(out);
        return out.toString();
    }

    private void write(StringBuilder out) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quote(out, field.getKey());
            out.append(':');
            switch (field.getValue()) {
                case String s -> quote(out, s);
                case Json nested -> nested.write(out);
                case Double d when d.isNaN() || d.isInfinite() -> out.append("null");
                case Double d -> out.append(String.format(java.util.Locale.ROOT, "%.3f", d));
                default -> out.append(field.getValue());
            }
        }
        out.append('}');
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
