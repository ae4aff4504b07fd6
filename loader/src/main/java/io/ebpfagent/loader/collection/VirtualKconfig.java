package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.features.Features;
import java.util.List;

/**
 * The {@code __kconfig} externs libbpf fills itself instead of reading them from the kernel's
 * configuration: {@code LINUX_KERNEL_VERSION}, {@code LINUX_HAS_BPF_COOKIE} (used by libbpf's
 * {@code usdt.bpf.h}) and {@code LINUX_HAS_SYSCALL_WRAPPER} (used by {@code BPF_KSYSCALL}). As in
 * libbpf, any other {@code LINUX_*} name is an error unless declared {@code __weak} (then 0), and
 * a name that is neither {@code CONFIG_*} nor {@code LINUX_*} is always an error.
 */
final class VirtualKconfig {
    static final String HAS_BPF_COOKIE = "LINUX_HAS_BPF_COOKIE";
    static final String HAS_SYSCALL_WRAPPER = "LINUX_HAS_SYSCALL_WRAPPER";

    private VirtualKconfig() {}

    /** True if any extern needs the kernel's configuration file ({@code CONFIG_*}). */
    static boolean needsConfigFile(List<KconfigExtern> externs) {
        for (KconfigExtern e : externs) {
            if (e.name().startsWith("CONFIG_")) return true;
        }
        return false;
    }

    /**
     * {@code config} with the values of the object's virtual externs added; values already in
     * {@code config} (given by the caller) are kept. Probes the kernel only for the externs the
     * object declares.
     *
     * @throws LoaderException for a name libbpf would not accept
     */
    static Kconfig addTo(Kconfig config, List<KconfigExtern> externs) {
        Kconfig out = config;
        for (KconfigExtern e : externs) {
            String name = e.name();
            if (name.startsWith("CONFIG_") || out.value(name).isPresent()) continue;
            switch (name) {
                case Kconfig.LINUX_KERNEL_VERSION -> {
                    int version = io.ebpfagent.loader.features.KernelVersion.code();
                    // as libbpf: a version that cannot be read fails the load rather than reading 0
                    if (version == 0) throw new LoaderException("kconfig extern " + name + ": cannot read the kernel"
                            + " version from /proc/sys/kernel/osrelease (set it with CollectionOptions.withKconfig)");
                    out = out.with(name, Integer.toUnsignedString(version));
                }
                case HAS_BPF_COOKIE -> out = out.with(name, flag(Features.supported(Features::haveBpfCookie)));
                case HAS_SYSCALL_WRAPPER -> out = out.with(name, flag(Features.supported(Features::haveSyscallWrapper)));
                default -> {
                    if (!name.startsWith("LINUX_") || !e.weak()) {
                        throw new LoaderException("kconfig extern " + name + ": unrecognized virtual extern (the loader"
                                + " fills CONFIG_* from the kernel configuration and only LINUX_KERNEL_VERSION, "
                                + HAS_BPF_COOKIE + " and " + HAS_SYSCALL_WRAPPER + " itself; other LINUX_* names must be"
                                + " __weak and read 0)");
                    }
                }
            }
        }
        return out;
    }

    // KconfigValues encodes "1"/"0" into bool, char and integer slots alike
    private static String flag(boolean value) {
        return value ? "1" : "0";
    }
}
