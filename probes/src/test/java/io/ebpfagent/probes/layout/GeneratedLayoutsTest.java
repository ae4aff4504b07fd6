package io.ebpfagent.probes.layout;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.probes.BundledObject;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layouts the build generates from the probe objects' BTF, checked against what they
 * replaced and against a reader that is not ours: every struct the hand-written layouts had is
 * still generated with the size they had (the sizes the C sources' {@code _Static_assert}s
 * pin), and every generated struct's size, member names and offsets equal what
 * {@code bpftool btf dump} reads from the same object.
 */
class GeneratedLayoutsTest {
    static Stream<Arguments> objects() {
        return Stream.of(
                Arguments.of(BundledObject.SCHED, CommonLayouts.layouts(),
                        Map.of("hist", 512L, "span_ctx", 32L, "event_hdr", 56L)),
                Arguments.of(BundledObject.SCHED, SchedLayouts.layouts(),
                        Map.of("sched_stats", 112L, "sched_thread", 672L, "span_times", 128L, "offcpu_event", 88L)),
                Arguments.of(BundledObject.SYSCALLS, SyscallsLayouts.layouts(),
                        Map.of("syscall_key", 8L, "syscall_stats", 544L, "slow_syscall_event", 96L)),
                Arguments.of(BundledObject.IO, IoLayouts.layouts(), Map.of("io_key", 8L, "io_stats", 552L,
                        "slow_io_event", 88L, "fsync_event", 80L, "open_event", 328L)),
                Arguments.of(BundledObject.NET, NetLayouts.layouts(), Map.of("conn_key", 40L, "conn_stats", 88L,
                        "connect_event", 104L, "accept_event", 112L, "tcp_event", 104L)),
                Arguments.of(BundledObject.FAULTS, FaultsLayouts.layouts(),
                        Map.of("fault_stats", 16L, "fault_stack_key", 8L)),
                Arguments.of(BundledObject.PROFILE, ProfileLayouts.layouts(), Map.of("sample_key", 16L)),
                Arguments.of(BundledObject.JVM, JvmLayouts.layouts(), Map.ofEntries(
                        Map.entry("thread_event", 144L), Map.entry("java_thread", 80L),
                        Map.entry("pause_clocks", 48L), Map.entry("compile_key", 24L),
                        Map.entry("compile_stats", 528L), Map.entry("gc_event", 64L),
                        Map.entry("mem_pool_event", 168L), Map.entry("vmop_event", 128L),
                        Map.entry("compile_event", 336L), Map.entry("monitor_event", 208L),
                        Map.entry("class_event", 200L))));
    }

    @ParameterizedTest
    @MethodSource("objects")
    void everyStructTheProbesReadIsGeneratedWithItsSize(BundledObject object, Map<String, GroupLayout> generated,
                                                       Map<String, Long> sizes) {
        sizes.forEach((name, size) -> {
            assertThat(generated).as("%s: struct %s", object, name).containsKey(name);
            assertThat(generated.get(name).byteSize()).as("sizeof(struct %s)", name).isEqualTo(size);
        });
    }

    @ParameterizedTest
    @MethodSource("objects")
    void generatedLayoutsEqualBpftoolsReading(BundledObject object, Map<String, GroupLayout> generated,
                                             Map<String, Long> sizes) throws Exception {
        Map<String, DumpedStruct> dumped = bpftoolStructs(object);
        for (var e : generated.entrySet()) {
            DumpedStruct d = dumped.get(e.getKey());
            GroupLayout layout = e.getValue();
            assertThat(d).as("bpftool sees struct %s in %s", e.getKey(), object).isNotNull();
            assertThat(layout.byteSize()).as("sizeof(struct %s)", e.getKey()).isEqualTo(d.size());
            List<MemoryLayout> named = layout.memberLayouts().stream().filter(m -> !(m instanceof PaddingLayout)).toList();
            assertThat(named).extracting(m -> m.name().orElseThrow()).as("members of %s", e.getKey())
                    .containsExactlyElementsOf(d.members().keySet());
            for (var m : d.members().entrySet()) {
                long offset = layout instanceof StructLayout
                        ? layout.byteOffset(MemoryLayout.PathElement.groupElement(m.getKey())) : 0;
                assertThat(offset * 8).as("%s.%s", e.getKey(), m.getKey()).isEqualTo(m.getValue());
            }
        }
    }

    /** A struct as bpftool prints it: size and member bit offsets in order. */
    record DumpedStruct(long size, Map<String, Long> members) {
    }

    private static final Pattern TYPE = Pattern.compile("^\\[\\d+] (STRUCT|UNION) '([^']*)' size=(\\d+) vlen=(\\d+)");
    private static final Pattern MEMBER = Pattern.compile("^\\s+'([^']*)' type_id=\\d+ bits_offset=(\\d+)");

    static Map<String, DumpedStruct> bpftoolStructs(BundledObject object) throws IOException, InterruptedException {
        Path file = Files.createTempFile(object.objectName(), ".bpf.o");
        try {
            Files.write(file, object.bytes());
            Process p;
            try {
                p = new ProcessBuilder("bpftool", "btf", "dump", "file", file.toString(), "format", "raw")
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                Assumptions.abort("bpftool is needed to read the objects' BTF independently: " + e);
                return Map.of();
            }
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
            Map<String, DumpedStruct> out = new HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                Matcher t = TYPE.matcher(lines.get(i));
                if (!t.find()) {
                    continue;
                }
                Map<String, Long> members = new LinkedHashMap<>();
                for (int k = 0; k < Integer.parseInt(t.group(4)); k++) {
                    Matcher m = MEMBER.matcher(lines.get(++i));
                    assertThat(m.find()).as(lines.get(i)).isTrue();
                    members.put(m.group(1), Long.parseLong(m.group(2)));
                }
                out.put(t.group(2), new DumpedStruct(Long.parseLong(t.group(3)), members));
            }
            return out;
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
