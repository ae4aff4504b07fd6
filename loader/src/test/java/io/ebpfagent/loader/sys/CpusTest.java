package io.ebpfagent.loader.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CpusTest {

    @Test
    void parsesKernelCpuLists() {
        assertThat(Cpus.list("0-3,5,7-8")).containsExactly(0, 1, 2, 3, 5, 7, 8);
        assertThat(Cpus.count("0-3,5,7-8")).isEqualTo(9);
        assertThat(Cpus.count("0")).isEqualTo(1);
        assertThat(Cpus.list("0-1\n")).containsExactly(0, 1);
    }

    @Test
    void possibleCpusMatchSysfs() throws Exception {
        String possible = Files.readString(Path.of("/sys/devices/system/cpu/possible"));
        assertThat(Cpus.possible()).isEqualTo(Cpus.count(possible)).isGreaterThanOrEqualTo(Cpus.online().length);
    }

    @Test
    void nextIdWalksTheKernelsMaps() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment attr = arena.allocate(BpfAttr.MapCreate.LAYOUT);
            attr.set(java.lang.foreign.ValueLayout.JAVA_INT, BpfAttr.MapCreate.MAP_TYPE, 2);
            attr.set(java.lang.foreign.ValueLayout.JAVA_INT, BpfAttr.MapCreate.KEY_SIZE, 4);
            attr.set(java.lang.foreign.ValueLayout.JAVA_INT, BpfAttr.MapCreate.VALUE_SIZE, 4);
            attr.set(java.lang.foreign.ValueLayout.JAVA_INT, BpfAttr.MapCreate.MAX_ENTRIES, 1);
            try (FileDescriptor fd = Bpf.mapCreate(attr)) {
                java.lang.foreign.MemorySegment info = arena.allocate(BpfInfo.Map.LAYOUT);
                Bpf.objGetInfoByFd(fd.get(), info);
                int id = info.get(java.lang.foreign.ValueLayout.JAVA_INT, BpfInfo.Map.ID);
                boolean found = false;
                for (int next = Bpf.getNextId(BpfCommand.MAP_GET_NEXT_ID, 0); next > 0;
                     next = Bpf.getNextId(BpfCommand.MAP_GET_NEXT_ID, next)) {
                    found |= next == id;
                }
                assertThat(found).isTrue();
                assertThat(FdInfo.read(fd.get())).containsEntry("map_type", "2");
            }
        }
    }
}
