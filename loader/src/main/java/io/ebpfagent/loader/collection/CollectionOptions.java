package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.maps.BpfMap;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How {@link Collection#load(CollectionSpec, CollectionOptions)} turns a spec into kernel objects.
 *
 * @param mapReplacements maps to use instead of creating the spec's map of the same name: they
 *                        must match its type, key and value size, capacity and flags; the
 *                        collection neither writes their initial contents nor closes them
 * @param pinPath         bpffs directory for maps with {@link io.ebpfagent.loader.maps.MapSpec.Pinning#BY_NAME}
 *                        (a compatible map pinned there is reused, else the new map is pinned);
 *                        null to refuse loading objects that pin maps
 * @param logLevel        verifier log level for the program loads ({@code 1}, {@code 2}; {@code 0}
 *                        asks for a log only when a load fails)
 * @param logSize         initial verifier log buffer in bytes; grown when the kernel says it is too small
 * @param targetBtf       the kernel types CO-RE relocations and attach targets are resolved
 *                        against; null means {@link Btf#kernel()}, read on first need
 * @param kconfig         values for {@code __kconfig} externs added to (or replacing) those of the
 *                        running kernel's configuration, e.g. {@code CONFIG_HZ=250}
 */
public record CollectionOptions(Map<String, BpfMap> mapReplacements, Path pinPath, int logLevel, int logSize,
                                Btf targetBtf, Map<String, String> kconfig) {
    /** Default verifier log buffer: large enough for most failures, grown on demand. */
    public static final int DEFAULT_LOG_SIZE = 256 * 1024;

    /** No replacements, no pinning, logs on failure only, the running kernel's BTF and configuration. */
    public static final CollectionOptions DEFAULT =
            new CollectionOptions(Map.of(), null, 0, DEFAULT_LOG_SIZE, null, Map.of());

    public CollectionOptions {
        mapReplacements = mapReplacements == null ? Map.of() : Map.copyOf(mapReplacements);
        kconfig = kconfig == null ? Map.of() : Map.copyOf(kconfig);
        if (logLevel < 0) throw new IllegalArgumentException("log level must not be negative: " + logLevel);
        if (logSize <= 0) throw new IllegalArgumentException("log size must be positive: " + logSize);
    }

    public CollectionOptions withMapReplacements(Map<String, BpfMap> value) {
        return new CollectionOptions(value, pinPath, logLevel, logSize, targetBtf, kconfig);
    }

    /** A copy with one more replacement map. */
    public CollectionOptions withMapReplacement(String name, BpfMap map) {
        Objects.requireNonNull(map, "map");
        var m = new java.util.HashMap<>(mapReplacements);
        m.put(name, map);
        return withMapReplacements(m);
    }

    public CollectionOptions withPinPath(Path value) {
        return new CollectionOptions(mapReplacements, value, logLevel, logSize, targetBtf, kconfig);
    }

    public CollectionOptions withLogLevel(int value) {
        return new CollectionOptions(mapReplacements, pinPath, value, logSize, targetBtf, kconfig);
    }

    public CollectionOptions withLogSize(int value) {
        return new CollectionOptions(mapReplacements, pinPath, logLevel, value, targetBtf, kconfig);
    }

    public CollectionOptions withTargetBtf(Btf value) {
        return new CollectionOptions(mapReplacements, pinPath, logLevel, logSize, value, kconfig);
    }

    public CollectionOptions withKconfig(Map<String, String> value) {
        return new CollectionOptions(mapReplacements, pinPath, logLevel, logSize, targetBtf, value);
    }

    /** The target BTF, read lazily: objects without CO-RE or BTF attach targets never need it. */
    Supplier<Btf> targetBtfSupplier() {
        Btf given = targetBtf;
        return given != null ? () -> given : Btf::kernel;
    }
}
