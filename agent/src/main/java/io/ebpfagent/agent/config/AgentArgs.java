package io.ebpfagent.agent.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code -javaagent:ebpf-agent.jar=<args>} string: comma-separated {@code name=value} pairs.
 * {@code config=<path>} names the YAML file; any other name is a configuration key
 * ({@code agent.log_level=debug}). A lone value without {@code =} is taken as the config path.
 */
public record AgentArgs(String configFile, Map<String, String> overrides) {

    public static AgentArgs parse(String args) {
        if (args == null || args.isBlank()) {
            return new AgentArgs(null, Map.of());
        }
        String configFile = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String part : args.split(",")) {
            String item = part.strip();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq < 0) {
                configFile = item;
            } else if (item.substring(0, eq).strip().equals("config")) {
                configFile = item.substring(eq + 1).strip();
            } else {
                overrides.put(item.substring(0, eq).strip(), item.substring(eq + 1).strip());
            }
        }
        return new AgentArgs(configFile, Collections.unmodifiableMap(overrides));
    }
}
