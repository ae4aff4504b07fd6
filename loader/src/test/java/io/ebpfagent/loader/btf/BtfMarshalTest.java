package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BtfMarshalTest {
    static final byte[] MINIMAL_BTF = BtfParseTest.MINIMAL_BTF;

    @Test
    void unchangedObjectBtfMarshalsToSameBytes() {
        assertArrayEquals(MINIMAL_BTF, Btf.parse(MINIMAL_BTF).marshal());
    }

    @Test
    void bigEndianInputMarshalsToNativeBytes() {
        assertArrayEquals(MINIMAL_BTF, Btf.parse(TestBtfBytes.swapEndianness(MINIMAL_BTF)).marshal());
    }

    @Test
    void unchangedKernelBtfMarshalsToSameBytes() throws Exception {
        Path p = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(p), "kernel has no BTF");
        byte[] raw = Files.readAllBytes(p);
        assertArrayEquals(raw, Btf.parse(raw).marshal());
    }

    @Test
    void datasecFixupsFillSizesAndSortVarsByOffset() {
        Btf btf = Btf.parse(MINIMAL_BTF);
        Map<String, Integer> sizes = Map.of(".maps", 48, ".rodata", 4, ".data", 8, ".bss", 8, "license", 13);
        Map<String, Integer> syms = Map.of("events", 32, "counts", 0, "target_tgid", 0, "hits", 0, "magic", 0, "LICENSE", 0);
        Btf fixed = btf.withDatasecFixups(sizes, syms);
        Datasec maps = fixed.datasec(".maps").orElseThrow();
        assertEquals(48, maps.size());
        assertEquals(List.of("counts", "events"), maps.vars().stream().map(v -> fixed.type(v.type()).name()).toList());
        assertEquals(List.of(0, 32), maps.vars().stream().map(VarSecinfo::offset).toList());
        assertEquals(4, fixed.datasec(".rodata").orElseThrow().size());
        // the fixed-up BTF survives a round trip and keeps its ids
        Btf again = Btf.parse(fixed.marshal());
        assertEquals(fixed.types(), again.types());
        assertEquals(btf.typeCount(), again.typeCount());
        // already fixed sections are left alone
        assertSame(fixed, fixed.withDatasecFixups(Map.of(), Map.of()));

        String msg = assertThrows(BtfException.class, () -> btf.withDatasecFixups(Map.of(), syms)).getMessage();
        assertTrue(msg.contains("no ELF section"), msg);
        msg = assertThrows(BtfException.class, () -> btf.withDatasecFixups(sizes, Map.of())).getMessage();
        assertTrue(msg.contains("no ELF symbol for variable"), msg);
    }

    /** A BTF with one type of every kind that sanitising touches. */
    static Btf everyKind() {
        BtfBuilder b = new BtfBuilder();
        int i32 = b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        int proto = b.add(new FuncProto(i32, List.of(new Param("a", i32), new Param("b", i32))));
        b.add(new Func("f", proto, Linkage.GLOBAL));
        b.add(new Func("g", proto, Linkage.STATIC));
        int dbl = b.add(new Type.Float("double", 8));
        int tag = b.add(new TypeTag("user", i32));
        b.add(new Pointer(tag));
        b.add(new DeclTag("my_tag", i32, -1));
        b.add(new Enum64("big", 8, false, List.of(new EnumValue("HUGE", 1L << 40), new EnumValue("SMALL", 1))));
        b.add(new Type.Enum("neg", 4, true, List.of(new EnumValue("MINUS", -1))));
        int v1 = b.add(new Var("x", i32, Linkage.GLOBAL));
        int v2 = b.add(new Var("y", dbl, Linkage.STATIC));
        b.add(new Datasec(".data", 16, List.of(new VarSecinfo(v1, 0, 4), new VarSecinfo(v2, 8, 8))));
        return b.build();
    }

    @Test
    void builderRoundTrips() {
        Btf btf = everyKind();
        assertEquals(14, btf.typeCount());
        assertEquals(btf.types(), Btf.parse(btf.marshal()).types());
        assertEquals(-1, ((Type.Enum) btf.find("neg", Type.Enum.class)).values().getFirst().value());
        assertEquals(1L << 40, btf.find("big", Enum64.class).values().getFirst().value());
        assertEquals("user", btf.type(6).name());
    }

    @Test
    void sanitizingNothingMissingIsIdentity() {
        Btf btf = everyKind();
        assertSame(btf, btf.sanitized(Set.of()));
    }

    @Test
    void sanitizesEveryFeatureKeepingIds() {
        Btf btf = everyKind();
        Btf s = Btf.parse(btf.sanitized(EnumSet.allOf(BtfFeature.class)).marshal());
        assertEquals(btf.typeCount() + 1, s.typeCount()); // + enum64 placeholder
        for (int id = 1; id < s.typeCount(); id++) {
            Type t = s.type(id);
            assertFalse(t instanceof Func || t instanceof FuncProto || t instanceof Type.Float || t instanceof TypeTag
                    || t instanceof DeclTag || t instanceof Enum64 || t instanceof Var || t instanceof Datasec, t.toString());
        }
        assertEquals(new Type.Enum("", 4, false, List.of(new EnumValue("a", 1), new EnumValue("b", 1))), s.type(2));
        assertEquals(new Typedef("f", 2), s.type(3));
        assertEquals(new Struct("", 8, List.of(), false), s.type(5));
        assertEquals(new Const(1), s.type(6));
        assertEquals(new Pointer(6), s.type(7));
        assertEquals(new Int("", 1, 0, 0, 8), s.type(8));
        assertEquals(new Union("big", 8, List.of(new Member("HUGE", 14, 0), new Member("SMALL", 14, 0)), false), s.type(9));
        assertEquals(new Int("enum64_placeholder", 1, 0, 0, 8), s.type(14));
        assertFalse(((Type.Enum) s.type(10)).signed());
        assertEquals(new Int("x", 1, 0, 0, 8), s.type(11));
        assertEquals(new Struct("_data", 16, List.of(new Member("x", 11, 0), new Member("y", 12, 64)), false), s.type(13));
    }

    @Test
    void sanitizesOnlyGlobalFuncLinkage() {
        Btf s = everyKind().sanitized(EnumSet.of(BtfFeature.GLOBAL_FUNC));
        assertEquals(Linkage.STATIC, ((Func) s.type(3)).linkage());
        assertEquals(Linkage.STATIC, ((Func) s.type(4)).linkage());
        assertInstanceOf(FuncProto.class, s.type(2));
        assertInstanceOf(Datasec.class, s.type(13));
    }
}
