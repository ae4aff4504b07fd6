package io.ebpfagent.agent.config;

import java.util.List;
import java.util.Map;

/** A node of the YAML subset read by {@link YamlParser}; every node knows its 1-based line. */
public sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Sequence, YamlNode.Mapping {

    int line();

    /** A plain or quoted scalar; {@code null} value for an empty {@code key:}. */
    record Scalar(String value, boolean quoted, int line) implements YamlNode {
    }

    record Sequence(List<YamlNode> items, int line) implements YamlNode {
    }

    /** Keys in file order; each entry remembers the line of its key. */
    record Mapping(Map<String, Entry> entries, int line) implements YamlNode {
    }

    record Entry(String key, int line, YamlNode value) {
    }

    static String describe(YamlNode node) {
        return switch (node) {
            case Scalar s -> "a scalar";
            case Sequence s -> "a list";
            case Mapping m -> "a map";
        };
    }
}
