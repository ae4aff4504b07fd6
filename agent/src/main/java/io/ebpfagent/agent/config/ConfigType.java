package io.ebpfagent.agent.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The type of a configuration value: how it is written (in YAML, and as a single string in a
 * system property or environment variable), what is allowed, and how it reads in the docs.
 * Parse failures throw {@link IllegalArgumentException} whose message says what was expected.
 */
public sealed interface ConfigType<T> {

    /** Short name for the docs, e.g. {@code duration}. */
    String name();

    /** What is allowed, for error messages and the docs. */
    String allowed();

    /** Reads the single-string form (YAML scalar, system property, environment variable). */
    T parse(String text);

    /** Reads a YAML node; scalars go through {@link #parse}. */
    default T fromYaml(YamlNode node) {
        if (node instanceof YamlNode.Scalar scalar && scalar.value() != null) {
            return parse(scalar.value());
        }
        throw new IllegalArgumentException("expected " + allowed() + ", found " + YamlNode.describe(node)
                + (node instanceof YamlNode.Scalar ? " with no value" : ""));
    }

    /** The value as written in the docs (and accepted back by {@link #parse}). */
    default String format(T value) {
        return String.valueOf(value);
    }

    record BoolType() implements ConfigType<Boolean> {
        @Override
        public String name() {
            return "boolean";
        }

        @Override
        public String allowed() {
            return "true or false";
        }

        @Override
        public Boolean parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("expected true or false, found " + ConfigText.quote(text));
            };
        }
    }

    record IntType(int min, int max) implements ConfigType<Integer> {
        @Override
        public String name() {
            return "integer";
        }

        @Override
        public String allowed() {
            return "an integer from " + min + " to " + max;
        }

        @Override
        public Integer parse(String text) {
            int value;
            try {
                value = Integer.parseInt(text.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text));
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("expected " + allowed() + ", found " + value);
            }
            return value;
        }
    }

    /** A duration with a unit: {@code 500us}, {@code 10ms}, {@code 2s}, {@code 1m}, {@code 1h}; {@code 0} alone too. */
    record DurationType(Duration min) implements ConfigType<Duration> {
        private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|h)");

        @Override
        public String name() {
            return "duration";
        }

        @Override
        public String allowed() {
            return "a duration such as 500us, 10ms, 2s, 1m (units ns, us, ms, s, m, h)"
                    + (min.isZero() ? "" : ", at least " + formatDuration(min));
        }

        @Override
        public Duration parse(String text) {
            String value = text.strip();
            Duration result;
            if (value.equals("0")) {
                result = Duration.ZERO;
            } else {
                var matcher = FORMAT.matcher(value);
                if (!matcher.matches()) {
                    throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text));
                }
                double amount = Double.parseDouble(matcher.group(1));
                long unitNanos = switch (matcher.group(2)) {
                    case "ns" -> 1L;
                    case "us", "µs" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                result = Duration.ofNanos(Math.round(amount * unitNanos));
            }
            if (result.compareTo(min) < 0) {
                throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text));
            }
            return result;
        }

        @Override
        public String format(Duration value) {
            return formatDuration(value);
        }

        static String formatDuration(Duration value) {
            long nanos = value.toNanos();
            if (nanos == 0) {
                return "0";
            }
            String[] units = {"h", "m", "s", "ms", "us", "ns"};
            long[] sizes = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
            for (int i = 0; i < units.length; i++) {
                if (nanos % sizes[i] == 0) {
                    return nanos / sizes[i] + units[i];
                }
            }
            return nanos + "ns";
        }
    }

    /** Free text; {@code pattern}, when set, is what the value must match. */
    record StringType(String description, Pattern pattern) implements ConfigType<String> {
        @Override
        public String name() {
            return "string";
        }

        @Override
        public String allowed() {
            return description;
        }

        @Override
        public String parse(String text) {
            String value = text.strip();
            if (pattern != null && !pattern.matcher(value).matches()) {
                throw new IllegalArgumentException("expected " + description + ", found " + ConfigText.quote(text));
            }
            return value;
        }

        @Override
        public String format(String value) {
            return value.isEmpty() ? "\"\"" : value;
        }
    }

    record EnumType(List<String> values) implements ConfigType<String> {
        @Override
        public String name() {
            return "enum";
        }

        @Override
        public String allowed() {
            return "one of " + String.join(", ", values);
        }

        @Override
        public String parse(String text) {
            String value = text.strip().toLowerCase(Locale.ROOT);
            if (!values.contains(value)) {
                String hint = Suggestions.closest(value, values).map(s -> " (did you mean '" + s + "'?)").orElse("");
                throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text) + hint);
            }
            return value;
        }
    }

    /** A list: a YAML list, or in a single string the items separated by {@code separator}. */
    record ListType<E>(ConfigType<E> element, String separator) implements ConfigType<List<E>> {
        @Override
        public String name() {
            return "list of " + element.name();
        }

        @Override
        public String allowed() {
            return "a list of " + element.allowed() + " (as one string: items separated by '" + separator + "')";
        }

        @Override
        public List<E> parse(String text) {
            List<E> result = new ArrayList<>();
            if (text.isBlank()) {
                return List.of();
            }
            for (String item : text.split(Pattern.quote(separator), -1)) {
                if (item.isBlank()) {
                    throw new IllegalArgumentException("empty item in list " + ConfigText.quote(text));
                }
                result.add(element.parse(item));
            }
            return Collections.unmodifiableList(result);
        }

        @Override
        public List<E> fromYaml(YamlNode node) {
            if (node instanceof YamlNode.Sequence sequence) {
                List<E> result = new ArrayList<>();
                for (int i = 0; i < sequence.items().size(); i++) {
                    YamlNode item = sequence.items().get(i);
                    try {
                        result.add(element.fromYaml(item));
                    } catch (IllegalArgumentException e) {
                        throw new ItemException(item.line(), "item " + (i + 1) + ": " + e.getMessage());
                    }
                }
                return Collections.unmodifiableList(result);
            }
            return ConfigType.super.fromYaml(node);
        }

        @Override
        public String format(List<E> value) {
            return value.stream().map(element::format).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    /**
     * String keys to string values: a YAML map, or {@code k=v,k2=v2} (values URL-decoded, as OTel
     * env vars). With {@code httpHeaders} every entry must be a header both OTLP transports can
     * send: a name of letters, digits, '.', '_' and '-' (not ending in {@code -bin}, which gRPC
     * reserves for binary values) and a value of printable ASCII; a line break in a value would
     * otherwise make every export fail.
     */
    record MapType(boolean httpHeaders) implements ConfigType<Map<String, String>> {
        private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9._-]+");
        private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7e\\t]*");

        public MapType() {
            this(false);
        }

        @Override
        public String name() {
            return "map";
        }

        @Override
        public String allowed() {
            return httpHeaders
                    ? "a map of header names (letters, digits, '.', '_', '-') to printable ASCII values "
                            + "(as one string: name=value pairs separated by ',', values URL-decoded)"
                    : "a map of string keys to string values (as one string: key=value pairs separated by ',')";
        }

        @Override
        public Map<String, String> parse(String text) {
            Map<String, String> result = new LinkedHashMap<>();
            if (text.isBlank()) {
                return Map.of();
            }
            for (String pair : text.split(",", -1)) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || pair.substring(0, eq).isBlank()) {
                    throw new IllegalArgumentException("expected key=value, found " + ConfigText.quote(pair.strip()));
                }
                String key = decode(pair.substring(0, eq).strip());
                String value = decode(pair.substring(eq + 1).strip());
                check(key, value);
                result.put(key, value);
            }
            return Collections.unmodifiableMap(result);
        }

        private void check(String key, String value) {
            if (!httpHeaders) {
                return;
            }
            if (!HEADER_NAME.matcher(key).matches() || key.toLowerCase(Locale.ROOT).endsWith("-bin")) {
                throw new IllegalArgumentException("header name " + ConfigText.quote(key) + " is not allowed: "
                        + "use letters, digits, '.', '_' and '-' (and no '-bin' suffix)");
            }
            if (!HEADER_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("the value of header " + ConfigText.quote(key)
                        + " has a line break, a control character or a non-ASCII character: "
                        + ConfigText.quote(value));
            }
        }

        private static String decode(String text) {
            try {
                return java.net.URLDecoder.decode(text.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return text;
            }
        }

        @Override
        public Map<String, String> fromYaml(YamlNode node) {
            if (node instanceof YamlNode.Mapping mapping) {
                Map<String, String> result = new LinkedHashMap<>();
                for (YamlNode.Entry entry : mapping.entries().values()) {
                    if (!(entry.value() instanceof YamlNode.Scalar scalar) || scalar.value() == null) {
                        throw new ItemException(entry.line(), ConfigText.quote(entry.key()) + " must have a string value");
                    }
                    try {
                        check(entry.key(), scalar.value());
                    } catch (IllegalArgumentException e) {
                        throw new ItemException(entry.line(), e.getMessage());
                    }
                    result.put(entry.key(), scalar.value());
                }
                return Collections.unmodifiableMap(result);
            }
            return ConfigType.super.fromYaml(node);
        }

        @Override
        public String format(Map<String, String> value) {
            return value.isEmpty() ? "{}" : value.toString();
        }
    }

    /**
     * An {@code http://} or {@code https://} URL with a host and, if given, a port from 1 to
     * 65535; no credentials, query or fragment. Empty is allowed (the default applies).
     */
    record UrlType() implements ConfigType<String> {
        @Override
        public String name() {
            return "URL";
        }

        @Override
        public String allowed() {
            return "an http:// or https:// URL with a host and optionally a port (1-65535), or empty";
        }

        @Override
        public String parse(String text) {
            String value = text.strip();
            if (value.isEmpty()) {
                return value;
            }
            java.net.URI uri;
            try {
                uri = new java.net.URI(value);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text)
                        + " (" + e.getReason() + ")");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String problem = null;
            if (!scheme.equals("http") && !scheme.equals("https")) {
                problem = "the scheme must be http or https";
            } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                problem = "no valid host";
            } else if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
                problem = "port " + uri.getPort() + " is out of range (1-65535)";
            } else if (uri.getRawUserInfo() != null) {
                problem = "credentials in the URL are not supported (use exporter.otlp.headers)";
            } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                problem = "a query or fragment is not allowed";
            }
            if (problem != null) {
                throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text)
                        + ": " + problem);
            }
            return value;
        }

        @Override
        public String format(String value) {
            return value.isEmpty() ? "\"\"" : value;
        }
    }

    /** A regular expression and the group name threads matching it get. */
    record GroupPattern(Pattern regex, String group) {
        @Override
        public String toString() {
            return regex.pattern() + "=" + group;
        }
    }

    /** {@code {pattern: regex, group: name}} in YAML, {@code regex=name} as one string. */
    record GroupPatternType() implements ConfigType<GroupPattern> {
        @Override
        public String name() {
            return "regex=group";
        }

        @Override
        public String allowed() {
            return "a map {pattern: <regex>, group: <name>} (as one string: <regex>=<name>)";
        }

        @Override
        public GroupPattern parse(String text) {
            int eq = text.lastIndexOf('=');
            if (eq <= 0 || eq == text.length() - 1) {
                throw new IllegalArgumentException("expected <regex>=<group>, found " + ConfigText.quote(text));
            }
            return of(text.substring(0, eq).strip(), text.substring(eq + 1).strip());
        }

        @Override
        public GroupPattern fromYaml(YamlNode node) {
            if (node instanceof YamlNode.Mapping mapping) {
                for (YamlNode.Entry entry : mapping.entries().values()) {
                    if (!entry.key().equals("pattern") && !entry.key().equals("group")) {
                        throw new ItemException(entry.line(), "unknown key " + ConfigText.quote(entry.key())
                                + " (allowed: pattern, group)");
                    }
                }
                YamlNode.Entry pattern = mapping.entries().get("pattern");
                YamlNode.Entry group = mapping.entries().get("group");
                if (pattern == null || group == null) {
                    throw new IllegalArgumentException("needs both 'pattern' and 'group'");
                }
                return of(scalar(pattern), scalar(group));
            }
            return ConfigType.super.fromYaml(node);
        }

        private static String scalar(YamlNode.Entry entry) {
            if (entry.value() instanceof YamlNode.Scalar s && s.value() != null && !s.value().isBlank()) {
                return s.value();
            }
            throw new ItemException(entry.line(), ConfigText.quote(entry.key()) + " must be a non-empty string");
        }

        private static GroupPattern of(String regex, String group) {
            try {
                return new GroupPattern(Pattern.compile(regex), group);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regex " + ConfigText.quote(regex) + ": " + e.getDescription());
            }
        }
    }

    /**
     * {@code com.example.*Service#handle*}: a binary class name and a method name, {@code *} matching
     * any run of characters (dots included). The class part needs a literal character besides dots;
     * constructors cannot be named.
     */
    record MethodPattern(String classPattern, String methodPattern) {
        @Override
        public String toString() {
            return classPattern + "#" + methodPattern;
        }
    }

    record MethodPatternType() implements ConfigType<MethodPattern> {
        private static final Pattern FORMAT =
                Pattern.compile("([\\p{javaJavaIdentifierPart}.$*]+)#([\\p{javaJavaIdentifierPart}$*]+)");

        @Override
        public String name() {
            return "class#method";
        }

        @Override
        public String allowed() {
            return "a pattern class#method ('*' matches any characters)";
        }

        @Override
        public MethodPattern parse(String text) {
            var matcher = FORMAT.matcher(text.strip());
            if (!matcher.matches() || matcher.group(1).chars().allMatch(c -> c == '*' || c == '.')) {
                throw new IllegalArgumentException("expected " + allowed() + ", found " + ConfigText.quote(text));
            }
            return new MethodPattern(matcher.group(1), matcher.group(2));
        }
    }

    /** An error inside a YAML collection, carrying the line of the offending item. */
    final class ItemException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final int line;

        ItemException(int line, String message) {
            super(message);
            this.line = line;
        }

        int line() {
            return line;
        }
    }
}
