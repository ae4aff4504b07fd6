package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.btf.Type.*;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Split BTF (as kernel modules have it) continues its base's type ids and string offsets. */
class SplitBtfTest {

    /** A split blob with "typedef <base type 2, int> myint" and "myint *". */
    static byte[] splitBlob(Btf base, int strOffsetOfName) {
        byte[] strings = "myint\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(24 + 24 + strings.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(24).putInt(24).putInt(strings.length);
        b.putInt(strOffsetOfName).putInt(Type.KIND_TYPEDEF << 24).putInt(2);
        b.putInt(0).putInt(Type.KIND_PTR << 24).putInt(base.typeCount());
        b.put(strings);
        return b.array();
    }

    @Test
    void splitTypesFollowTheBase() {
        Btf base = Btf.parse(BtfParseTest.MINIMAL_BTF);
        int nameOff = base.stringsEnd();
        Btf split = Btf.parseSplit(splitBlob(base, nameOff), base);
        assertSame(base, split.base());
        assertEquals(base.typeCount(), split.firstTypeId());
        assertEquals(base.typeCount() + 2, split.typeCount());
        Typedef td = (Typedef) split.type(base.typeCount());
        assertEquals("myint", td.name());
        assertEquals(new Pointer(base.typeCount()), split.type(base.typeCount() + 1));
        assertSame(base.type(5), split.type(5));
        assertEquals(4, split.sizeOf(base.typeCount()));
        assertEquals(8, split.sizeOf(base.typeCount() + 1));
        assertArrayEquals(new int[] {base.typeCount()}, split.idsByName("myint"));
        assertTrue(split.findId("counts", Var.class).isPresent()); // base types are found too
        assertEquals("myint", split.string(nameOff));
        assertEquals(base.string(1), split.string(1));
        assertThrows(BtfException.class, split::marshal);
    }

    @Test
    void splitReferencesAreChecked() {
        Btf base = Btf.parse(BtfParseTest.MINIMAL_BTF);
        String msg = assertThrows(BtfException.class, () -> Btf.parseSplit(splitBlob(base, base.stringsEnd() + 100), base)).getMessage();
        assertTrue(msg.contains("string offset"), msg);
    }

    @Test
    void builderTypesCanBeRelocatedAgainstASplitTarget() {
        Btf base = Btf.parse(BtfParseTest.MINIMAL_BTF);
        Btf split = Btf.parseSplit(splitBlob(base, base.stringsEnd()), base);
        BtfBuilder b = new BtfBuilder();
        int i = b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        int td = b.add(new Typedef("myint___local", i));
        Btf local = b.build();
        var r = new CoreRelocator(local, split).relocate(
                List.of(io.ebpfagent.loader.asm.Asm.mov64(1, td), io.ebpfagent.loader.asm.Asm.exit()),
                List.of(new CoreRelocation(0, td, "0", CoreRelocationKind.TYPE_ID_TARGET)));
        assertEquals(base.typeCount(), r.instructions().getFirst().constant());
    }
}
