package io.ebpfagent.agent.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Builds an {@link AgentConfig} from, lowest precedence first: defaults, the YAML file, agent
 * arguments, the standard {@code OTEL_*} environment variables, {@code EBPF_AGENT_*} environment
 * variables, and {@code -Debpf.agent.*} system properties. Map-valued keys merge entry by entry
 * across sources; every other key is replaced. Unknown keys and bad values are errors.
 */
public final class ConfigLoader {
    /** The largest configuration file read: far more than any real configuration needs. */
    public static final int MAX_FILE_BYTES = 256 * 1024;
    private final Map<ConfigKey<?>, Object> values = new LinkedHashMap<>();
    private final Map<ConfigKey<?>, ConfigSource> sources = new LinkedHashMap<>();

    private ConfigLoader() {
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            values.put(key, key.defaultValue());
            sources.put(key, ConfigSource.DEFAULT);
        }
    }

    /** Loads from the real environment and system properties. */
    public static AgentConfig load(String agentArgs) throws ConfigException {
        return load(AgentArgs.parse(agentArgs), System.getenv(), System.getProperties());
    }

    public static AgentConfig load(AgentArgs args, Map<String, String> env, Properties properties)
            throws ConfigException {
        ConfigLoader loader = new ConfigLoader();
        if (args.configFile() != null) {
            loader.applyFile(Path.of(args.configFile()));
        }
        for (Map.Entry<String, String> override : args.overrides().entrySet()) {
            loader.applyString(override.getKey(), override.getValue(), ConfigSource.agentArgument(override.getKey()));
        }
        loader.applyOtelEnvironment(env);
        loader.applyPrefixed(env, ConfigKey.ENV_PREFIX, ConfigKey::envName, ConfigSource::environment,
                ConfigSchema.RESERVED_ENV);
        Map<String, String> props = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            props.put(name, properties.getProperty(name));
        }
        loader.applyPrefixed(props, ConfigKey.PROPERTY_PREFIX, ConfigKey::propertyName, ConfigSource::systemProperty,
                List.of());
        return new AgentConfig(loader.values, loader.sources);
    }

    /** Parses a YAML document on its own; {@code origin} names it in messages. */
    public static AgentConfig fromYaml(String document, String origin) throws ConfigException {
        ConfigLoader loader = new ConfigLoader();
        loader.applyYaml(document, origin);
        return new AgentConfig(loader.values, loader.sources);
    }

    private void applyFile(Path file) throws ConfigException {
        applyYaml(readFile(file), file.toString());
    }

    /**
     * The file's text: a regular file (a FIFO or device such as /dev/zero could block or never
     * end) of at most {@link #MAX_FILE_BYTES} bytes of UTF-8.
     */
    static String readFile(Path file) throws ConfigException {
        ConfigSource source = new ConfigSource(ConfigSource.Kind.FILE, file.toString());
        if (!Files.exists(file)) {
            throw new ConfigException(null, source, "cannot read the configuration file: it does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(null, source, "cannot read the configuration file: not a regular file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new ConfigException(null, source, "cannot read the configuration file: " + e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ConfigException(null, source, "the configuration file is larger than " + (MAX_FILE_BYTES >> 10)
                    + " KiB, the limit");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(null, source, "the configuration file is not UTF-8 text");
        }
    }

    private void applyYaml(String document, String origin) throws ConfigException {
        YamlNode.Mapping root;
        try {
            root = YamlParser.parse(document);
        } catch (YamlException e) {
            throw new ConfigException(null, ConfigSource.file(origin, e.line()), e.getMessage()
                    .substring(e.getMessage().indexOf(": ") + 2));
        }
        applyMapping("", root, origin);
    }

    private void applyMapping(String prefix, YamlNode.Mapping mapping, String origin) throws ConfigException {
        for (YamlNode.Entry entry : mapping.entries().values()) {
            String path = prefix + entry.key();
            ConfigSource source = ConfigSource.file(origin, entry.line());
            var key = ConfigSchema.find(path);
            if (key.isPresent()) {
                applyYamlValue(key.get(), entry.value(), source, origin);
            } else if (isSection(path)) {
                if (!(entry.value() instanceof YamlNode.Mapping child)) {
                    throw new ConfigException(path, source, "is a section; expected a map of keys below it, found "
                            + YamlNode.describe(entry.value()) + "; keys: " + String.join(", ", keysUnder(path)));
                }
                applyMapping(path + ".", child, origin);
            } else {
                throw unknownKey(path, source);
            }
        }
    }

    private <T> void applyYamlValue(ConfigKey<T> key, YamlNode node, ConfigSource source, String origin)
            throws ConfigException {
        T value;
        try {
            value = key.type().fromYaml(node);
        } catch (ConfigType.ItemException e) {
            throw new ConfigException(key.path(), ConfigSource.file(origin, e.line()), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key.path(), source, e.getMessage());
        }
        set(key, value, source);
    }

    private void applyString(String path, String text, ConfigSource source) throws ConfigException {
        ConfigKey<?> key = ConfigSchema.find(path).orElseThrow(() -> unknownKey(path, source));
        parseAndSet(key, text, source);
    }

    private <T> void parseAndSet(ConfigKey<T> key, String text, ConfigSource source) throws ConfigException {
        try {
            set(key, key.type().parse(text), source);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key.path(), source, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void set(ConfigKey<T> key, T value, ConfigSource source) {
        if (key.type() instanceof ConfigType.MapType && sources.get(key).kind() != ConfigSource.Kind.DEFAULT) {
            Map<String, String> merged = new LinkedHashMap<>((Map<String, String>) values.get(key));
            merged.putAll((Map<String, String>) value);
            values.put(key, java.util.Collections.unmodifiableMap(merged));
        } else {
            values.put(key, value);
        }
        sources.put(key, source);
    }

    private void applyPrefixed(Map<String, String> entries, String prefix, Function<ConfigKey<?>, String> naming,
            Function<String, ConfigSource> sourceOf, List<String> reserved) throws ConfigException {
        Map<String, ConfigKey<?>> byName = new LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            byName.put(naming.apply(key), key);
        }
        // Sorted for a deterministic first error.
        List<String> names = new ArrayList<>(entries.keySet());
        names.sort(null);
        for (String name : names) {
            if (!name.startsWith(prefix) || reserved.contains(name)) {
                continue;
            }
            ConfigSource source = sourceOf.apply(name);
            ConfigKey<?> key = byName.get(name);
            if (key == null) {
                String hint = Suggestions.closest(name, byName.keySet()).map(s -> " (did you mean " + s + "?)")
                        .orElse("");
                throw new ConfigException(name.substring(prefix.length()), source, "unknown configuration key" + hint
                        + "; see docs/CONFIG.md for the keys");
            }
            parseAndSet(key, entries.get(name), source);
        }
    }

    private void applyOtelEnvironment(Map<String, String> env) throws ConfigException {
        applyOtel(env, "OTEL_EXPORTER_OTLP_ENDPOINT", ConfigSchema.OTLP_ENDPOINT);
        applyOtel(env, "OTEL_EXPORTER_OTLP_PROTOCOL", ConfigSchema.OTLP_PROTOCOL);
        applyOtel(env, "OTEL_EXPORTER_OTLP_HEADERS", ConfigSchema.OTLP_HEADERS);
        applyOtel(env, "OTEL_RESOURCE_ATTRIBUTES", ConfigSchema.RESOURCE_ATTRIBUTES);
        String serviceName = env.get("OTEL_SERVICE_NAME");
        if (serviceName != null && !serviceName.isBlank()) {
            set(ConfigSchema.RESOURCE_ATTRIBUTES, Map.of("service.name", serviceName.strip()),
                    ConfigSource.otelEnvironment("OTEL_SERVICE_NAME"));
        }
        String interval = env.get("OTEL_METRIC_EXPORT_INTERVAL");
        if (interval != null && !interval.isBlank()) {
            ConfigSource source = ConfigSource.otelEnvironment("OTEL_METRIC_EXPORT_INTERVAL");
            long millis;
            try {
                millis = Long.parseLong(interval.strip());
            } catch (NumberFormatException e) {
                throw new ConfigException(ConfigSchema.EXPORTER_INTERVAL.path(), source,
                        "expected milliseconds as an integer (OpenTelemetry convention), found " + ConfigText.quote(interval));
            }
            parseAndSet(ConfigSchema.EXPORTER_INTERVAL, millis + "ms", source);
        }
    }

    private void applyOtel(Map<String, String> env, String name, ConfigKey<?> key) throws ConfigException {
        String value = env.get(name);
        if (value != null && !value.isBlank()) {
            parseAndSet(key, value, ConfigSource.otelEnvironment(name));
        }
    }

    private static boolean isSection(String path) {
        return !keysUnder(path).isEmpty();
    }

    private static List<String> keysUnder(String path) {
        List<String> result = new ArrayList<>();
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            if (key.path().startsWith(path + ".")) {
                result.add(key.path());
            }
        }
        return result;
    }

    private static ConfigException unknownKey(String path, ConfigSource source) {
        List<String> candidates = new ArrayList<>();
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            candidates.add(key.path());
            // Sections too, so that "probe.sched.enabled" suggests the right spelling.
            String p = key.path();
            for (int dot = p.indexOf('.'); dot > 0; dot = p.indexOf('.', dot + 1)) {
                candidates.add(p.substring(0, dot));
            }
        }
        String hint = Suggestions.closest(path, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
        int dot = path.lastIndexOf('.');
        String parent = dot < 0 ? "" : path.substring(0, dot);
        List<String> siblings = parent.isEmpty() ? List.of() : keysUnder(parent);
        String known = siblings.isEmpty() ? "; see docs/CONFIG.md for the keys"
                : "; keys under '" + parent + "': " + String.join(", ", siblings);
        return new ConfigException(path, source, "unknown configuration key" + hint + known);
    }
}
