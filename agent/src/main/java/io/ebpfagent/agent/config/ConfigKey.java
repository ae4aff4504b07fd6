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
}
