package io.ebpfagent.loader.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.collection.CollectionSpec;
import io.ebpfagent.loader.programs.ProgramSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel's BTF as the loader keeps it (scanned once, decoded lazily, names in a raw hash
 * index, raw types released and read again after {@link Btf#flushKernelCache()}) answers every
 * CO-RE relocation of the agent's 7 probe objects exactly as a full, eager parse of the same
 * {@code /sys/kernel/btf/vmlinux} does: the same candidate ids for every local type's name, the
 * same patched instructions and outcomes.
 */
class KernelBtfCoreLookupTest {
    private static final Path OBJECTS = Path.of("../probes/src/main/resources/io/ebpfagent/probes/bpf");
    private static final List<String> NAMES = List.of("sched", "syscalls", "io", "net", "faults", "jvm", "profile");

    @Test
    void everyRelocationOfTheProbeObjectsResolvesAsWithTheEagerParse() throws Exception {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "kernel has no BTF");
        assumeTrue(Files.isDirectory(OBJECTS), "probe objects not found at " + OBJECTS.toAbsolutePath());
        Btf eager = Btf.parse(Files.readAllBytes(vmlinux));
        assertTrue(!(eager.types() instanceof LazyTypes));
        int relocations = checkAgainstEager(eager, Btf.kernel(), Btf::flushKernelCache);
        assertTrue(relocations > 100, "only " + relocations + " relocations checked");
    }

    /**
     * Checks {@code kernel}'s answers to every CO-RE relocation of the probe objects against
     * {@code eager}'s, twice: the second time after {@code flush} released its raw types.
     * Returns the number of relocations checked per round.
     */
    static int checkAgainstEager(Btf eager, Btf kernel, Runnable flush) throws Exception {
        int relocations = 0;
        for (int round = 0; round < 2; round++) {
            for (String name : NAMES) {
                CollectionSpec spec = CollectionSpec.load(Files.readAllBytes(OBJECTS.resolve(name + ".bpf.o")), name);
                Btf local = spec.types();
                for (ProgramSpec p : spec.programs().values()) {
                    if (p.coreRelocations().isEmpty()) continue;
                    for (CoreRelocation r : p.coreRelocations()) {
                        String essential = Btf.essentialName(local.type(r.typeId()).name());
                        assertArrayEquals(eager.idsByEssentialName(essential), kernel.idsByEssentialName(essential),
                                name + "/" + p.name() + ": candidates of " + essential);
                        String exact = local.type(local.resolve(r.typeId())).name();
                        assertArrayEquals(eager.idsByName(exact), kernel.idsByName(exact), exact);
                        relocations++;
                    }
                    CoreRelocator.Result lazyResult = new CoreRelocator(local, kernel)
                            .relocate(p.instructions(), p.coreRelocations());
                    CoreRelocator.Result eagerResult = new CoreRelocator(local, eager)
                            .relocate(p.instructions(), p.coreRelocations());
                    assertEquals(eagerResult.instructions(), lazyResult.instructions(), name + "/" + p.name());
                    assertEquals(eagerResult.outcomes().toString(), lazyResult.outcomes().toString(), name + "/" + p.name());
                }
            }
            // lookups by kind look only where the kind can be (functions have their own index)
            int func = eager.idsOfKind(Type.Func.class).get(0);
            String funcName = eager.type(func).name();
            assertEquals(eager.findId(funcName, Type.Func.class), kernel.findId(funcName, Type.Func.class));
            assertEquals(eager.findId(funcName, Type.class), kernel.findId(funcName, Type.class));
            assertEquals(eager.findId("btf_trace_sched_switch", Type.Typedef.class),
                    kernel.findId("btf_trace_sched_switch", Type.Typedef.class));
            assertEquals(eager.findId("task_struct", Type.Composite.class), kernel.findId("task_struct", Type.Composite.class));
            assertTrue(kernel.findId(funcName, Type.Struct.class).isEmpty());
            assertArrayEquals(eager.idsByName(funcName), kernel.idsByName(funcName));
            // the second round runs on raw types read again, with a rebuilt name index
            flush.run();
        }
        return relocations / 2;
    }
}
