package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BtfParseTest {
    static final byte[] MINIMAL_BTF = TestElf.resource("/bpf/minimal.bpf.o").section(".BTF");

    @Test
    void parsesMapsDatasecOfMinimalObject() {
        Btf btf = Btf.parse(MINIMAL_BTF);
        assertEquals(39, btf.typeCount());
        Datasec maps = btf.datasec(".maps").orElseThrow();
        assertEquals(2, maps.vars().size());
        Var events = (Var) btf.type(maps.vars().get(0).type());
        Var counts = (Var) btf.type(maps.vars().get(1).type());
        assertEquals("events", events.name());
        assertEquals("counts", counts.name());
        assertEquals(Linkage.GLOBAL, counts.linkage());
        assertEquals(32, maps.vars().get(1).size());

        Struct def = (Struct) btf.resolvedType(counts.type());
        assertEquals(32, def.size());
        assertEquals(List.of("type", "max_entries", "key", "value"), def.members().stream().map(Member::name).toList());
        assertEquals(List.of(0, 64, 128, 192), def.members().stream().map(Member::bitOffset).toList());
        // __uint(max_entries, 1024) is encoded as a pointer to an array of 1024 ints
        Pointer maxEntries = (Pointer) btf.type(def.members().get(1).type());
        assertEquals(1024, ((Array) btf.type(maxEntries.target())).nelems());
        Array typeArr = (Array) btf.type(((Pointer) btf.type(def.members().get(0).type())).target());
        assertEquals(1, typeArr.nelems()); // BPF_MAP_TYPE_HASH
        int key = ((Pointer) btf.type(def.members().get(2).type())).target();
        assertEquals("__u32", btf.type(key).name());
        assertEquals(4, btf.sizeOf(key));
        Int u32 = (Int) btf.resolvedType(key);
        assertEquals("unsigned int", u32.name());
        assertFalse(u32.signed());
        assertEquals(32, u32.bits());
        int value = ((Pointer) btf.type(def.members().get(3).type())).target();
        assertEquals(8, btf.sizeOf(value));
    }

    @Test
    void parsesGlobalDataAndFunctions() {
        Btf btf = Btf.parse(MINIMAL_BTF);
        for (String s : List.of(".rodata", ".data", ".bss", "license")) assertTrue(btf.datasec(s).isPresent(), s);
        Datasec rodata = btf.datasec(".rodata").orElseThrow();
        assertEquals(0, rodata.size()); // the compiler leaves section sizes to the loader
        Var tgid = (Var) btf.type(rodata.vars().getFirst().type());
        assertEquals("target_tgid", tgid.name());
        assertInstanceOf(Const.class, btf.type(tgid.type()));
        assertInstanceOf(Int.class, btf.resolvedType(tgid.type()));
        assertEquals(4, btf.sizeOf(tgid.type()));
        assertEquals(13, btf.sizeOf(btf.find("LICENSE", Var.class).type()));

        Func onGetpid = btf.find("on_getpid", Func.class);
        assertEquals(Linkage.GLOBAL, onGetpid.linkage());
        FuncProto proto = (FuncProto) btf.type(onGetpid.proto());
        assertEquals("int", btf.type(proto.ret()).name());
        assertEquals("ctx", proto.params().getFirst().name());
        assertEquals(Linkage.STATIC, btf.find("bump", Func.class).linkage());
        assertEquals(8, btf.sizeOf(proto.params().getFirst().type()));
        assertArrayEquals(new int[] {btf.findId("hits", Var.class).getAsInt()}, btf.idsByName("hits"));
        assertEquals(0, btf.idsByName("nope").length);
        assertThrows(BtfException.class, () -> btf.find("nope", Struct.class));
        assertThrows(BtfException.class, () -> btf.sizeOf(onGetpid.proto()));
        assertThrows(BtfException.class, () -> btf.type(39));
    }

    @Test
    void parsesBigEndianBlob() {
        Btf le = Btf.parse(MINIMAL_BTF);
        Btf be = Btf.parse(TestBtfBytes.swapEndianness(MINIMAL_BTF));
        assertEquals(ByteOrder.BIG_ENDIAN, be.byteOrder());
        assertEquals(le.types(), be.types());
    }

    @Test
    void rejectsCorruptInput() {
        byte[] badMagic = MINIMAL_BTF.clone();
        badMagic[0] = 0;
        assertTrue(assertThrows(BtfException.class, () -> Btf.parse(badMagic)).getMessage().contains("magic"));
        assertThrows(BtfException.class, () -> Btf.parse(new byte[10]));

        byte[] truncated = Arrays.copyOf(MINIMAL_BTF, MINIMAL_BTF.length - 100);
        assertTrue(assertThrows(BtfException.class, () -> Btf.parse(truncated)).getMessage().contains("exceeds"));

        // shrink the type section so the last type is cut in the middle
        byte[] cut = MINIMAL_BTF.clone();
        ByteBuffer b = ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(12, b.getInt(12) - 4);
        String msg = assertThrows(BtfException.class, () -> Btf.parse(cut)).getMessage();
        assertTrue(msg.contains("truncated at offset"), msg);

        // first type: an unknown kind
        byte[] kind = MINIMAL_BTF.clone();
        ByteBuffer k = ByteBuffer.wrap(kind).order(ByteOrder.LITTLE_ENDIAN);
        int typeStart = 24 + k.getInt(8);
        k.putInt(typeStart + 4, 31 << 24);
        msg = assertThrows(BtfException.class, () -> Btf.parse(kind)).getMessage();
        assertTrue(msg.contains("unknown BTF kind 31 at offset " + typeStart), msg);

        // a reference to a type id that does not exist
        byte[] ref = MINIMAL_BTF.clone();
        ByteBuffer r = ByteBuffer.wrap(ref).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(typeStart + 8, 5000); // type 1 is a pointer: its target
        msg = assertThrows(BtfException.class, () -> Btf.parse(ref)).getMessage();
        assertTrue(msg.contains("refers to type 5000"), msg);
    }
}
