package io.ebpfagent.agent.config;

/**
 * A configuration the agent refuses: an unknown key or a bad value. The message names the key,
 * where it was set (file:line, system property or environment variable) and what is allowed.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final transient ConfigSource source;

    public ConfigException(String key, ConfigSource source, String problem) {
        super((key == null ? "" : ConfigText.quote(key) + " ") + "(" + ConfigText.escape(String.valueOf(source)) + "): "
                + problem);
        this.key = key;
        this.source = source;
    }

    /** The dotted key, or null when the problem is not about one key (e.g. a YAML syntax error). */
    public String key() {
        return key;
    }

    public ConfigSource source() {
        return source;
    }
}
