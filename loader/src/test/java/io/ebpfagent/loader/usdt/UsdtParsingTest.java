package io.ebpfagent.loader.usdt;

import static io.ebpfagent.loader.usdt.UsdtArgument.Kind.CONSTANT;
import static io.ebpfagent.loader.usdt.UsdtArgument.Kind.MEMORY;
import static io.ebpfagent.loader.usdt.UsdtArgument.Kind.REGISTER;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.elf.ElfFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsdtParsingTest {

    @Test
    void parsesHotspotThreadStartArguments() {
        List<UsdtArgument> args = UsdtArgumentParser.parse("8@%r13 -4@%r14d -8@-64(%rbp) 8@-56(%rbp) 1@%al");
        assertThat(args).containsExactly(
                new UsdtArgument(REGISTER, 8, false, "r13", 16, 0),
                new UsdtArgument(REGISTER, 4, true, "r14d", 8, 0),
                new UsdtArgument(MEMORY, 8, true, "rbp", 32, -64),
                new UsdtArgument(MEMORY, 8, false, "rbp", 32, -56),
                new UsdtArgument(REGISTER, 1, false, "al", 80, 0));
        assertThat(args.get(1).bitShift()).isEqualTo(32);
        assertThat(args.get(4).bitShift()).isEqualTo(56);
    }

    @Test
    void parsesConstantsAndBareDereferences() {
        assertThat(UsdtArgumentParser.parseOne("4@$5")).isEqualTo(new UsdtArgument(CONSTANT, 4, false, null, -1, 5));
        assertThat(UsdtArgumentParser.parseOne("-4@$-9")).isEqualTo(new UsdtArgument(CONSTANT, 4, true, null, -1, -9));
        assertThat(UsdtArgumentParser.parseOne("2@(%rax)")).isEqualTo(new UsdtArgument(MEMORY, 2, false, "rax", 80, 0));
        assertThat(UsdtArgumentParser.parseOne("8@0x10(%rsp)")).isEqualTo(new UsdtArgument(MEMORY, 8, false, "rsp", 152, 16));
        assertThat(UsdtArgumentParser.parseOne("1@%sil").registerOffset()).isEqualTo(104);
        assertThat(UsdtArgumentParser.parseOne("2@%r8w").registerOffset()).isEqualTo(72);
        assertThat(UsdtArgumentParser.parse("")).isEmpty();
    }

    @Test
    void rejectsWhatTheBpfSideCannotFetch() {
        assertThatThrownBy(() -> UsdtArgumentParser.parseOne("8@(%rax,%rbx,8)")).hasMessageContaining("unsupported");
        assertThatThrownBy(() -> UsdtArgumentParser.parseOne("8@%xmm0")).hasMessageContaining("xmm0");
        assertThatThrownBy(() -> UsdtArgumentParser.parseOne("3@%rax")).hasMessageContaining("size 3");
    }

    @Test
    void encodesLibbpfSpecLayout() {
        assertThat(UsdtSpec.LAYOUT.byteSize()).isEqualTo(208);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(UsdtSpec.LAYOUT);
            s.fill((byte) 0x55);
            UsdtSpec.encode(UsdtArgumentParser.parse("-4@%r14d -8@-64(%rbp) 4@$7"), 0xabcdL, s);
            // arg 0: register
            assertThat(s.get(JAVA_LONG, 0)).isZero();
            assertThat(s.get(JAVA_INT, 8)).isEqualTo(1);
            assertThat(s.get(JAVA_SHORT, 12)).isEqualTo((short) 8);
            assertThat(s.get(JAVA_BYTE, 14)).isEqualTo((byte) 1);
            assertThat(s.get(JAVA_BYTE, 15)).isEqualTo((byte) 32);
            // arg 1: memory
            assertThat(s.get(JAVA_LONG, 16)).isEqualTo(-64);
            assertThat(s.get(JAVA_INT, 24)).isEqualTo(2);
            assertThat(s.get(JAVA_SHORT, 28)).isEqualTo((short) 32);
            assertThat(s.get(JAVA_BYTE, 31)).isZero();
            // arg 2: constant
            assertThat(s.get(JAVA_LONG, 32)).isEqualTo(7);
            assertThat(s.get(JAVA_INT, 40)).isZero();
            // unused args zeroed
            assertThat(s.get(JAVA_LONG, 48)).isZero();
            assertThat(s.get(JAVA_LONG, 192)).isEqualTo(0xabcdL);
            assertThat(s.get(JAVA_SHORT, 200)).isEqualTo((short) 3);
        }
    }

    @Test
    void readsTheHotspotNotesOfTheRunningJvm() {
        Path libjvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        ElfFile elf = ElfFile.open(libjvm);
        List<UsdtProbe> starts = UsdtNotes.find(elf, "hotspot", "thread__start");
        assertThat(starts).isNotEmpty();
        UsdtProbe p = starts.getFirst();
        assertThat(p.arguments()).hasSize(5);
        assertThat(p.semaphoreAddress()).isZero();
        // the file offset must hold the probe's nop (0x90) in the text segment
        long base = elf.section(".stapsdt.base").orElseThrow().address();
        assertThat(base).isNotZero();
        assertThat(elf.loadSegmentContaining(p.address()).orElseThrow().flags() & 1).isEqualTo(1);
        assertThat(UsdtNotes.find(elf, "hotspot", "gc__begin")).isNotEmpty();
        try (var ch = java.nio.channels.FileChannel.open(libjvm)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, p.fileOffset());
            assertThat(b.get(0)).isEqualTo((byte) 0x90);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void notesReadByPathMatchTheElfAndAreDecodedOnce() {
        Path libjvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        ElfFile elf = ElfFile.open(libjvm);
        for (String name : List.of("thread__start", "gc__begin", "method__compile__begin", "no__such__probe")) {
            assertThat(UsdtNotes.find(libjvm, "hotspot", name)).isEqualTo(UsdtNotes.find(elf, "hotspot", name));
        }
        // by path a probe's notes are decoded when it is first asked for: every one of them, the
        // same as decoding all notes at once, in note order
        List<UsdtProbe> all = UsdtNotes.read(elf);
        assertThat(all).hasSizeGreaterThan(100);
        java.util.Set<List<String>> names = new java.util.LinkedHashSet<>();
        all.forEach(p -> names.add(List.of(p.provider(), p.name())));
        int total = 0;
        for (List<String> n : names) {
            List<UsdtProbe> byPath = UsdtNotes.find(libjvm, n.get(0), n.get(1));
            assertThat(byPath).as("%s:%s", n.get(0), n.get(1))
                    .isEqualTo(all.stream().filter(p -> p.provider().equals(n.get(0)) && p.name().equals(n.get(1))).toList());
            total += byPath.size();
        }
        assertThat(total).isEqualTo(all.size());
        List<UsdtProbe> a = UsdtNotes.find(libjvm, "hotspot", "thread__start");
        List<UsdtProbe> b = UsdtNotes.find(libjvm, "hotspot", "thread__start");
        assertThat(b.getFirst()).isSameAs(a.getFirst()); // from the cache, not decoded again
    }

    @Test
    void mapsLinesSplitLikeTheRegularExpression() throws Exception {
        List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")));
        lines.addAll(List.of("", "a", "a b", "a\tb  c", "1-2 r-xp 0 00:00 0", "1-2 r-xp 0 00:00 0 /a b  c",
                "1-2 r-xp 0 00:00 0 /x (deleted)", "a b c d e f g h"));
        for (String l : lines) {
            String t = l.trim();
            assertThat(Usdt.fields(t, 6)).as(t).containsExactly(t.split("\\s+", 6));
        }
    }
}
