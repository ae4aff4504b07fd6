package io.ebpfagent.agent.config;

/** A syntax error in a YAML document, with its 1-based line. */
public final class YamlException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;

    public YamlException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
