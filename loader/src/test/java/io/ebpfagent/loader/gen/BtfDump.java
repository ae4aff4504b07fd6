package io.ebpfagent.loader.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The named structs and unions of an object as {@code bpftool btf dump ... format raw} prints
 * them: a reading of the BTF that shares no code with the loader's parser.
 */
final class BtfDump {
    /** A struct or union: size, and each member's bit offset (bit fields left out) in order. */
    record Composite(long size, Map<String, Long> members) {
    }

    private static final Pattern TYPE = Pattern.compile("^\\[\\d+] (STRUCT|UNION) '([^']*)' size=(\\d+) vlen=(\\d+)");
    private static final Pattern MEMBER = Pattern.compile("^\\s+'([^']*)' type_id=\\d+ bits_offset=(\\d+)( bitfield_size=\\d+)?");

    private BtfDump() {
    }

    static Map<String, Composite> composites(Path object) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("bpftool", "btf", "dump", "file", object.toString(), "format", "raw")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("bpftool is needed to read BTF independently: " + e);
            return Map.of();
        }
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
        Map<String, Composite> out = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher t = TYPE.matcher(lines.get(i));
            if (!t.find()) {
                continue;
            }
            Map<String, Long> members = new LinkedHashMap<>();
            for (int k = 0; k < Integer.parseInt(t.group(4)); k++) {
                Matcher m = MEMBER.matcher(lines.get(++i));
                assertThat(m.find()).as(lines.get(i)).isTrue();
                if (m.group(3) == null) {
                    members.put(m.group(1), Long.parseLong(m.group(2)));
                }
            }
            if (!t.group(2).equals("(anon)")) {
                out.put(t.group(2), new Composite(Long.parseLong(t.group(3)), members));
            }
        }
        return out;
    }
}
