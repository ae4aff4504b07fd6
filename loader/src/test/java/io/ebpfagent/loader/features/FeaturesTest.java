package io.ebpfagent.loader.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.sys.NotSupportedException;
import java.nio.file.Files;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class FeaturesTest {

    @Test
    void commonMapTypesAreSupported() {
        for (MapType t : new MapType[] {MapType.HASH, MapType.ARRAY, MapType.PERCPU_HASH, MapType.LRU_HASH,
                MapType.LPM_TRIE, MapType.HASH_OF_MAPS, MapType.ARRAY_OF_MAPS, MapType.QUEUE, MapType.STACK,
                MapType.BLOOM_FILTER, MapType.SK_STORAGE, MapType.TASK_STORAGE, MapType.CGROUP_STORAGE,
                MapType.STACK_TRACE, MapType.PERF_EVENT_ARRAY}) {
            assertThatCode(() -> Features.haveMapType(t)).as(t.name()).doesNotThrowAnyException();
        }
        assertThatCode(Features::haveRingBuffer).doesNotThrowAnyException();
        assertThatCode(Features::haveMmapableMaps).doesNotThrowAnyException();
        assertThatCode(Features::haveObjectNames).doesNotThrowAnyException();
        assertThatCode(Features::haveObjectNamesWithDots).doesNotThrowAnyException();
    }

    @Test
    void programTypesAndHelpers() {
        for (ProgramType t : new ProgramType[] {ProgramType.SOCKET_FILTER, ProgramType.XDP, ProgramType.TRACEPOINT,
                ProgramType.RAW_TRACEPOINT, ProgramType.SCHED_CLS, ProgramType.PERF_EVENT, ProgramType.CGROUP_SKB,
                ProgramType.CGROUP_SOCK_ADDR, ProgramType.SYSCALL, ProgramType.STRUCT_OPS, ProgramType.NETFILTER}) {
            assertThatCode(() -> Features.haveProgramType(t)).as(t.name()).doesNotThrowAnyException();
        }
        // Tracing-class types are refused under lockdown here: either supported or refused with the reason.
        for (ProgramType t : new ProgramType[] {ProgramType.TRACING, ProgramType.EXT, ProgramType.LSM}) {
            Features.missing(() -> Features.haveProgramType(t))
                    .ifPresent(reason -> assertThat(reason).contains(t.name()).contains("EPERM"));
        }
        // bpf_ktime_get_ns (5) exists everywhere; bpf_get_stackid (27) is not allowed for socket filters.
        assertThatCode(() -> Features.haveProgramHelper(ProgramType.SOCKET_FILTER, 5)).doesNotThrowAnyException();
        assertThatCode(() -> Features.haveProgramHelper(ProgramType.TRACEPOINT, 27)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Features.haveProgramHelper(ProgramType.SOCKET_FILTER, 27))
                .isInstanceOf(NotSupportedException.class).hasMessageContaining("helper 27");
        assertThatThrownBy(() -> Features.haveProgramHelper(ProgramType.SOCKET_FILTER, 100000))
                .isInstanceOf(NotSupportedException.class);
        assertThatCode(Features::haveBoundedLoops).doesNotThrowAnyException();
        assertThatCode(Features::haveLargeInstructions).doesNotThrowAnyException();
    }

    @Test
    void btfKinds() {
        assertThatCode(Features::haveBtf).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfFunc).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfDatasec).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfFloat).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfDeclTag).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfTypeTag).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfEnum64).doesNotThrowAnyException();
        assertThatCode(Features::haveBtfGlobalFunc).doesNotThrowAnyException();
        assertThat(Features.supportedBtfFeatures()).containsExactlyInAnyOrder(io.ebpfagent.loader.btf.BtfFeature.values());
    }

    @Test
    void kprobesAndFentryAreMissingHereWithTheReason() {
        // This machine's kernel has no CONFIG_KPROBES and refuses fentry under lockdown (KERNEL-FACTS).
        if (!Files.exists(Features.KPROBE_PMU_TYPE)) {
            assertThatThrownBy(Features::haveKprobes).isInstanceOf(NotSupportedException.class)
                    .hasMessageContaining("kprobe PMU");
            assertThat(Features.supported(Features::haveKprobes)).isFalse();
        } else {
            assertThatCode(Features::haveKprobes).doesNotThrowAnyException();
        }
        String reason = Features.missing(Features::haveFentry).orElse("");
        System.out.println("fentry: " + (reason.isEmpty() ? "supported" : reason));
        if (!reason.isEmpty()) {
            assertThat(reason).contains("fentry");
            assertThat(Features.missing(() -> Features.haveProgramType(ProgramType.TRACING))).isPresent();
        }
    }

    @Test
    void vmlinuxScanFindsFunctions() throws Exception {
        OptionalInt id = VmlinuxBtf.findInVmlinux(TinyBtf.KIND_FUNC, "vfs_read");
        assertThat(id).isPresent();
        assertThat(VmlinuxBtf.findInVmlinux(TinyBtf.KIND_FUNC, "no_such_function_xyz")).isEmpty();
        assertThat(VmlinuxBtf.findInVmlinux(TinyBtf.KIND_STRUCT, "task_struct")).isPresent();
    }

    @Test
    void kernelVersionParses() {
        assertThat(KernelVersion.parse("6.18.44-fc-v782")).isEqualTo((6 << 16) + (18 << 8) + 44);
        assertThat(KernelVersion.parse("5.4.300")).isEqualTo((5 << 16) + (4 << 8) + 255);
        // the runs of digits a split on [^0-9]+ gives: short, empty and odd releases alike
        assertThat(KernelVersion.parse("6.1\n")).isEqualTo((6 << 16) + (1 << 8));
        assertThat(KernelVersion.parse("6.9-rc1")).isEqualTo((6 << 16) + (9 << 8) + 1);
        assertThat(KernelVersion.parse("v6.2")).isEqualTo((6 << 8) + 2);
        assertThat(KernelVersion.parse("6.")).isEqualTo(6 << 16);
        assertThat(KernelVersion.parse("")).isZero();
        assertThat(KernelVersion.code()).isGreaterThan(0);
    }

    @Test
    void tinyBtfHasTheKernelHeader() {
        byte[] b = new TinyBtf().int32("int").build();
        assertThat(b).hasSize(24 + 16 + 5);
        assertThat(b[0] & 0xff).isEqualTo(0x9f);
        assertThat(b[1] & 0xff).isEqualTo(0xeb);
        assertThat(VmlinuxBtf.find(b, TinyBtf.KIND_INT, "int")).hasValue(1);
    }
}
