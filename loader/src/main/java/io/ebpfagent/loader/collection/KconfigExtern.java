package io.ebpfagent.loader.collection;

/**
 * An {@code extern ... __kconfig} variable of an object: a slot of the {@code .kconfig} map the
 * loader fills from the running kernel's configuration ({@link Kconfig}) before load.
 *
 * @param name   the variable, {@code LINUX_KERNEL_VERSION} or a {@code CONFIG_*} option
 * @param offset byte offset in the {@code .kconfig} map value
 * @param size   size in bytes
 * @param kind   how a configuration value is encoded into the slot
 * @param weak   declared {@code __weak}: an unknown option leaves the slot zero instead of failing
 * @param typeId the BTF id of the variable's type
 */
public record KconfigExtern(String name, int offset, int size, Kind kind, boolean weak, int typeId) {

    /** How a value is stored (libbpf's {@code kcfg_type}). */
    public enum Kind {
        /** {@code bool}: {@code y} = 1, {@code n} = 0, {@code m} is an error. */
        BOOL,
        /** {@code char}: the letter {@code y}, {@code n} or {@code m}, or a number. */
        CHAR,
        /** {@code enum libbpf_tristate}: {@code n} = 0, {@code y} = 1, {@code m} = 2. */
        TRISTATE,
        /** An integer of {@code size} bytes (signed or unsigned). */
        INT,
        /** {@code char[N]}: a quoted string value, NUL-terminated, truncated to fit. */
        CHAR_ARRAY
    }
}
