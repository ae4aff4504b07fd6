package io.ebpfagent.agent.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser for the YAML subset the agent configuration needs: block maps, block lists
 * (of scalars or of maps), flow lists of scalars ({@code [a, b]}), empty flow maps/lists,
 * plain, single- and double-quoted scalars, and {@code #} comments. Anything else (tabs in
 * indentation, anchors, tags, multi-line scalars, duplicate keys, odd indentation) is an error
 * naming the line, never a silent guess.
 */
public final class YamlParser {
    private record Line(int number, int indent, String text) {
    }

    /** Nesting of maps and lists allowed; the configuration needs four. */
    static final int MAX_DEPTH = 16;

    private final List<Line> lines;
    private int position;
    private int depth;

    private YamlParser(List<Line> lines) {
        this.lines = lines;
    }

    /** Parses a document; an empty document is an empty map. */
    public static YamlNode.Mapping parse(String document) throws YamlException {
        YamlParser parser = new YamlParser(split(document));
        if (parser.lines.isEmpty()) {
            return new YamlNode.Mapping(Collections.emptyMap(), 1);
        }
        Line first = parser.lines.get(0);
        if (first.indent != 0) {
            throw new YamlException(first.number, "the document must start at column 1");
        }
        if (isListItem(first.text)) {
            throw new YamlException(first.number, "the document must be a map of keys, not a list");
        }
        YamlNode.Mapping root = parser.parseMap(0);
        if (parser.position < parser.lines.size()) {
            Line extra = parser.lines.get(parser.position);
            throw new YamlException(extra.number, "unexpected indentation");
        }
        return root;
    }

    private static List<Line> split(String document) throws YamlException {
        List<Line> result = new ArrayList<>();
        String[] raw = document.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            int number = i + 1;
            String text = stripComment(raw[i], number);
            int indent = 0;
            while (indent < text.length() && text.charAt(indent) == ' ') {
                indent++;
            }
            if (indent < text.length() && text.charAt(indent) == '\t') {
                throw new YamlException(number, "tab in indentation; indent with spaces");
            }
            String content = text.substring(indent).stripTrailing();
            if (content.isEmpty() || (indent == 0 && (content.equals("---") || content.equals("...")))) {
                continue;
            }
            if (content.startsWith("%") && indent == 0) {
                throw new YamlException(number, "YAML directives are not supported");
            }
            result.add(new Line(number, indent, content));
        }
        return result;
    }

    /** Removes a {@code #} comment that starts a line or follows whitespace, outside quotes. */
    private static String stripComment(String line, int number) throws YamlException {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            } else if ((c == '"' || c == '\'') && startsToken(line, i)) {
                quote = c;
            }
        }
        return line;
    }

    /** A quote opens a quoted scalar only at the start of a token, as in YAML. */
    private static boolean startsToken(String line, int i) {
        if (i == 0) {
            return true;
        }
        char before = line.charAt(i - 1);
        return before == ' ' || before == '[' || before == ',' || before == ':' || before == '-';
    }

    private static boolean isListItem(String text) {
        return text.equals("-") || text.startsWith("- ");
    }

    private YamlNode parseBlock(int indent) throws YamlException {
        Line line = lines.get(position);
        return isListItem(line.text) ? parseList(indent) : parseMap(indent);
    }

    private void enter(int number) throws YamlException {
        if (++depth > MAX_DEPTH) {
            throw new YamlException(number, "maps and lists nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private YamlNode.Mapping parseMap(int indent) throws YamlException {
        enter(lines.get(position).number);
        try {
            return parseMapEntries(indent);
        } finally {
            depth--;
        }
    }

    private YamlNode.Mapping parseMapEntries(int indent) throws YamlException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        int mapLine = lines.get(position).number;
        while (position < lines.size()) {
            Line line = lines.get(position);
            if (line.indent < indent) {
                break;
            }
            if (line.indent > indent) {
                throw new YamlException(line.number, "unexpected indentation");
            }
            if (isListItem(line.text)) {
                throw new YamlException(line.number, "a list item where a key was expected");
            }
            int colon = keySeparator(line);
            String key = unquoteKey(line.text.substring(0, colon).stripTrailing(), line.number);
            String rest = line.text.substring(colon + 1).strip();
            if (entries.containsKey(key)) {
                throw new YamlException(line.number, "duplicate key " + ConfigText.quote(key) + " (first on line "
                        + entries.get(key).line() + ")");
            }
            position++;
            YamlNode value;
            if (!rest.isEmpty()) {
                value = parseInline(rest, line.number);
            } else if (position < lines.size() && lines.get(position).indent > indent) {
                value = parseBlock(lines.get(position).indent);
            } else if (position < lines.size() && lines.get(position).indent == indent
                    && isListItem(lines.get(position).text)) {
                // YAML allows a list at the same indentation as its key.
                value = parseList(indent);
            } else {
                value = new YamlNode.Scalar(null, false, line.number);
            }
            entries.put(key, new YamlNode.Entry(key, line.number, value));
        }
        return new YamlNode.Mapping(Collections.unmodifiableMap(entries), mapLine);
    }

    private YamlNode.Sequence parseList(int indent) throws YamlException {
        enter(lines.get(position).number);
        try {
            return parseListItems(indent);
        } finally {
            depth--;
        }
    }

    private YamlNode.Sequence parseListItems(int indent) throws YamlException {
        List<YamlNode> items = new ArrayList<>();
        int listLine = lines.get(position).number;
        while (position < lines.size()) {
            Line line = lines.get(position);
            if (line.indent < indent || (line.indent == indent && !isListItem(line.text))) {
                break;
            }
            if (line.indent > indent) {
                throw new YamlException(line.number, "unexpected indentation");
            }
            String content = line.text.substring(1);
            int offset = 1;
            while (offset < line.text.length() && line.text.charAt(offset) == ' ') {
                offset++;
            }
            content = content.strip();
            if (content.isEmpty()) {
                position++;
                if (position < lines.size() && lines.get(position).indent > indent) {
                    items.add(parseBlock(lines.get(position).indent));
                } else {
                    items.add(new YamlNode.Scalar(null, false, line.number));
                }
            } else if (isListItem(content)) {
                throw new YamlException(line.number, "nested list on one line is not supported");
            } else if (looksLikeKey(content)) {
                // "- key: value" starts a map whose keys are indented like 'key'.
                lines.set(position, new Line(line.number, indent + offset, content));
                items.add(parseMap(indent + offset));
            } else {
                position++;
                items.add(parseInline(content, line.number));
            }
        }
        return new YamlNode.Sequence(Collections.unmodifiableList(items), listLine);
    }

    private static boolean looksLikeKey(String content) {
        if (content.startsWith("[") || content.startsWith("{")) {
            return false;
        }
        try {
            keySeparator(new Line(0, 0, content));
            return true;
        } catch (YamlException e) {
            return false;
        }
    }

    /** Index of the ':' that ends the key: followed by a space or the end of the line, outside quotes. */
    private static int keySeparator(Line line) throws YamlException {
        String text = line.text;
        int i = 0;
        if (text.startsWith("\"") || text.startsWith("'")) {
            i = closingQuote(text, 0, line.number) + 1;
        }
        for (; i < text.length(); i++) {
            if (text.charAt(i) == ':' && (i + 1 == text.length() || text.charAt(i + 1) == ' ')) {
                if (i == 0) {
                    throw new YamlException(line.number, "empty key");
                }
                return i;
            }
        }
        throw new YamlException(line.number, "expected 'key: value', found " + ConfigText.quote(text));
    }

    private static String unquoteKey(String key, int number) throws YamlException {
        if (key.startsWith("\"") || key.startsWith("'")) {
            YamlNode.Scalar scalar = parseScalar(key, number);
            return scalar.value();
        }
        checkPlain(key, number);
        return key;
    }

    private static YamlNode parseInline(String text, int number) throws YamlException {
        if (text.startsWith("[")) {
            return parseFlowList(text, number);
        }
        if (text.startsWith("{")) {
            if (text.replace(" ", "").equals("{}")) {
                return new YamlNode.Mapping(Collections.emptyMap(), number);
            }
            throw new YamlException(number, "flow maps ({...}) are not supported; use an indented block");
        }
        if (text.equals("|") || text.equals(">") || text.startsWith("|") && text.length() <= 3
                || text.startsWith(">") && text.length() <= 3) {
            throw new YamlException(number, "multi-line scalars (| and >) are not supported");
        }
        return parseScalar(text, number);
    }

    private static YamlNode.Sequence parseFlowList(String text, int number) throws YamlException {
        if (!text.endsWith("]")) {
            throw new YamlException(number, "a flow list must end with ']' on the same line");
        }
        String body = text.substring(1, text.length() - 1).strip();
        List<YamlNode> items = new ArrayList<>();
        if (body.isEmpty()) {
            return new YamlNode.Sequence(Collections.emptyList(), number);
        }
        int start = 0;
        int i = 0;
        while (i <= body.length()) {
            if (i == body.length() || body.charAt(i) == ',') {
                String item = body.substring(start, i).strip();
                if (item.isEmpty()) {
                    throw new YamlException(number, "empty item in flow list");
                }
                if (item.startsWith("[") || item.startsWith("{")) {
                    throw new YamlException(number, "nested flow collections are not supported");
                }
                items.add(parseScalar(item, number));
                start = i + 1;
                i++;
            } else if (body.charAt(i) == '"' || body.charAt(i) == '\'') {
                i = closingQuote(body, i, number) + 1;
            } else {
                i++;
            }
        }
        return new YamlNode.Sequence(Collections.unmodifiableList(items), number);
    }

    private static int closingQuote(String text, int open, int number) throws YamlException {
        char quote = text.charAt(open);
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote == '"' && c == '\\') {
                i++;
            } else if (c == quote) {
                if (quote == '\'' && i + 1 < text.length() && text.charAt(i + 1) == '\'') {
                    i++;
                } else {
                    return i;
                }
            }
        }
        throw new YamlException(number, "unterminated quoted string");
    }

    private static YamlNode.Scalar parseScalar(String text, int number) throws YamlException {
        if (text.startsWith("\"") || text.startsWith("'")) {
            int close = closingQuote(text, 0, number);
            if (close != text.length() - 1) {
                throw new YamlException(number, "unexpected text after the closing quote");
            }
            String body = text.substring(1, close);
            return new YamlNode.Scalar(text.charAt(0) == '"' ? unescape(body, number) : body.replace("''", "'"),
                    true, number);
        }
        checkPlain(text, number);
        return new YamlNode.Scalar(text, false, number);
    }

    private static void checkPlain(String text, int number) throws YamlException {
        char first = text.charAt(0);
        if (first == '&' || first == '*' || first == '!') {
            throw new YamlException(number, "anchors, aliases and tags are not supported");
        }
        if (first == '@' || first == '`') {
            throw new YamlException(number, "'" + first + "' cannot start a plain value; quote it");
        }
        if (text.contains(": ") || text.endsWith(":")) {
            throw new YamlException(number, "unexpected ':' in a value; quote it");
        }
    }

    private static String unescape(String body, int number) throws YamlException {
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == body.length()) {
                throw new YamlException(number, "dangling '\\' in a quoted string");
            }
            char e = body.charAt(i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0' -> out.append('\0');
                case '"', '\\', '/' -> out.append(e);
                case 'u' -> {
                    if (i + 4 >= body.length()) {
                        throw new YamlException(number, "short \\u escape");
                    }
                    try {
                        out.append((char) Integer.parseInt(body.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException ex) {
                        throw new YamlException(number, "bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw new YamlException(number, "unknown escape '\\" + e + "'");
            }
        }
        return out.toString();
    }
}
