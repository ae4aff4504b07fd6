package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.asm.Asm;
import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.btf.CoreRelocationKind;
import io.ebpfagent.loader.btf.Type.*;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.ebpfagent.loader.btf.CoreRelocationKind.*;
import static org.junit.jupiter.api.Assertions.*;

/** CO-RE on hand-built local and target BTF whose layouts differ, one case per relocation kind and rule. */
class CoreRelocatorTest {
    // local type ids
    static final int L_FOO, L_FOO_V1, L_E, L_BIG, L_MISSING, L_ANON, L_PT, L_PT2, L_BAR;
    static final Btf LOCAL, TARGET;
    static final int T_FOO, T_E;

    static {
        BtfBuilder l = new BtfBuilder();
        int i32 = l.add(new Int("int", 4, Int.SIGNED, 0, 32));
        int u32 = l.add(new Int("unsigned int", 4, 0, 0, 32));
        int i64 = l.add(new Int("long", 8, Int.SIGNED, 0, 64));
        L_ANON = l.add(new Struct("", 4, List.of(new Member("c", i32, 0)), false));
        int arr4 = l.add(new Array(i32, u32, 4));
        L_E = l.add(new Type.Enum("e", 4, false, List.of(new EnumValue("X", 1), new EnumValue("Y", 2), new EnumValue("Z", 3))));
        L_FOO = l.add(new Struct("foo", 56, List.of(
                new Member("a", i32, 0), new Member("b", i64, 64), new Member("", L_ANON, 128),
                new Member("bf1", u32, 160, 3), new Member("bf2", u32, 163, 5), new Member("bfw", u32, 168, 4),
                new Member("arr", arr4, 192), new Member("ev", L_E, 320), new Member("u", u32, 352),
                new Member("sz", i32, 384)), true));
        L_FOO_V1 = l.add(new Struct("foo___v1", 16, List.of(new Member("a", i32, 0), new Member("nope", i64, 64)), false));
        L_BIG = l.add(new Enum64("big", 8, false, List.of(new EnumValue("BIG", 1))));
        L_MISSING = l.add(new Struct("missing", 4, List.of(new Member("x", i32, 0)), false));
        int pi = l.add(new Pointer(i32));
        L_PT = l.add(new Struct("pt", 8, List.of(new Member("p", pi, 0)), false));
        L_PT2 = l.add(new Struct("pt2", 4, List.of(new Member("x", i32, 0)), false));
        L_BAR = l.add(new Struct("bar", 4, List.of(new Member("x", i32, 0)), false));
        LOCAL = l.build();

        BtfBuilder t = new BtfBuilder();
        int ti32 = t.add(new Int("int", 4, Int.SIGNED, 0, 32));
        int tu32 = t.add(new Int("unsigned int", 4, 0, 0, 32));
        int ti64 = t.add(new Int("long", 8, Int.SIGNED, 0, 64));
        int tu64 = t.add(new Int("unsigned long", 8, 0, 0, 64));
        int inner = t.add(new Struct("", 8, List.of(new Member("pad", ti32, 0), new Member("c", ti32, 32)), false));
        int anonUnion = t.add(new Union("", 8, List.of(new Member("", inner, 0), new Member("l", ti64, 0)), false));
        int arr8 = t.add(new Array(ti32, tu32, 8));
        T_E = t.add(new Type.Enum("e", 4, false, List.of(new EnumValue("Y", 5), new EnumValue("X", 7))));
        int typedefE = t.add(new Typedef("e_t", T_E));
        List<Member> foo = List.of(
                new Member("pad0", ti64, 0), new Member("b", ti64, 64), new Member("a", ti32, 128),
                new Member("", anonUnion, 192), new Member("bf1", tu32, 300, 3), new Member("bf2", tu32, 303, 5),
                new Member("bfw", tu32, 350, 4), new Member("arr", arr8, 384), new Member("ev", typedefE, 640),
                new Member("u", tu64, 704), new Member("sz", ti64, 768));
        T_FOO = t.add(new Struct("foo", 104, foo, true));
        t.add(new Struct("foo___2", 104, foo, true)); // a second, identical candidate: must agree
        t.add(new Enum64("big", 8, false, List.of(new EnumValue("BIG", 1L << 40))));
        int tpi = t.add(new Pointer(ti32));
        t.add(new Struct("pt", 16, List.of(new Member("q", ti64, 0), new Member("p", tpi, 64)), false));
        t.add(new Struct("pt2", 8, List.of(new Member("x", ti64, 0)), false));
        t.add(new Struct("bar", 4, List.of(new Member("x", ti32, 0)), false));
        t.add(new Struct("bar___y", 8, List.of(new Member("pad", ti32, 0), new Member("x", ti32, 32)), false));
        TARGET = t.build();
    }

    /** One instruction per relocation, each holding the local value; returns the relocated program. */
    static final class Prog {
        final List<Instruction> insns = new ArrayList<>();
        final List<CoreRelocation> relos = new ArrayList<>();
        int slot;

        Prog add(Instruction i, int type, String access, CoreRelocationKind kind) {
            relos.add(new CoreRelocation(slot, type, access, kind));
            insns.add(i);
            slot += i.slots();
            return this;
        }

        Prog mov(long localValue, int type, String access, CoreRelocationKind kind) {
            return add(Asm.mov64(Asm.R1, (int) localValue), type, access, kind);
        }

        CoreRelocator.Result run() {
            insns.add(Asm.exit());
            return new CoreRelocator(LOCAL, TARGET).relocate(insns, relos);
        }
    }

    static long value(CoreRelocator.Result r, int i) {
        return r.instructions().get(i).constant();
    }

    @Test
    void fieldOffsetsFollowTheTargetLayout() {
        var r = new Prog()
                .mov(0, L_FOO, "0:0", FIELD_BYTE_OFFSET)      // a moved behind two longs
                .mov(8, L_FOO, "0:1", FIELD_BYTE_OFFSET)      // b unchanged
                .mov(16, L_FOO, "0:2:0", FIELD_BYTE_OFFSET)   // c: anonymous struct locally, anon union > anon struct in target
                .mov(32, L_FOO, "0:6:2", FIELD_BYTE_OFFSET)   // arr[2]
                .mov(16, L_FOO, "0:6", FIELD_BYTE_SIZE)       // int[4] -> int[8]
                .mov(56 * 2 + 8, L_FOO, "2:1", FIELD_BYTE_OFFSET) // foo[2].b: the first index scales by the root size
                .mov(0, L_FOO_V1, "0:0", FIELD_BYTE_OFFSET)   // flavor foo___v1 -> foo
                .run();
        assertEquals(List.of(16L, 8L, 28L, 56L, 32L, 104L * 2 + 8, 16L),
                r.instructions().subList(0, 7).stream().map(Instruction::constant).toList());
        assertTrue(r.poisoned().isEmpty());
        assertTrue(r.outcomes().get(2).detail().contains("[" + T_FOO + "] struct foo.c"), r.outcomes().get(2).detail());
    }

    @Test
    void existenceAndSignedness() {
        var r = new Prog()
                .mov(1, L_FOO, "0:0", FIELD_EXISTS)
                .mov(1, L_FOO_V1, "0:1", FIELD_EXISTS)        // nope: not in target foo
                .mov(1, L_FOO, "0:0", FIELD_SIGNED)
                .mov(0, L_FOO, "0:3", FIELD_SIGNED)
                .run();
        assertEquals(List.of(1L, 0L, 1L, 0L), r.instructions().subList(0, 4).stream().map(Instruction::constant).toList());
    }

    @Test
    void bitfieldsAreReadWithTheLoadLibbpfWouldUse() {
        var r = new Prog()
                .mov(20, L_FOO, "0:3", FIELD_BYTE_OFFSET)
                .mov(4, L_FOO, "0:3", FIELD_BYTE_SIZE)
                .mov(61, L_FOO, "0:3", FIELD_LSHIFT_U64)
                .mov(61, L_FOO, "0:3", FIELD_RSHIFT_U64)
                .mov(59, L_FOO, "0:4", FIELD_RSHIFT_U64)
                .mov(20, L_FOO, "0:5", FIELD_BYTE_OFFSET)     // bfw straddles a 4-byte boundary in the target
                .mov(4, L_FOO, "0:5", FIELD_BYTE_SIZE)
                .mov(64 - (168 + 4 - 160), L_FOO, "0:5", FIELD_LSHIFT_U64)
                .run();
        // bf1 at bit 300: 4-byte load at byte 36, value bits end at 303 -> shift left 64-15, right 64-3
        assertEquals(List.of(36L, 4L, 49L, 61L, 59L), r.instructions().subList(0, 5).stream().map(Instruction::constant).toList());
        // bfw bits 350..353 do not fit the 4-byte word at 40: widened to the 8-byte word at 40
        assertEquals(List.of(40L, 8L, 64L - (354 - 320)), r.instructions().subList(5, 8).stream().map(Instruction::constant).toList());
    }

    @Test
    void loadsGetTheTargetOffsetAndSize() {
        var r = new Prog()
                .add(Asm.loadMem(OpCode.SIZE_W, Asm.R1, Asm.R2, 0), L_FOO, "0:0", FIELD_BYTE_OFFSET)
                .add(Asm.loadMem(OpCode.SIZE_W, Asm.R1, Asm.R2, 44), L_FOO, "0:8", FIELD_BYTE_OFFSET) // u32 -> u64
                .add(Asm.storeImm(OpCode.SIZE_W, Asm.R2, 44, 7), L_FOO, "0:8", FIELD_BYTE_OFFSET)
                .add(Asm.loadMem(OpCode.SIZE_W, Asm.R1, Asm.R2, 48), L_FOO, "0:9", FIELD_BYTE_OFFSET) // int -> long: signed
                .run();
        Instruction a = r.instructions().get(0);
        assertEquals(16, a.offset());
        assertEquals(OpCode.SIZE_W, a.opcode() & 0x18);
        Instruction u = r.instructions().get(1);
        assertEquals(88, u.offset());
        assertEquals(OpCode.CLASS_LDX | OpCode.MODE_MEM | OpCode.SIZE_DW, u.opcode());
        assertEquals(OpCode.CLASS_ST | OpCode.MODE_MEM | OpCode.SIZE_DW, r.instructions().get(2).opcode());
        assertEquals(88, r.instructions().get(2).offset());
        // a signed int that became a long cannot be read by widening the load: poisoned
        assertEquals(OpCode.CALL, r.instructions().get(3).opcode());
        assertEquals(CoreRelocator.POISON_HELPER, r.instructions().get(3).imm());
        assertTrue(r.poisonedAt(3).orElseThrow().detail().contains("size"));
    }

    @Test
    void enumValues() {
        var r = new Prog()
                .mov(2, L_E, "1", ENUMVAL_VALUE)
                .mov(1, L_E, "0", ENUMVAL_EXISTS)
                .mov(1, L_E, "2", ENUMVAL_EXISTS)             // Z is not in the target
                .add(Asm.loadImm64(Asm.R1, 1), L_BIG, "0", ENUMVAL_VALUE)
                .add(Asm.loadImm64(Asm.R1, 3), L_E, "2", ENUMVAL_VALUE)
                .mov(0, L_FOO, "0:0", FIELD_BYTE_OFFSET)
                .run();
        assertEquals(5, value(r, 0));
        assertEquals(1, value(r, 1));
        assertEquals(0, value(r, 2));
        assertEquals(1L << 40, value(r, 3));
        // the poisoned lddw keeps its two slots, so the instruction after it stays at slot 7
        assertEquals(OpCode.CALL, r.instructions().get(4).opcode());
        assertEquals(OpCode.CALL, r.instructions().get(5).opcode());
        assertEquals(CoreRelocator.POISON_HELPER, r.instructions().get(5).imm());
        assertEquals(16, value(r, 6));
        assertEquals(Instructions.slots(List.of(Asm.mov64(1, 0), Asm.mov64(1, 0), Asm.mov64(1, 0), Asm.loadImm64(1, 0),
                Asm.loadImm64(1, 0), Asm.mov64(1, 0), Asm.exit())), Instructions.slots(r.instructions()));
        assertEquals(CoreRelocator.Status.POISONED, r.poisonedAt(5).orElseThrow().status());
    }

    @Test
    void typeRelocations() {
        var r = new Prog()
                .mov(56, L_FOO, "0", TYPE_SIZE)
                .mov(1, L_FOO_V1, "0", TYPE_EXISTS)
                .mov(1, L_MISSING, "0", TYPE_EXISTS)
                .mov(4, L_MISSING, "0", TYPE_SIZE)
                .add(Asm.loadImm64(Asm.R1, L_E), L_E, "0", TYPE_ID_TARGET)
                .mov(L_FOO, L_FOO, "0", TYPE_ID_LOCAL)
                .mov(1, L_PT, "0", TYPE_MATCHES)              // member p found by name, pointer to int both sides
                .mov(1, L_PT2, "0", TYPE_MATCHES)             // int vs long: no match
                .run();
        assertEquals(104, value(r, 0));
        assertEquals(1, value(r, 1));
        assertEquals(0, value(r, 2));
        assertEquals(0, value(r, 3));
        assertEquals(T_E, value(r, 4));
        assertEquals(L_FOO, value(r, 5));
        assertEquals(1, value(r, 6));
        assertEquals(0, value(r, 7));
    }

    @Test
    void missingFieldIsPoisonedWithReason() {
        var r = new Prog().add(Asm.loadMem(OpCode.SIZE_DW, Asm.R1, Asm.R2, 8), L_FOO_V1, "0:1", FIELD_BYTE_OFFSET).run();
        assertEquals(OpCode.CALL, r.instructions().getFirst().opcode());
        assertEquals(195896080, r.instructions().getFirst().imm());
        var o = r.poisoned().getFirst();
        assertTrue(o.spec().contains("foo___v1.nope"), o.spec());
        assertTrue(o.toString().contains("POISONED"), o.toString());
    }

    @Test
    void ambiguousCandidatesAreAnError() {
        var p = new Prog().mov(0, L_BAR, "0:0", FIELD_BYTE_OFFSET);
        String msg = assertThrows(BtfException.class, p::run).getMessage();
        assertTrue(msg.contains("ambiguity"), msg);
    }

    @Test
    void instructionMustHoldTheLocalValue() {
        var p = new Prog().mov(99, L_FOO, "0:1", FIELD_BYTE_OFFSET);
        String msg = assertThrows(BtfException.class, p::run).getMessage();
        assertTrue(msg.contains("expected the local value 8"), msg);
        var ldx = new Prog().add(Asm.loadMem(OpCode.SIZE_W, Asm.R1, Asm.R2, 3), L_FOO, "0:0", FIELD_BYTE_OFFSET);
        assertThrows(BtfException.class, ldx::run);
    }

    @Test
    void malformedRelocationsAreErrors() {
        assertThrows(BtfException.class, () -> new Prog().mov(0, L_ANON, "0:0", FIELD_BYTE_OFFSET).run()); // anonymous root
        assertThrows(BtfException.class, () -> new Prog().mov(0, L_FOO, "0:42", FIELD_BYTE_OFFSET).run());
        assertThrows(BtfException.class, () -> new Prog().mov(0, L_FOO, "0:x", FIELD_BYTE_OFFSET).run());
        assertThrows(BtfException.class, () -> new Prog().mov(0, L_FOO, "0:1", TYPE_SIZE).run());
        assertThrows(BtfException.class, () -> new Prog().mov(0, L_FOO, "0:6:2", FIELD_LSHIFT_U64).run());
        List<Instruction> one = List.of(Asm.loadImm64(1, 0), Asm.exit());
        // slot 1 is the second half of the lddw
        assertThrows(BtfException.class, () -> new CoreRelocator(LOCAL, TARGET)
                .relocate(one, List.of(new CoreRelocation(1, L_FOO, "0", TYPE_SIZE))));
    }

    @Test
    void flavorSuffixes() {
        assertEquals("task_struct", Btf.essentialName("task_struct___flavor"));
        assertEquals("task_struct___2", Btf.essentialName("task_struct___2___3")); // the last separator counts
        assertEquals("a____b", Btf.essentialName("a____b"));
        assertEquals("x___", Btf.essentialName("x___"));
        assertEquals("___x", Btf.essentialName("___x"));
        assertEquals("foo", Btf.essentialName("foo"));
    }
}
