package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Asm;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.btf.BtfBuilder;
import io.ebpfagent.loader.btf.Type;
import io.ebpfagent.loader.programs.AttachType;
import io.ebpfagent.loader.programs.ProgramSpec;
import io.ebpfagent.loader.programs.ProgramType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reference resolution, attach BTF ids and verifier log parsing, on bytes (no kernel). */
class LinkingUnitTest {
    private static final Btf KERNEL = kernelLike();

    private static Btf kernelLike() {
        BtfBuilder b = new BtfBuilder();
        int i = b.add(new Type.Int("int", 4, Type.Int.SIGNED, 0, 32));
        int proto = b.add(new Type.FuncProto(i, List.of()));
        b.add(new Type.Typedef("btf_trace_sched_switch", b.add(new Type.Pointer(proto))));
        b.add(new Type.Func("do_nanosleep", proto, Type.Linkage.GLOBAL));
        b.add(new Type.Func("bpf_lsm_file_open", proto, Type.Linkage.GLOBAL));
        b.add(new Type.Func("bpf_iter_task", proto, Type.Linkage.GLOBAL));
        b.add(new Type.Func("bpf_rcu_read_lock", proto, Type.Linkage.GLOBAL));
        b.add(new Type.Var("runqueues", i, Type.Linkage.GLOBAL));
        return b.build();
    }

    private final ReferenceResolver resolver = new ReferenceResolver(name -> switch (name) {
        case "counts" -> 7;
        case ".data" -> 9;
        default -> throw new LoaderException("no map named " + name + " in the collection");
    }, () -> KERNEL);

    @Test
    void mapReferencesBecomeDescriptorsAndValueAddresses() {
        List<Instruction> out = resolver.resolve("p", List.of(
                Asm.loadMapFd(1, 0).withReference("counts"),
                new Instruction(OpCode.LD_IMM64, 2, OpCode.PSEUDO_MAP_VALUE, 0, 24).withReference(".data"),
                Asm.mov64(0, 0), Asm.exit()));
        assertThat(out.get(0).constant()).isEqualTo(7);
        assertThat(out.get(0).src()).isEqualTo(OpCode.PSEUDO_MAP_FD);
        // fd in the first imm, the offset in the second slot's imm
        assertThat(out.get(1).constant()).isEqualTo((24L << 32) | 9);
        assertThat(out.get(2)).isEqualTo(Asm.mov64(0, 0));
    }

    @Test
    void ksymsResolveToKernelBtfIds() {
        List<Instruction> out = resolver.resolve("p", List.of(
                new Instruction(OpCode.CALL, 0, OpCode.PSEUDO_KFUNC_CALL, 0, 0).withReference("bpf_rcu_read_lock"),
                new Instruction(OpCode.LD_IMM64, 1, OpCode.PSEUDO_BTF_ID, 0, 0).withReference("runqueues")));
        assertThat(out.get(0).imm()).isEqualTo(KERNEL.findId("bpf_rcu_read_lock", Type.Func.class).orElseThrow());
        assertThat(out.get(1).constant()).isEqualTo(KERNEL.findId("runqueues", Type.Var.class).orElseThrow());
        assertThatThrownBy(() -> resolver.resolve("p", List.of(
                new Instruction(OpCode.CALL, 0, OpCode.PSEUDO_KFUNC_CALL, 0, 0).withReference("no_such_kfunc"))))
                .hasMessageContaining("program p insn 0: kfunc no_such_kfunc (__ksym) is not in the kernel's BTF");
    }

    @Test
    void callsBetweenFunctionsAreLeftAlone() {
        Instruction call = new Instruction(OpCode.CALL, 0, OpCode.PSEUDO_CALL, 0, 5).withReference("bump");
        assertThat(resolver.resolve("p", List.of(call))).containsExactly(call);
    }

    @Test
    void unknownMapNamesTheInstruction() {
        assertThatThrownBy(() -> resolver.resolve("p", List.of(Asm.mov64(0, 0), Asm.loadMapFd(1, 0).withReference("gone"))))
                .hasMessage("program p insn 1: no map named gone in the collection");
    }

    @Test
    void attachBtfIdsFollowLibbpfNaming() {
        assertThat(AttachTargets.btfId(spec(AttachType.TRACE_RAW_TP, "sched_switch"), KERNEL))
                .isEqualTo(KERNEL.findId("btf_trace_sched_switch", Type.Typedef.class).orElseThrow());
        assertThat(AttachTargets.btfId(spec(AttachType.TRACE_FENTRY, "do_nanosleep"), KERNEL))
                .isEqualTo(KERNEL.findId("do_nanosleep", Type.Func.class).orElseThrow());
        assertThat(AttachTargets.btfId(spec(AttachType.TRACE_FEXIT, "do_nanosleep"), KERNEL))
                .isEqualTo(KERNEL.findId("do_nanosleep", Type.Func.class).orElseThrow());
        assertThat(AttachTargets.btfId(spec(AttachType.MODIFY_RETURN, "do_nanosleep"), KERNEL))
                .isEqualTo(KERNEL.findId("do_nanosleep", Type.Func.class).orElseThrow());
        assertThat(AttachTargets.btfId(spec(AttachType.TRACE_ITER, "task"), KERNEL))
                .isEqualTo(KERNEL.findId("bpf_iter_task", Type.Func.class).orElseThrow());
        ProgramSpec lsm = new ProgramSpec("l", ProgramType.LSM, AttachType.LSM_MAC, "file_open", "lsm/file_open",
                List.of(Asm.exit()), "GPL", 0, 0, null, List.of());
        assertThat(AttachTargets.btfId(lsm, KERNEL)).isEqualTo(KERNEL.findId("bpf_lsm_file_open", Type.Func.class).orElseThrow());
        assertThat(AttachTargets.btfId(ProgramSpec.of("t", ProgramType.TRACEPOINT, List.of(Asm.exit())), KERNEL)).isZero();
        assertThatThrownBy(() -> AttachTargets.btfId(spec(AttachType.TRACE_FENTRY, "nope"), KERNEL))
                .hasMessageContaining("attach target nope (func) is not in the kernel's BTF");
    }

    @Test
    void verifierLogParsing() {
        String log = """
                func#0 @0
                0: R1=ctx() R10=fp0
                ; int x = 1; @ a.bpf.c:10
                0: (b7) r1 = 1
                ; return t->no_such_field; @ broken.bpf.c:41
                1: (85) call unknown#195896080
                invalid func unknown#195896080
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                """;
        assertThat(ExplainedVerifierException.failingInstruction(log)).isEqualTo(1);
        assertThat(ExplainedVerifierException.lastSourceLine(log)).isEqualTo("return t->no_such_field; @ broken.bpf.c:41");
        assertThat(ExplainedVerifierException.failingInstruction("no instructions")).isEqualTo(-1);
        assertThat(ExplainedVerifierException.lastSourceLine("")).isNull();
    }

    @Test
    void optionsValidateAndCopy() {
        assertThatThrownBy(() -> CollectionOptions.DEFAULT.withLogSize(0)).isInstanceOf(IllegalArgumentException.class);
        CollectionOptions o = CollectionOptions.DEFAULT.withKconfig(Map.of("CONFIG_HZ", "100")).withLogLevel(2);
        assertThat(o.kconfig()).containsEntry("CONFIG_HZ", "100");
        assertThat(o.logLevel()).isEqualTo(2);
        assertThat(o.targetBtfSupplier().get()).isSameAs(Btf.kernel());
        assertThat(o.withTargetBtf(KERNEL).targetBtfSupplier().get()).isSameAs(KERNEL);
    }

    private static ProgramSpec spec(AttachType type, String to) {
        return new ProgramSpec("p", ProgramType.TRACING, type, to, "sec/" + to, List.of(Asm.exit()), "GPL", 0, 0, null, List.of());
    }
}
