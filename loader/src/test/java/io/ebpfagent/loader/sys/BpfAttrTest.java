package io.ebpfagent.loader.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Offsets checked against the UAPI header's C layout (computed by hand from bpf.h). */
class BpfAttrTest {

    @Test
    void mapCreateLayoutMatchesTheHeader() {
        assertThat(BpfAttr.MapCreate.MAP_NAME).isEqualTo(28);
        assertThat(BpfAttr.MapCreate.MAP_IFINDEX).isEqualTo(44);
        assertThat(BpfAttr.MapCreate.BTF_VMLINUX_VALUE_TYPE_ID).isEqualTo(60);
        assertThat(BpfAttr.MapCreate.MAP_EXTRA).isEqualTo(64);
        assertThat(BpfAttr.MapCreate.MAP_TOKEN_FD).isEqualTo(76);
        assertThat(BpfAttr.MapCreate.LAYOUT.byteSize()).isEqualTo(80);
    }

    @Test
    void elemAndBatchLayoutsMatchTheHeader() {
        assertThat(BpfAttr.MapElem.KEY).isEqualTo(8);
        assertThat(BpfAttr.MapElem.VALUE).isEqualTo(16);
        assertThat(BpfAttr.MapElem.FLAGS).isEqualTo(24);
        assertThat(BpfAttr.MapBatch.COUNT).isEqualTo(32);
        assertThat(BpfAttr.MapBatch.MAP_FD).isEqualTo(36);
        assertThat(BpfAttr.MapBatch.FLAGS).isEqualTo(48);
    }

    @Test
    void progLoadLayoutMatchesTheHeader() {
        assertThat(BpfAttr.ProgLoad.LOG_BUF).isEqualTo(32);
        assertThat(BpfAttr.ProgLoad.PROG_NAME).isEqualTo(48);
        assertThat(BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE).isEqualTo(68);
        assertThat(BpfAttr.ProgLoad.FUNC_INFO).isEqualTo(80);
        assertThat(BpfAttr.ProgLoad.LINE_INFO).isEqualTo(96);
        assertThat(BpfAttr.ProgLoad.ATTACH_BTF_ID).isEqualTo(108);
        assertThat(BpfAttr.ProgLoad.FD_ARRAY).isEqualTo(120);
        assertThat(BpfAttr.ProgLoad.CORE_RELO_REC_SIZE).isEqualTo(136);
        assertThat(BpfAttr.ProgLoad.LOG_TRUE_SIZE).isEqualTo(140);
        assertThat(BpfAttr.ProgLoad.LAYOUT.byteSize()).isEqualTo(152);
    }

    @Test
    void otherLayoutsMatchTheHeader() {
        assertThat(BpfAttr.TestRun.CTX_IN).isEqualTo(48);
        assertThat(BpfAttr.TestRun.BATCH_SIZE).isEqualTo(72);
        assertThat(BpfAttr.Query.PROG_CNT).isEqualTo(24);
        assertThat(BpfAttr.Query.PROG_ATTACH_FLAGS).isEqualTo(32);
        assertThat(BpfAttr.RawTracepoint.COOKIE).isEqualTo(16);
        assertThat(BpfAttr.BtfLoad.BTF_LOG_LEVEL).isEqualTo(24);
        assertThat(BpfAttr.TaskFdQuery.PROBE_ADDR).isEqualTo(40);
        assertThat(BpfAttr.LinkCreate.UNION).isEqualTo(16);
        assertThat(BpfAttr.LinkCreate.LAYOUT.byteSize()).isEqualTo(64);
        assertThat(BpfInfo.Map.MAP_EXTRA).isEqualTo(80);
        assertThat(BpfInfo.Prog.NAME).isEqualTo(64);
        assertThat(BpfInfo.Prog.BTF_ID).isEqualTo(128);
        assertThat(BpfInfo.Prog.RUN_TIME_NS).isEqualTo(192);
        assertThat(BpfInfo.Prog.ATTACH_BTF_ID).isEqualTo(224);
        assertThat(BpfInfo.Prog.LAYOUT.byteSize()).isEqualTo(232);
    }

    @Test
    void namesAreSanitisedLikeTheKernelWants() {
        assertThat(Bpf.sanitizeName("my-map")).isEqualTo("mymap");
        assertThat(Bpf.sanitizeName(".rodata.str1.1")).isEqualTo(".rodata.str1.1");
        assertThat(Bpf.sanitizeName("a_very_long_program_name")).isEqualTo("a_very_long_pro");
    }

    @Test
    void rawCommandsWorkAgainstTheKernel() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.MapCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_TYPE, 1);
            attr.set(JAVA_INT, BpfAttr.MapCreate.KEY_SIZE, 4);
            attr.set(JAVA_INT, BpfAttr.MapCreate.VALUE_SIZE, 8);
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAX_ENTRIES, 4);
            try (FileDescriptor fd = Bpf.mapCreate(attr)) {
                MemorySegment key = arena.allocate(JAVA_INT);
                MemorySegment value = arena.allocate(JAVA_LONG);
                key.set(JAVA_INT, 0, 7);
                value.set(JAVA_LONG, 0, 42);
                assertThat(Bpf.mapLookupElem(fd.get(), key, value, 0)).isEqualTo(-Errno.ENOENT.value());
                assertThat(Bpf.mapUpdateElem(fd.get(), key, value, Bpf.ANY)).isZero();
                value.set(JAVA_LONG, 0, 0);
                assertThat(Bpf.mapLookupElem(fd.get(), key, value, 0)).isZero();
                assertThat(value.get(JAVA_LONG, 0)).isEqualTo(42);
                MemorySegment next = arena.allocate(JAVA_INT);
                assertThat(Bpf.mapGetNextKey(fd.get(), null, next)).isZero();
                assertThat(next.get(JAVA_INT, 0)).isEqualTo(7);
                assertThat(Bpf.mapGetNextKey(fd.get(), key, next)).isEqualTo(-Errno.ENOENT.value());
                MemorySegment info = arena.allocate(BpfInfo.Map.LAYOUT);
                assertThat(Bpf.objGetInfoByFd(fd.get(), info)).isGreaterThanOrEqualTo(88);
                assertThat(info.get(JAVA_INT, BpfInfo.Map.VALUE_SIZE)).isEqualTo(8);
                int id = info.get(JAVA_INT, BpfInfo.Map.ID);
                try (FileDescriptor again = Bpf.getFdById(BpfCommand.MAP_GET_FD_BY_ID, id, 0)) {
                    assertThat(again.get()).isNotEqualTo(fd.get());
                }
            }
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_TYPE, 0x7ff);
            assertThatThrownBy(() -> Bpf.mapCreate(attr)).isInstanceOf(SyscallException.class)
                    .hasMessageContaining("BPF_MAP_CREATE").hasMessageContaining("EINVAL");
        }
    }

    @Test
    void btfLoadFailureCarriesTheKernelsLog() {
        byte[] garbage = new byte[32];
        garbage[0] = (byte) 0x9f;
        garbage[1] = (byte) 0xeb;
        garbage[2] = 1;
        garbage[4] = 24;
        assertThatThrownBy(() -> Bpf.btfLoad(garbage)).isInstanceOf(BtfLoadException.class)
                .satisfies(e -> assertThat(((BtfLoadException) e).log()).isNotBlank());
    }

    @Test
    void mmapFailureIsTyped() {
        assertThatThrownBy(() -> Mmap.map(Arena.ofAuto(), 987654, 4096, Mmap.PROT_READ, Mmap.MAP_SHARED, 0))
                .isInstanceOf(SyscallException.class).hasMessageContaining("EBADF");
        assertThat(Mmap.pageSize()).isGreaterThanOrEqualTo(4096);
    }
}
