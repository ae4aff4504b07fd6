package io.ebpfagent.loader.programs;

import static io.ebpfagent.loader.asm.Asm.R0;
import static io.ebpfagent.loader.asm.Asm.R1;
import static io.ebpfagent.loader.asm.Asm.R2;
import static io.ebpfagent.loader.asm.Asm.R3;
import static io.ebpfagent.loader.asm.Asm.R4;
import static io.ebpfagent.loader.asm.Asm.R5;
import static io.ebpfagent.loader.asm.Asm.alu64;
import static io.ebpfagent.loader.asm.Asm.callFunction;
import static io.ebpfagent.loader.asm.Asm.exit;
import static io.ebpfagent.loader.asm.Asm.jumpImm;
import static io.ebpfagent.loader.asm.Asm.jumpReg;
import static io.ebpfagent.loader.asm.Asm.loadImm64;
import static io.ebpfagent.loader.asm.Asm.loadMapFd;
import static io.ebpfagent.loader.asm.Asm.loadMem;
import static io.ebpfagent.loader.asm.Asm.mov64;
import static io.ebpfagent.loader.asm.Asm.mov64Reg;
import static io.ebpfagent.loader.asm.Asm.storeImm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.features.Features;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.PermissionDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgramTest {

    /** Returns {@code skb->len}: the packet length after the Ethernet header the kernel pulled. */
    static ProgramSpec socketFilter() {
        return ProgramSpec.of("sk_len", ProgramType.SOCKET_FILTER,
                List.of(loadMem(OpCode.SIZE_W, R0, R1, 0), exit()));
    }

    /** XDP_PASS if the first byte is 0xAB, else XDP_DROP; writes 0xCD into the second byte. */
    static ProgramSpec xdp() {
        return ProgramSpec.of("xdp_check", ProgramType.XDP, List.of(
                loadMem(OpCode.SIZE_W, R2, R1, 0),
                loadMem(OpCode.SIZE_W, R3, R1, 4),
                mov64Reg(R4, R2),
                alu64(OpCode.OP_ADD, R4, 14),
                jumpReg(OpCode.OP_JGT, R4, R3, 6),
                loadMem(OpCode.SIZE_B, R5, R2, 0),
                storeImm(OpCode.SIZE_B, R2, 1, 0xCD),
                mov64(R0, 2),
                jumpImm(OpCode.OP_JEQ, R5, 0xAB, 1),
                mov64(R0, 1),
                exit(),
                mov64(R0, 1),
                exit()));
    }

    static ProgramSpec bad() {
        return ProgramSpec.of("bad_prog", ProgramType.SOCKET_FILTER, List.of(exit()));
    }

    @Test
    void socketFilterTestRunReturnsTheSkbLength() {
        try (Program p = Program.load(socketFilter())) {
            TestRunResult r = p.testRun(TestRunOptions.of(new byte[64]));
            assertThat(r.returnValue()).isEqualTo(64 - 14);
            assertThat(p.type()).isEqualTo(ProgramType.SOCKET_FILTER);
            assertThat(p.verifierLog()).isEmpty();
        }
    }

    @Test
    void xdpTestRunSeesAndChangesThePacket() {
        try (Program p = Program.load(xdp())) {
            byte[] packet = new byte[60];
            packet[0] = (byte) 0xAB;
            TestRunResult pass = p.testRun(TestRunOptions.of(packet).withRepeat(10));
            assertThat(pass.returnValue()).isEqualTo(2);
            assertThat(pass.data()).hasSize(60);
            assertThat(pass.data()[1]).isEqualTo((byte) 0xCD);
            assertThat(pass.durationNs()).isGreaterThanOrEqualTo(0);
            packet[0] = 0;
            assertThat(p.testRun(TestRunOptions.of(packet)).returnValue()).isEqualTo(1);
            assertThat(p.testRun(TestRunOptions.of(new byte[14])).returnValue()).isEqualTo(1);
        }
    }

    @Test
    void verifierRejectionCarriesTheLog() {
        assertThatThrownBy(() -> Program.load(bad()))
                .isInstanceOf(VerifierException.class)
                .hasMessageStartingWith("load program 'bad_prog': permission denied (EACCES)")
                .hasMessageContaining("R0 !read_ok")
                .satisfies(e -> {
                    VerifierException v = (VerifierException) e;
                    assertThat(v.errno()).isEqualTo(Errno.EACCES.value());
                    assertThat(v.log()).contains("R0 !read_ok").contains("0: (95) exit");
                    assertThat(v.truncated()).isFalse();
                });
    }

    @Test
    void logBufferGrowsFromTinyAndTruncationIsReported() {
        ProgramOptions tiny = ProgramOptions.DEFAULT.withLogSize(8, 1 << 20);
        assertThatThrownBy(() -> Program.load(bad(), tiny)).isInstanceOf(VerifierException.class)
                .satisfies(e -> assertThat(((VerifierException) e).log()).contains("R0 !read_ok"))
                .satisfies(e -> assertThat(((VerifierException) e).truncated()).isFalse());
        ProgramOptions capped = ProgramOptions.DEFAULT.withLogSize(8, 8);
        assertThatThrownBy(() -> Program.load(bad(), capped)).isInstanceOf(VerifierException.class)
                .hasMessageContaining("truncated")
                .satisfies(e -> assertThat(((VerifierException) e).errno()).isEqualTo(Errno.EACCES.value()));
    }

    @Test
    void logLevelKeepsTheLogOfASuccessfulLoad() {
        try (Program p = Program.load(socketFilter(), ProgramOptions.DEFAULT.withLogLevel(2))) {
            assertThat(p.verifierLog()).hasValueSatisfying(log -> assertThat(log).contains("processed"));
        }
    }

    @Test
    void unresolvedReferencesAreNamed() {
        ProgramSpec call = ProgramSpec.of("caller", ProgramType.SOCKET_FILTER,
                List.of(callFunction("helper_fn"), exit()));
        assertThatThrownBy(() -> Program.load(call)).isInstanceOf(LoaderException.class)
                .hasMessageContaining("'helper_fn'").hasMessageContaining("never resolved");
        ProgramSpec map = ProgramSpec.of("mapuser", ProgramType.SOCKET_FILTER,
                List.of(loadImm64(R1, 0).withReference("my_map"), mov64(R0, 0), exit()));
        assertThatThrownBy(() -> Program.load(map)).isInstanceOf(LoaderException.class)
                .hasMessageContaining("'my_map'");
    }

    @Test
    void infoTagStatsAndMapIds() {
        try (BpfMap m = BpfMap.create(MapSpec.of("used", MapType.ARRAY, 4, 8, 1))) {
            List<Instruction> insns = List.of(loadMapFd(R1, m.fd().get()).withReference("used"), mov64(R0, 0), exit());
            try (Program p = Program.load(ProgramSpec.of("with_map_and_a_long_name", ProgramType.SOCKET_FILTER, insns))) {
                ProgramInfo info = p.info();
                assertThat(info.type()).isEqualTo(ProgramType.SOCKET_FILTER);
                assertThat(info.name()).isEqualTo("with_map_and_a_");
                assertThat(info.id()).isPositive();
                assertThat(info.tag()).matches("[0-9a-f]{16}").isEqualTo(p.tag());
                assertThat(info.mapIds()).containsExactly(m.info().id());
                assertThat(info.verifiedInstructions()).isPositive();
                assertThat(info.gplCompatible()).isTrue();
                assertThat(info.loadTimeNs()).isPositive();

                long before = p.info().runCount();
                try (Stats stats = Stats.enable()) {
                    p.testRun(TestRunOptions.of(new byte[64]).withRepeat(100));
                }
                ProgramInfo after = p.info();
                assertThat(after.runCount()).isGreaterThanOrEqualTo(before + 100);
                assertThat(after.runTimeNs()).isPositive();
            }
        }
    }

    @Test
    void programArrayHoldsPrograms() {
        try (Program p = Program.load(socketFilter());
             BpfMap jumps = BpfMap.create(MapSpec.of("jumps", MapType.PROG_ARRAY, 4, 4, 2))) {
            jumps.put(1, p.fd());
            List<byte[]> keys = new java.util.ArrayList<>();
            jumps.keys().forEach(keys::add);
            assertThat(keys).hasSize(2);
            assertThat(jumps.delete(1)).isTrue();
        }
    }

    @Test
    void pinLoadPinnedFromIdClone() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/mounts")).contains(" /sys/fs/bpf bpf "),
                "bpffs is not mounted at /sys/fs/bpf (scripts/kernel-fs.sh mounts it)");
        Path pin = Path.of("/sys/fs/bpf/ebpfagent-prog-" + ProcessHandle.current().pid());
        try (Program p = Program.load(socketFilter())) {
            p.pin(pin);
            try (Program again = Program.loadPinned(pin)) {
                assertThat(again.type()).isEqualTo(ProgramType.SOCKET_FILTER);
                assertThat(again.name()).isEqualTo("sk_len");
                assertThat(again.testRun(TestRunOptions.of(new byte[20])).returnValue()).isEqualTo(20 - 14);
                again.unpin();
            }
            assertThat(pin).doesNotExist();
            try (Program byId = Program.fromId(p.info().id()); Program copy = p.clone()) {
                assertThat(byId.tag()).isEqualTo(p.tag());
                assertThat(copy.fd().get()).isNotEqualTo(p.fd().get());
            }
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void tracingProgramsRefusedUnderLockdownSayWhy() {
        String reason = Features.missing(Features::haveFentry).orElse("");
        assumeTrue(reason.contains("EPERM"), "fentry loads on this kernel: nothing to check");
        ProgramSpec spec = ProgramSpec.of("fentry_prog", ProgramType.TRACING, List.of(mov64(R0, 0), exit()))
                .withAttachType(AttachType.TRACE_FENTRY);
        assertThatThrownBy(() -> Program.load(spec)).isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("empty verifier log").hasMessageContaining("lockdown integrity");
    }

    @Test
    void verifierMessageFormatting() {
        String log = "func#0 @0\n0: R1=ctx() R10=fp0\n0: (95) exit\nR0 !read_ok\n"
                + "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
        assertThat(VerifierException.format("p", 13, log, false))
                .isEqualTo("load program 'p': permission denied (EACCES): R0 !read_ok (4 line(s) omitted)");
        String withContext = "0: (b7) r0 = 0\nsome error happened:\n\tdetail line\n";
        assertThat(VerifierException.format("p", 22, withContext, true))
                .isEqualTo("load program 'p': invalid argument (EINVAL): some error happened:: detail line"
                        + " (truncated, 1 line(s) omitted)");
        assertThat(VerifierException.format("p", 22, "", false)).isEqualTo("load program 'p': invalid argument (EINVAL)");
    }
}
