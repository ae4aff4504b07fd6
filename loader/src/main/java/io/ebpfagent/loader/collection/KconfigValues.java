package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** Encodes kernel configuration values into the {@code .kconfig} map value, with libbpf's rules. */
final class KconfigValues {
    private KconfigValues() {}

    static void fill(byte[] value, List<KconfigExtern> externs, Kconfig config) {
        for (KconfigExtern e : externs) {
            Optional<String> v = config.value(e.name());
            if (v.isEmpty()) {
                if (e.weak()) continue;
                throw new LoaderException("kconfig extern " + e.name() + " is not set in the kernel configuration"
                        + " (declare it __weak to accept a missing value)");
            }
            if (e.offset() < 0 || e.offset() + e.size() > value.length) {
                throw new LoaderException("kconfig extern " + e.name() + " lies outside the .kconfig map");
            }
            encode(value, e, v.get());
        }
    }

    private static void encode(byte[] out, KconfigExtern e, String raw) {
        String v = raw.strip();
        char first = v.isEmpty() ? 0 : v.charAt(0);
        if (v.length() == 1 && (first == 'y' || first == 'n' || first == 'm')) {
            switch (e.kind()) {
                case BOOL -> {
                    if (first == 'm') throw incompatible(e, v, "a bool cannot hold 'm'");
                    out[e.offset()] = (byte) (first == 'y' ? 1 : 0);
                }
                case TRISTATE -> putInt(out, e.offset(), e.size(), first == 'y' ? 1 : first == 'm' ? 2 : 0);
                case CHAR -> out[e.offset()] = (byte) first;
                default -> throw incompatible(e, v, "a tristate value needs a bool, char or enum libbpf_tristate");
            }
            return;
        }
        if (first == '"') {
            if (e.kind() != KconfigExtern.Kind.CHAR_ARRAY) throw incompatible(e, v, "a string needs a char array");
            if (v.length() < 2 || v.charAt(v.length() - 1) != '"') throw incompatible(e, v, "unterminated string");
            byte[] s = v.substring(1, v.length() - 1).getBytes(StandardCharsets.UTF_8);
            int n = Math.min(s.length, e.size() - 1);
            System.arraycopy(s, 0, out, e.offset(), n);
            for (int i = e.offset() + n; i < e.offset() + e.size(); i++) out[i] = 0;
            return;
        }
        boolean bool = e.kind() == KconfigExtern.Kind.BOOL;
        if (e.kind() != KconfigExtern.Kind.INT && e.kind() != KconfigExtern.Kind.CHAR && !bool) {
            throw incompatible(e, v, "a number needs an integer, char or bool type");
        }
        BigInteger n;
        try {
            n = parseNumber(v);
        } catch (NumberFormatException ex) {
            throw incompatible(e, v, "not a number");
        }
        if (bool && n.signum() != 0 && !n.equals(BigInteger.ONE)) throw incompatible(e, v, "a bool holds only 0 or 1");
        int bits = e.size() * 8;
        if (n.bitLength() > bits || n.compareTo(BigInteger.ONE.shiftLeft(bits - 1).negate()) < 0) {
            throw incompatible(e, v, "does not fit " + e.size() + " bytes");
        }
        putInt(out, e.offset(), e.size(), n.longValue());
    }

    private static BigInteger parseNumber(String v) {
        boolean negative = v.startsWith("-");
        String s = negative ? v.substring(1) : v;
        BigInteger n;
        if (s.startsWith("0x") || s.startsWith("0X")) n = new BigInteger(s.substring(2), 16);
        else if (s.length() > 1 && s.startsWith("0")) n = new BigInteger(s.substring(1), 8);
        else n = new BigInteger(s);
        return negative ? n.negate() : n;
    }

    private static void putInt(byte[] out, int offset, int size, long value) {
        for (int i = 0; i < size; i++) out[offset + i] = (byte) (value >>> (8 * i));
    }

    private static LoaderException incompatible(KconfigExtern e, String v, String why) {
        return new LoaderException("kconfig extern " + e.name() + " (" + e.kind() + ", " + e.size() + " bytes): value '"
                + v + "': " + why);
    }
}
