package io.ebpfagent.loader.programs;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.asm.Asm;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgramTagTest {

    @Test
    void javaTagEqualsTheKernelsAndIgnoresMapDescriptors() {
        try (BpfMap a = BpfMap.create(MapSpec.of("tag_a", MapType.ARRAY, 4, 8, 1));
             BpfMap b = BpfMap.create(MapSpec.of("tag_b", MapType.ARRAY, 4, 8, 1))) {
            List<Instruction> withA = program(a.fd().get());
            List<Instruction> withB = program(b.fd().get());
            assertThat(ProgramTag.of(withA)).isEqualTo(ProgramTag.of(withB));
            try (Program p = Program.load(ProgramSpec.of("tagged", ProgramType.SOCKET_FILTER, withA))) {
                assertThat(p.tag()).isEqualTo(ProgramTag.of(withA));
            }
        }
    }

    @Test
    void differentCodeDifferentTag() {
        List<Instruction> one = List.of(Asm.mov64(Asm.R0, 1), Asm.exit());
        List<Instruction> two = List.of(Asm.mov64(Asm.R0, 2), Asm.exit());
        assertThat(ProgramTag.of(one)).isNotEqualTo(ProgramTag.of(two)).matches("[0-9a-f]{16}");
        assertThat(ProgramTag.of(one, "SHA-1")).isNotEqualTo(ProgramTag.of(one, "SHA-256"));
        try (Program p = Program.load(ProgramSpec.of("tag_two", ProgramType.SOCKET_FILTER, two))) {
            assertThat(p.tag()).isEqualTo(ProgramTag.of(two));
        }
    }

    private static List<Instruction> program(int mapFd) {
        return List.of(Asm.loadMapFd(Asm.R1, mapFd), Asm.mov64(Asm.R0, 0), Asm.exit());
    }
}
