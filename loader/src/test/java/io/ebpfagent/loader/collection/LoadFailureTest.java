package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.asm.Asm.R0;
import static io.ebpfagent.loader.asm.Asm.exit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Asm;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import io.ebpfagent.loader.programs.VerifierException;
import io.ebpfagent.loader.sys.Errno;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a failed load reports, and that it leaves nothing behind. */
class LoadFailureTest {

    private static CollectionSpec broken(String keep) {
        CollectionSpec spec = TestObjects.load("broken.bpf.o");
        spec.programs().keySet().removeIf(p -> !p.equals("fine") && !p.equals(keep));
        return spec;
    }

    @Test
    void verifierComplaintAndSourceLineAreInTheMessage() throws Exception {
        int before = ObjectsLoadTest.openDescriptors();
        assertThatThrownBy(() -> Collection.load(broken("null_deref")))
                .isInstanceOfSatisfying(VerifierException.class, e -> {
                    assertThat(e.programName()).isEqualTo("null_deref");
                    assertThat(e.errno()).isEqualTo(Errno.EACCES.value());
                    assertThat(e.getMessage())
                            .contains("load program 'null_deref'")
                            .contains("invalid mem access 'map_value_or_null'")
                            .contains("at source line: return *v; /* no null check */ @ broken.bpf.c:"); // from line_info
                    assertThat(e.log()).contains("R0 invalid mem access");
                });
        // the maps, the BTF and the program "fine" loaded before the failure are closed again
        assertThat(ObjectsLoadTest.openDescriptors()).isEqualTo(before);
    }

    @Test
    void poisonedCoreRelocationIsNamed() {
        assertThatThrownBy(() -> Collection.load(broken("missing_field")))
                .isInstanceOf(VerifierException.class)
                .hasMessageContaining("load program 'missing_field'")
                .hasMessageContaining("instruction 1 uses a CO-RE relocation that failed")
                .hasMessageContaining("task_struct___missing")
                .hasMessageContaining("no_such_field")
                .hasMessageContaining("unknown#195896080");
    }

    @Test
    void handBuiltProgramWithoutBtfReportsTheVerifierLog() {
        CollectionSpec spec = TestObjects.load("minimal.bpf.o");
        // r0 is never written: the verifier refuses to read it at exit
        spec.programs().put("no_r0", ProgramSpec.of("no_r0", ProgramType.TRACEPOINT, List.of(exit())));
        assertThatThrownBy(() -> Collection.load(spec))
                .isInstanceOfSatisfying(VerifierException.class, e -> assertThat(e.getMessage())
                        .contains("load program 'no_r0'").contains("R0 !read_ok"));
    }

    @Test
    void unknownMapReferenceIsAClearError() {
        CollectionSpec spec = TestObjects.load("minimal.bpf.o");
        spec.programs().put("bad_ref", ProgramSpec.of("bad_ref", ProgramType.TRACEPOINT, List.of(
                Asm.loadMapFd(1, 0).withReference("nope"), Asm.mov64(R0, 0), exit())));
        assertThatThrownBy(() -> Collection.load(spec))
                .isInstanceOf(LoaderException.class)
                .hasMessageContaining("program bad_ref insn 0")
                .hasMessageContaining("no map named nope");
    }
}
