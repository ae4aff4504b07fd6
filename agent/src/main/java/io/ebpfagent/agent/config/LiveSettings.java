package io.ebpfagent.agent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Settings that can change while the agent runs. They arrive by loading the agent jar into the
 * running JVM once more (dynamic attach: {@code VirtualMachine.loadAgent(jar, "spans.breakdown=false")}),
 * in the same {@code name=value,...} form as the {@code -javaagent} arguments. Everything else
 * (probes, exporters) is fixed at start: changing it means restarting the JVM.
 */
public final class LiveSettings {
    /** The keys that can change while the agent runs. */
    public static final List<ConfigKey<?>> KEYS = List.of(ConfigSchema.SPANS_BREAKDOWN);

    /** One setting to change, its value parsed. */
    public record Change(ConfigKey<?> key, Object value) {
        /** As written in the docs, e.g. {@code spans.breakdown=false}. */
        @Override
        public String toString() {
            return key.path() + "=" + value;
        }
    }

    private LiveSettings() {
    }

    /**
     * The changes {@code args} asks for; each part that cannot be applied (a config file, an
     * unknown key, a key fixed at start, a value of the wrong type) adds a sentence to
     * {@code problems} instead.
     */
    public static List<Change> parse(String args, List<String> problems) {
        AgentArgs parsed = AgentArgs.parse(args);
        if (parsed.configFile() != null) {
            problems.add("a configuration file (" + ConfigText.quote(parsed.configFile())
                    + ") is read only at start; pass the settings to change as name=value");
        }
        List<Change> changes = new ArrayList<>();
        for (var entry : parsed.overrides().entrySet()) {
            String name = entry.getKey();
            Optional<ConfigKey<?>> key = ConfigSchema.find(name);
            if (key.isEmpty()) {
                problems.add("unknown setting " + ConfigText.quote(name));
            } else if (!KEYS.contains(key.get())) {
                problems.add(ConfigText.quote(name) + " cannot change while the agent runs (restart the JVM with it);"
                        + " what can: " + String.join(", ", KEYS.stream().map(ConfigKey::path).toList()));
            } else {
                try {
                    changes.add(new Change(key.get(), key.get().type().parse(entry.getValue())));
                } catch (RuntimeException e) {
                    problems.add(ConfigText.quote(name) + ": " + ConfigText.quote(entry.getValue()) + " is not "
                            + key.get().type().allowed());
                }
            }
        }
        if (changes.isEmpty() && problems.isEmpty()) {
            problems.add("no setting given (expected name=value, e.g. spans.breakdown=false)");
        }
        return changes;
    }
}
