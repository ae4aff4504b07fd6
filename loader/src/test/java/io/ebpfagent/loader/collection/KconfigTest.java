package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.collection.MinimalObjectTest.assertLoad;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KconfigTest {
    private final CollectionSpec spec = TestObjects.load("kconfig.bpf.o");

    @Test
    void externsAreLaidOutInTheKconfigMap() {
        // libbpf's order: alignment descending, then size ascending, then name; the value ends at the last byte
        assertThat(spec.kconfigExterns()).extracting(KconfigExtern::name).containsExactly("CONFIG_MISSING_OPTION",
                "CONFIG_EXAMPLE_TRISTATE", "CONFIG_HZ", "LINUX_KERNEL_VERSION", "CONFIG_BPF_SYSCALL",
                "CONFIG_DEFAULT_HOSTNAME");
        assertThat(spec.kconfigExterns()).extracting(KconfigExtern::offset).containsExactly(0, 8, 12, 16, 20, 21);
        assertThat(spec.kconfigExterns()).extracting(KconfigExtern::kind).containsExactly(KconfigExtern.Kind.INT,
                KconfigExtern.Kind.TRISTATE, KconfigExtern.Kind.INT, KconfigExtern.Kind.INT, KconfigExtern.Kind.BOOL,
                KconfigExtern.Kind.CHAR_ARRAY);
        assertThat(spec.kconfigExterns()).extracting(KconfigExtern::weak).containsExactly(true, true, false, false, false, true);
        MapSpec m = spec.map(".kconfig");
        assertThat(m.type()).isEqualTo(MapType.ARRAY);
        assertThat(m.valueSize()).isEqualTo(37);
        assertThat(m.freeze()).isTrue();
        assertThat(m.flags() & MapFlags.RDONLY_PROG).isNotZero();
        assertThat(spec.sectionSizes()).containsEntry(".kconfig", 37);
        assertThat(spec.symbolOffsets()).containsEntry("CONFIG_MISSING_OPTION", 0);
    }

    @Test
    void loadsOfExternsPointIntoTheKconfigMap() {
        List<Instruction> refs = spec.program("read_config").instructions().stream()
                .filter(i -> ".kconfig".equals(i.reference())).toList();
        assertThat(refs).hasSize(6);
        refs.forEach(i -> assertThat(i.src()).isEqualTo(OpCode.PSEUDO_MAP_VALUE));
        assertThat(refs).extracting(Instruction::constant).containsExactlyInAnyOrder(0L, 8L, 12L, 16L, 20L, 21L);
        // the first load reads LINUX_KERNEL_VERSION, at 16 in libbpf's layout
        assertLoad(spec.program("read_config").instructions().getFirst(), OpCode.PSEUDO_MAP_VALUE, ".kconfig", 16);
    }

    @Test
    void resolveKconfigEncodesEachKind() {
        Kconfig config = Kconfig.of(Map.of("CONFIG_BPF_SYSCALL", "y", "CONFIG_EXAMPLE_TRISTATE", "m", "CONFIG_HZ", "250",
                "CONFIG_DEFAULT_HOSTNAME", "\"a-very-long-hostname\""))
                .with(Kconfig.LINUX_KERNEL_VERSION, Integer.toString(Kconfig.kernelVersion("6.18.3-arch1")));
        spec.resolveKconfig(config);
        ByteBuffer v = ByteBuffer.wrap(spec.map(".kconfig").contents().getFirst().value()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(v.getLong(0)).isZero(); // weak and missing
        assertThat(v.getInt(8)).isEqualTo(2);
        assertThat(v.getInt(12)).isEqualTo(250);
        assertThat(v.getInt(16)).isEqualTo(0x061203);
        assertThat(v.get(20)).isEqualTo((byte) 1);
        byte[] host = new byte[16];
        v.get(21, host);
        assertThat(new String(host)).isEqualTo("a-very-long-hos\0");
    }

    @Test
    void strongMissingAndIncompatibleValuesFail() {
        Kconfig noHz = Kconfig.of(Map.of("CONFIG_BPF_SYSCALL", "y", Kconfig.LINUX_KERNEL_VERSION, "1"));
        assertThatThrownBy(() -> spec.copy().resolveKconfig(noHz)).isInstanceOf(LoaderException.class)
                .hasMessageContaining("CONFIG_HZ is not set");
        Kconfig boolModule = Kconfig.of(Map.of("CONFIG_BPF_SYSCALL", "m", "CONFIG_HZ", "1", Kconfig.LINUX_KERNEL_VERSION, "1"));
        assertThatThrownBy(() -> spec.copy().resolveKconfig(boolModule)).hasMessageContaining("a bool cannot hold 'm'");
        Kconfig tooBig = Kconfig.of(Map.of("CONFIG_BPF_SYSCALL", "y", "CONFIG_HZ", "0x1ffffffff", Kconfig.LINUX_KERNEL_VERSION, "1"));
        assertThatThrownBy(() -> spec.copy().resolveKconfig(tooBig)).hasMessageContaining("does not fit 4 bytes");
    }

    @Test
    void parsesConfigFilesAndReleases() {
        Kconfig c = Kconfig.parse("# comment\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"x y\"\nCONFIG_D=0x10\n");
        assertThat(c.values()).containsOnly(Map.entry("CONFIG_A", "y"), Map.entry("CONFIG_C", "\"x y\""),
                Map.entry("CONFIG_D", "0x10"));
        assertThat(Kconfig.kernelVersion("6.18.0-13-generic")).isEqualTo((6 << 16) + (18 << 8));
        assertThat(Kconfig.kernelVersion("4.9.337")).isEqualTo((4 << 16) + (9 << 8) + 255);
        assertThat(Kconfig.kernelVersion("5.4")).isEqualTo((5 << 16) + (4 << 8));
        assertThatThrownBy(() -> Kconfig.kernelVersion("garbage")).hasMessageContaining("garbage");
    }

    @Test
    void readsTheRunningKernelsConfigurationWhereAvailable() {
        Kconfig c;
        try {
            c = Kconfig.current();
        } catch (LoaderException e) {
            org.junit.jupiter.api.Assumptions.abort("no kernel configuration on this machine: " + e.getMessage());
            return;
        }
        assertThat(c.value(Kconfig.LINUX_KERNEL_VERSION)).isPresent();
        assertThat(c.value("CONFIG_BPF_SYSCALL")).contains("y");
    }
}
