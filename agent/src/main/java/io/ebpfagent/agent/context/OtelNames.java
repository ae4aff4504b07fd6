package io.ebpfagent.agent.context;

/**
 * Names of the application's OpenTelemetry classes. Built at run time on purpose: the agent jar
 * relocates every io.opentelemetry string constant to its shaded copy, and these must keep
 * naming the application's classes.
 */
final class OtelNames {
    static final String CONTEXT_PACKAGE = "io.".concat("opentelemetry.context");
    static final String CONTEXT_STORAGE = CONTEXT_PACKAGE + ".ContextStorage";
    static final String LAZY_STORAGE = CONTEXT_PACKAGE + ".LazyStorage";
    static final String LAZY_STORAGE_INTERNAL = LAZY_STORAGE.replace('.', '/');
    static final String BRIDGE = CONTEXT_PACKAGE + ".EbpfAgentContextStorage";
    /** The bridge's class file, a resource of the agent (kept out of relocation). */
    static final String BRIDGE_RESOURCE = "/io/ebpfagent/agent/context/bridge/EbpfAgentContextStorage.bin";

    private OtelNames() {
    }
}
