package io.ebpfagent.agent.config;

import java.util.Locale;

/**
 * One configuration key: its dotted path (as in the YAML file), type, default and description.
 * The system property is {@code ebpf.agent.<path>}, the environment variable
 * {@code EBPF_AGENT_<PATH>} with dots as underscores, upper case.
 */
public record ConfigKey<T>(String path, ConfigType<T> type, T defaultValue, String description) {

    public static final String PROPERTY_PREFIX = "ebpf.agent.";
    public static final String ENV_PREFIX = "EBPF_AGENT_";

    public String propertyName() {
        return PROPERTY_PREFIX + path;
    }

    public String envName() {
        return ENV_PREFIX + path.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public String formattedDefault() {
        return type.format(defaultValue);
    }

    /**
     * Keys are equal when their paths are (the schema has one key per path). Written out: a
     * record's generated equals and hashCode link a bootstrap method and spin classes at their
     * first call, which for the configuration's maps is on every JVM's start.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigKey<?> k && path.equals(k.path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }
}
