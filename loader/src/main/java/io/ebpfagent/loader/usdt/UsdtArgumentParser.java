package io.ebpfagent.loader.usdt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the x86_64 argument strings of {@code .note.stapsdt} ({@code 8@%r13 -4@%r14d
 * -8@-64(%rbp) 1@$1}): each argument is {@code [-]SIZE@OPERAND} in AT&T syntax, a negative size
 * meaning a signed value.
 */
public final class UsdtArgumentParser {
    private static final Pattern ARG = Pattern.compile(
            "(-?\\d+)@(?:\\$(-?(?:0x[0-9a-fA-F]+|\\d+))"          // constant
            + "|%([a-z0-9]+)"                                       // register
            + "|(-?(?:0x[0-9a-fA-F]+|\\d+))?\\(%([a-z0-9]+)\\))");  // displacement(register)

    /** Register name to offset in the x86_64 {@code struct pt_regs}, for every width's name. */
    private static final Map<String, Integer> PT_REGS = registers();

    private UsdtArgumentParser() {
    }

    /** Parses a whole argument string; an empty string is a probe without arguments. */
    public static List<UsdtArgument> parse(String args) {
        List<UsdtArgument> out = new ArrayList<>();
        for (String token : args.strip().split("\\s+")) {
            if (!token.isEmpty()) {
                out.add(parseOne(token));
            }
        }
        return out;
    }

    /** Parses one argument such as {@code -4@%r14d}. */
    public static UsdtArgument parseOne(String token) {
        Matcher m = ARG.matcher(token);
        if (!m.matches()) {
            throw new IllegalArgumentException("unsupported USDT argument '" + token + "'");
        }
        int sized = Integer.parseInt(m.group(1));
        int size = Math.abs(sized);
        boolean signed = sized < 0;
        if (m.group(2) != null) {
            return new UsdtArgument(UsdtArgument.Kind.CONSTANT, size, signed, null, -1, number(m.group(2)));
        }
        if (m.group(3) != null) {
            return new UsdtArgument(UsdtArgument.Kind.REGISTER, size, signed, m.group(3), offset(m.group(3), token), 0);
        }
        long displacement = m.group(4) == null ? 0 : number(m.group(4));
        return new UsdtArgument(UsdtArgument.Kind.MEMORY, size, signed, m.group(5), offset(m.group(5), token),
                displacement);
    }

    /** Offset of a register in {@code struct pt_regs}. */
    public static int registerOffset(String name) {
        Integer off = PT_REGS.get(name);
        if (off == null) {
            throw new IllegalArgumentException("unknown x86_64 register %" + name);
        }
        return off;
    }

    private static int offset(String register, String token) {
        Integer off = PT_REGS.get(register);
        if (off == null) {
            throw new IllegalArgumentException("unknown x86_64 register %" + register + " in USDT argument '" + token + "'");
        }
        return off;
    }

    private static long number(String s) {
        boolean negative = s.startsWith("-");
        String digits = negative ? s.substring(1) : s;
        long v = digits.startsWith("0x") ? Long.parseUnsignedLong(digits.substring(2), 16) : Long.parseLong(digits);
        return negative ? -v : v;
    }

    private static Map<String, Integer> registers() {
        // {64-bit, 32-bit, 16-bit, 8-bit low} names, pt_regs offset; the narrow names alias the
        // low bytes of the same slot (little endian), the size in the argument does the masking
        Object[][] table = {
            {"r15", "r15d", "r15w", "r15b", 0}, {"r14", "r14d", "r14w", "r14b", 8},
            {"r13", "r13d", "r13w", "r13b", 16}, {"r12", "r12d", "r12w", "r12b", 24},
            {"rbp", "ebp", "bp", "bpl", 32}, {"rbx", "ebx", "bx", "bl", 40},
            {"r11", "r11d", "r11w", "r11b", 48}, {"r10", "r10d", "r10w", "r10b", 56},
            {"r9", "r9d", "r9w", "r9b", 64}, {"r8", "r8d", "r8w", "r8b", 72},
            {"rax", "eax", "ax", "al", 80}, {"rcx", "ecx", "cx", "cl", 88},
            {"rdx", "edx", "dx", "dl", 96}, {"rsi", "esi", "si", "sil", 104},
            {"rdi", "edi", "di", "dil", 112}, {"rip", "eip", null, null, 128},
            {"rsp", "esp", "sp", "spl", 152},
        };
        Map<String, Integer> m = new java.util.HashMap<>();
        for (Object[] row : table) {
            for (int i = 0; i < 4; i++) {
                if (row[i] != null) {
                    m.put((String) row[i], (Integer) row[4]);
                }
            }
        }
        return Map.copyOf(m);
    }
}
