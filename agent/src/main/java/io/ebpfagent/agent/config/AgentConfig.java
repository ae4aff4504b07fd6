package io.ebpfagent.agent.config;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The validated, immutable agent configuration: a value for every key of {@link ConfigSchema}
 * and where it came from. Built by {@link ConfigLoader}.
 */
public final class AgentConfig {
    private final Map<ConfigKey<?>, Object> values;
    private final Map<ConfigKey<?>, ConfigSource> sources;

    AgentConfig(Map<ConfigKey<?>, Object> values, Map<ConfigKey<?>, ConfigSource> sources) {
        this.values = Collections.unmodifiableMap(values);
        this.sources = Collections.unmodifiableMap(sources);
    }

    /** The configuration with every key at its default. */
    public static AgentConfig defaults() {
        Map<ConfigKey<?>, Object> values = new java.util.LinkedHashMap<>();
        Map<ConfigKey<?>, ConfigSource> sources = new java.util.LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            values.put(key, key.defaultValue());
            sources.put(key, ConfigSource.DEFAULT);
        }
        return new AgentConfig(values, sources);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        Object value = values.get(key);
        if (value == null && !values.containsKey(key)) {
            throw new IllegalArgumentException("not a schema key: " + key.path());
        }
        return (T) value;
    }

    public ConfigSource source(ConfigKey<?> key) {
        return sources.get(key);
    }

    public boolean enabled() {
        return get(ConfigSchema.AGENT_ENABLED);
    }

    public boolean probeEnabled(String probe) {
        return get(ConfigSchema.probeEnabled(probe));
    }

    public List<String> exporters() {
        return get(ConfigSchema.EXPORTER_KIND);
    }

    /** The OTLP endpoint, with the protocol's default port when none was configured. */
    public String otlpEndpoint() {
        String endpoint = get(ConfigSchema.OTLP_ENDPOINT);
        if (!endpoint.isEmpty()) {
            return endpoint;
        }
        return get(ConfigSchema.OTLP_PROTOCOL).equals("grpc") ? "http://localhost:4317" : "http://localhost:4318";
    }

    public Duration exportInterval() {
        return get(ConfigSchema.EXPORTER_INTERVAL);
    }

    /** Keys whose value is not the default, with their values and sources, for the startup log. */
    public String describeNonDefaults() {
        StringBuilder out = new StringBuilder();
        for (ConfigKey<?> key : ConfigSchema.keys()) {
            ConfigSource source = sources.get(key);
            if (source.kind() != ConfigSource.Kind.DEFAULT) {
                if (out.length() > 0) {
                    out.append(", ");
                }
                Object value = values.get(key);
                String shown = key.path().equals(ConfigSchema.OTLP_HEADERS.path()) ? "<" + ((Map<?, ?>) value).size()
                        + " headers>" : ConfigSchema.SECRETS.contains(key) ? "<secret>" : formatted(key, value);
                out.append(key.path()).append('=').append(shown).append(" (").append(source).append(')');
            }
        }
        return out.length() == 0 ? "all defaults" : out.toString();
    }

    @SuppressWarnings("unchecked")
    private static <T> String formatted(ConfigKey<T> key, Object value) {
        return key.type().format((T) value);
    }
}
