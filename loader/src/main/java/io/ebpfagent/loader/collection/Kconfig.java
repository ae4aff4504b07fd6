package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * A kernel configuration: the {@code CONFIG_*} values of {@code /proc/config.gz} or
 * {@code /boot/config-<release>}, plus {@code LINUX_KERNEL_VERSION} and any other
 * {@code LINUX_*} value the caller adds. Immutable; {@link #with} returns a copy.
 *
 * <p>Values keep the file's spelling: {@code y}, {@code m}, {@code n}, a number, or a quoted
 * string. Options the file lists as {@code # CONFIG_X is not set} are absent.
 */
public final class Kconfig {
    /** The key under which the kernel version ({@code KERNEL_VERSION(a,b,c)}) is kept. */
    public static final String LINUX_KERNEL_VERSION = "LINUX_KERNEL_VERSION";

    private final Map<String, String> values;

    private Kconfig(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** A configuration of the given values (names with their {@code CONFIG_} prefix). */
    public static Kconfig of(Map<String, String> values) {
        return new Kconfig(values);
    }

    /**
     * The running kernel's configuration: {@code /proc/config.gz} if present, else
     * {@code /boot/config-$(uname -r)}; the version from {@code /proc/sys/kernel/osrelease}.
     *
     * @throws LoaderException if neither configuration file can be read
     */
    public static Kconfig current() {
        String release = read(Path.of("/proc/sys/kernel/osrelease")).trim();
        Path gz = Path.of("/proc/config.gz");
        Path boot = Path.of("/boot/config-" + release);
        String text;
        if (Files.isReadable(gz)) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(readBytes(gz)))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new LoaderException("cannot read " + gz + ": " + e.getMessage(), e);
            }
        } else if (Files.isReadable(boot)) {
            text = read(boot);
        } else {
            throw new LoaderException("no kernel configuration: neither " + gz + " nor " + boot + " is readable");
        }
        return parse(text).with(LINUX_KERNEL_VERSION, Integer.toUnsignedString(kernelVersion(release)));
    }

    /** Parses the text of a {@code .config} file. */
    public static Kconfig parse(String text) {
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq <= 0 || !line.startsWith("CONFIG_")) continue;
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return new Kconfig(m);
    }

    /**
     * {@code KERNEL_VERSION(a, b, c)} of a release string such as {@code 6.18.0-13-generic}; the
     * sublevel saturates at 255 as the kernel's own macro does since 4.9.256.
     */
    public static int kernelVersion(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?").matcher(release);
        if (!m.find()) throw new LoaderException("cannot parse kernel release '" + release + "'");
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int sub = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return (major << 16) + (minor << 8) + Math.min(sub, 255);
    }

    /** The value of an option, as written in the file. */
    public Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** A copy with one value added or replaced. */
    public Kconfig with(String name, String value) {
        Map<String, String> m = new HashMap<>(values);
        m.put(name, value);
        return new Kconfig(m);
    }

    /** All values. */
    public Map<String, String> values() {
        return values;
    }

    private static String read(Path p) {
        return new String(readBytes(p), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new LoaderException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
