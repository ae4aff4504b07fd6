package io.ebpfagent.agent.context;

import java.util.List;

/**
 * Names of OpenTelemetry context classes outside the agent. Built at run time on purpose: the
 * agent jar relocates every io.opentelemetry string constant to its shaded copy, and these must
 * keep naming the application's classes and the OpenTelemetry Java agent's.
 */
final class OtelNames {
    /** {@code io/opentelemetry/}, the package prefix every relocated copy replaces. */
    static final String API_PREFIX = "io/".concat("opentelemetry/");
    /** Where the OpenTelemetry Java agent keeps its own copy of the API (boot loader). */
    static final String JAVAAGENT_SHADED_PREFIX = API_PREFIX + "javaagent/shaded/";
    /** The copies of the context API whose storage is hooked: the application's and the OTel Java agent's. */
    static final List<String> HOOKED_PREFIXES = List.of("", JAVAAGENT_SHADED_PREFIX);

    static final String CONTEXT_PACKAGE_INTERNAL = API_PREFIX + "context";
    static final String LAZY_STORAGE_SIMPLE = "LazyStorage";
    static final String CONTEXT_STORAGE_SIMPLE = "ContextStorage";
    static final String BRIDGE_SIMPLE = "EbpfAgentContextStorage";
    /** The bridge's class file, a resource of the agent (kept out of relocation). */
    static final String BRIDGE_RESOURCE = "/io/ebpfagent/agent/context/bridge/EbpfAgentContextStorage.bin";

    private OtelNames() {
    }

    /** {@code <prefix>io/opentelemetry/context/<simple>} in internal form. */
    static String internal(String prefix, String simple) {
        return prefix + CONTEXT_PACKAGE_INTERNAL + "/" + simple;
    }

    /**
     * The hooked copies' LazyStorage, index for index with {@link #HOOKED_PREFIXES}, in internal
     * and in binary form: the transformer and the scan of loaded classes ask about every class of
     * the JVM, so the names are built once rather than per question.
     */
    private static final String[] LAZY_STORAGE_INTERNAL = {
            internal(HOOKED_PREFIXES.get(0), LAZY_STORAGE_SIMPLE), internal(HOOKED_PREFIXES.get(1), LAZY_STORAGE_SIMPLE)};
    private static final String[] LAZY_STORAGE_BINARY = {binary(LAZY_STORAGE_INTERNAL[0]), binary(LAZY_STORAGE_INTERNAL[1])};

    /** The copy's prefix if {@code internalName} is a hooked copy's LazyStorage, else null. */
    static String hookedPrefixOf(String internalName) {
        return prefixAt(LAZY_STORAGE_INTERNAL, internalName);
    }

    /** As {@link #hookedPrefixOf}, for a binary name ({@link Class#getName()}). */
    static String hookedPrefixOfBinary(String binaryName) {
        return prefixAt(LAZY_STORAGE_BINARY, binaryName);
    }

    private static String prefixAt(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return HOOKED_PREFIXES.get(i);
            }
        }
        return null;
    }

    static String binary(String internalName) {
        return internalName.replace('/', '.');
    }
}
