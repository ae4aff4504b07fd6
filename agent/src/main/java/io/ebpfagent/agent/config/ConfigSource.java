package io.ebpfagent.agent.config;

/** Where a configuration value came from, as shown in error messages. */
public record ConfigSource(Kind kind, String detail) {

    public enum Kind {
        DEFAULT, FILE, AGENT_ARGUMENT, OTEL_ENVIRONMENT, ENVIRONMENT, SYSTEM_PROPERTY
    }

    public static final ConfigSource DEFAULT = new ConfigSource(Kind.DEFAULT, "default");

    public static ConfigSource file(String path, int line) {
        return new ConfigSource(Kind.FILE, path + ":" + line);
    }

    public static ConfigSource agentArgument(String name) {
        return new ConfigSource(Kind.AGENT_ARGUMENT, "agent argument " + name);
    }

    public static ConfigSource environment(String name) {
        return new ConfigSource(Kind.ENVIRONMENT, "environment variable " + name);
    }

    public static ConfigSource otelEnvironment(String name) {
        return new ConfigSource(Kind.OTEL_ENVIRONMENT, "environment variable " + name);
    }

    public static ConfigSource systemProperty(String name) {
        return new ConfigSource(Kind.SYSTEM_PROPERTY, "system property -D" + name);
    }

    @Override
    public String toString() {
        return detail;
    }
}
