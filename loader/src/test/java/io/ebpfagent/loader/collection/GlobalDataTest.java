package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.collection.MinimalObjectTest.assertLoad;
import static io.ebpfagent.loader.collection.MinimalObjectTest.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** globals.bpf.o: custom .rodata.* / .data.* sections, static variables, strings, .bss. */
class GlobalDataTest {
    private final CollectionSpec spec = TestObjects.load("globals.bpf.o");

    @Test
    void everyDataSectionIsAMapNamedAfterIt() {
        assertThat(spec.maps()).containsOnlyKeys(".rodata.config", ".data.stats", ".data", ".bss", ".rodata");
        MapSpec config = spec.map(".rodata.config");
        assertThat(config.valueSize()).isEqualTo(40);
        assertThat(config.freeze()).isTrue();
        assertThat(config.flags() & MapFlags.RDONLY_PROG).isNotZero();
        MapSpec stats = spec.map(".data.stats");
        assertThat(stats.valueSize()).isEqualTo(72);
        assertThat(stats.freeze()).isFalse();
        assertThat(spec.map(".bss").valueSize()).isEqualTo(32);
        assertThat(spec.map(".bss").contents().getFirst().value()).containsOnly(0);
        // the format string of bpf_printk
        assertThat(new String(spec.map(".rodata").contents().getFirst().value())).startsWith("counter %u");
    }

    @Test
    void referencesCarryTheOffsetInTheSection() {
        List<Instruction> insns = spec.program("use_globals").instructions();
        assertLoad(at(insns, 0), OpCode.PSEUDO_MAP_VALUE, ".data", 0);      // hidden_static via section symbol
        assertLoad(at(insns, 5), OpCode.PSEUDO_MAP_VALUE, ".data", 4);      // second_static: section symbol + addend
        assertLoad(at(insns, 10), OpCode.PSEUDO_MAP_VALUE, ".bss", 0);      // zeroed
        assertLoad(at(insns, 14), OpCode.PSEUDO_MAP_VALUE, ".bss", 8);      // zeroed_array: symbol value
        long limits = insns.stream().filter(i -> ".rodata.config".equals(i.reference()) && i.constant() == 8).count();
        long bigTable = insns.stream().filter(i -> ".data.stats".equals(i.reference()) && i.constant() == 8).count();
        assertThat(limits).isEqualTo(1);
        assertThat(bigTable).isEqualTo(1);
    }

    @Test
    void variablesOfCustomSectionsCanBeRewritten() {
        assertThat(spec.variables()).containsKeys("threshold", "limits", "custom_counter", "big_table", "hidden_static",
                "second_static", "zeroed", "zeroed_array");
        VariableSpec threshold = spec.variable("threshold");
        assertThat(threshold.section()).isEqualTo(".rodata.config");
        assertThat(threshold.getLong()).isEqualTo(100);
        VariableSpec limits = spec.variable("limits");
        assertThat(limits.offset()).isEqualTo(8);
        assertThat(limits.size()).isEqualTo(32);
        assertThat(limits.get()).containsExactly(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
                4, 0, 0, 0, 0, 0, 0, 0);
        assertThat(spec.variable("second_static").getLong()).isEqualTo(11);
        assertThat(spec.variable("second_static").offset()).isEqualTo(4);

        threshold.set(7);
        byte[] value = spec.map(".rodata.config").contents().getFirst().value();
        assertThat(value[0]).isEqualTo((byte) 7);
        assertThat(value[8]).isEqualTo((byte) 1); // neighbours untouched
        VariableSpec zeroed = spec.variable("zeroed_array");
        zeroed.set(new byte[24]);
        spec.variable("zeroed").set(-1L);
        assertThat(spec.map(".bss").contents().getFirst().value()).startsWith(-1, -1, -1, -1, -1, -1, -1, -1, 0);
        assertThat(spec.types().type(threshold.typeId()).kindName()).isEqualTo("const");
    }
}
