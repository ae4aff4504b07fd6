package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Checks the parse of the running kernel's BTF against bpftool's dump of the same file. */
class KernelBtfTest {
    static String bpftoolTaskStruct;

    @BeforeAll
    static void requireKernelBtf() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "kernel has no BTF (CONFIG_DEBUG_INFO_BTF)");
    }

    static String bpftool(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "bpftool";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
    }

    @Test
    void kernelBtfIsCachedAndFast() throws IOException {
        Btf k = Btf.kernel();
        assertSame(k, Btf.kernel());
        assertTrue(k.typeCount() > 10_000, "typeCount " + k.typeCount());
        byte[] raw = Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux"));
        long t0 = System.nanoTime();
        Btf again = Btf.parse(raw);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(k.typeCount(), again.typeCount());
        System.out.println("kernel BTF: " + k + ", a fresh parse took " + ms + " ms");
    }

    @Test
    void flushingTheCacheGivesTheRawTypesBackAndKeepsWhatWasDecoded() {
        Btf before = Btf.kernel();
        int taskStruct = before.idsByName("task_struct")[0];
        Type decoded = before.type(taskStruct);
        assertTrue(before.rawTypesResident());
        Btf.flushKernelCache();
        // the raw types (native memory) are given back at once ...
        assertFalse(before.rawTypesResident());
        // ... the instance stays cached, with the types it had decoded ...
        Btf after = Btf.kernel();
        assertSame(before, after);
        assertSame(decoded, after.type(taskStruct));
        assertFalse(after.rawTypesResident());
        // ... and the raw types are read again when a name or a type not decoded yet is asked for
        Btf eager = Btf.parseLazily(readVmlinux());
        assertArrayEquals(eager.idsByName("sched_switch"), after.idsByName("sched_switch"));
        assertTrue(after.rawTypesResident());
        assertArrayEquals(new int[] {taskStruct}, after.idsByName("task_struct"));
        Btf.flushKernelCache();
        int last = before.typeCount() - 1;
        assertEquals(eager.type(last), after.type(last));
    }

    private static byte[] readVmlinux() {
        try {
            return Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void taskStructMatchesBpftool() throws Exception {
        Btf k = Btf.kernel();
        int id = k.findId("task_struct", Struct.class).orElseThrow();
        Struct ts = (Struct) k.type(id);
        String dump = bpftool("btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw");
        assumeTrue(dump != null, "bpftool not available");
        Matcher head = Pattern.compile("^\\[(\\d+)\\] STRUCT 'task_struct' size=(\\d+) vlen=(\\d+)$", Pattern.MULTILINE).matcher(dump);
        assertTrue(head.find());
        assertEquals(Integer.parseInt(head.group(1)), id);
        assertEquals(Integer.parseInt(head.group(2)), ts.size());
        assertEquals(Integer.parseInt(head.group(3)), ts.members().size());
        int pidOffset = -1;
        for (Member m : ts.members()) if (m.name().equals("pid")) pidOffset = m.bitOffset();
        Matcher pid = Pattern.compile("\\t'pid' type_id=(\\d+) bits_offset=(\\d+)").matcher(dump.substring(head.end()));
        assertTrue(pid.find());
        assertEquals(Integer.parseInt(pid.group(2)), pidOffset);
        // pid_t -> __kernel_pid_t -> int
        int pidType = Integer.parseInt(pid.group(1));
        assertEquals("pid_t", k.type(pidType).name());
        assertEquals(4, k.sizeOf(pidType));
        assertTrue(((Int) k.resolvedType(pidType)).signed());

        // the last type id bpftool prints is typeCount() - 1
        Matcher last = Pattern.compile("^\\[(\\d+)\\] ", Pattern.MULTILINE).matcher(dump);
        int max = 0;
        while (last.find()) max = Integer.parseInt(last.group(1));
        assertEquals(max, k.typeCount() - 1);
    }

    @Test
    void kernelLookups() {
        Btf k = Btf.kernel();
        Enumeration e = k.find("bpf_map_type", Type.Enum.class);
        assertTrue(e.values().stream().anyMatch(v -> v.name().equals("BPF_MAP_TYPE_RINGBUF") && v.value() == 27));
        int listHead = k.findId("list_head", Struct.class).orElseThrow();
        assertEquals(16, k.sizeOf(listHead));
        assertTrue(k.findId("btf_trace_sched_switch", Typedef.class).isPresent());
        assertTrue(k.datasec(".data..percpu").isPresent());
    }
}
