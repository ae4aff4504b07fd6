package io.ebpfagent.loader.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.btf.Type.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lazily decoded BTF (used for the kernel's) answers exactly as the eager parse does. */
class LazyBtfTest {
    static final byte[] MINIMAL_BTF = BtfParseTest.MINIMAL_BTF;

    /** The outcome of a parse: the types, or the error message. */
    private static Object outcome(byte[] blob, boolean lazy) {
        try {
            Btf b = lazy ? Btf.parseLazily(blob) : Btf.parse(blob);
            return List.copyOf(b.types());
        } catch (BtfException e) {
            return e.getMessage();
        }
    }

    @Test
    void objectBtfDecodesToTheSameTypes() {
        Btf eager = Btf.parse(MINIMAL_BTF);
        Btf lazy = Btf.parseLazily(MINIMAL_BTF);
        assertEquals(eager.types(), List.copyOf(lazy.types()));
        assertEquals(eager.typeCount(), lazy.typeCount());
        for (int id = 1; id < eager.typeCount(); id++) {
            String n = eager.type(id).name();
            assertArrayEquals(eager.idsByName(n), lazy.idsByName(n), n);
            assertArrayEquals(eager.idsByEssentialName(Btf.essentialName(n)),
                    lazy.idsByEssentialName(Btf.essentialName(n)), n);
        }
        Btf be = Btf.parseLazily(TestBtfBytes.swapEndianness(MINIMAL_BTF));
        assertEquals(ByteOrder.BIG_ENDIAN, be.byteOrder());
        assertEquals(eager.types(), List.copyOf(be.types()));
    }

    @Test
    void corruptionFailsWithTheSameErrors() {
        ByteBuffer h = ByteBuffer.wrap(MINIMAL_BTF).order(ByteOrder.LITTLE_ENDIAN);
        int typeStart = 24 + h.getInt(8);
        int typeEnd = typeStart + h.getInt(12);
        int[] values = {0, 1, -1, 5000, 31 << 24, 1 << 31, Type.KIND_STRUCT << 24 | 0xffff, Type.KIND_FUNC << 24 | 7,
                Type.KIND_VAR << 24, 0x00010000, h.getInt(20), h.getInt(20) - 1};
        int failures = 0;
        for (int at = typeStart; at < typeEnd; at += 4) {
            for (int v : values) {
                byte[] bad = MINIMAL_BTF.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
                Object eager = outcome(bad, false);
                assertEquals(eager, outcome(bad, true), "word at offset " + at + " set to " + v);
                if (eager instanceof String) failures++;
            }
        }
        for (int cut = 1; cut < typeEnd - typeStart; cut++) {
            byte[] shortened = MINIMAL_BTF.clone();
            ByteBuffer b = ByteBuffer.wrap(shortened).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(12, typeEnd - typeStart - cut);
            assertEquals(outcome(shortened, false), outcome(shortened, true), "type section shortened by " + cut);
        }
        assertTrue(failures > 50, "the mutations should mostly produce errors, got " + failures);
    }

    @Test
    void flavoredNamesAreFoundByEssentialName() {
        BtfBuilder b = new BtfBuilder();
        int i32 = b.add(new Int("int", 4, Int.SIGNED, 0, 32));
        b.add(new Struct("task_struct___v2", 4, List.of(new Member("pid", i32, 0)), false));
        b.add(new Struct("task_struct", 4, List.of(new Member("pid", i32, 0)), false));
        b.add(new Struct("a____b", 4, List.of(), false));
        b.add(new Struct("x___", 4, List.of(), false));
        b.add(new Typedef("task_struct___2___3", i32));
        b.add(new Typedef("task_struct", i32));
        b.add(new Typedef("caf\u00e9___x", i32));
        byte[] raw = BtfWriter.write(b.build().types().subList(1, b.nextId()), new StringTable(), ByteOrder.nativeOrder());
        Btf eager = Btf.parse(raw);
        Btf lazy = Btf.parseLazily(raw);
        for (String n : List.of("task_struct", "task_struct___v2", "task_struct___2", "task_struct___2___3", "a____b",
                "a", "x___", "x", "caf\u00e9", "caf\u00e9___x", "int", "nope", "")) {
            assertArrayEquals(eager.idsByName(n), lazy.idsByName(n), "by name " + n);
            assertArrayEquals(eager.idsByEssentialName(n), lazy.idsByEssentialName(n), "by essential name " + n);
        }
        assertArrayEquals(new int[] {2, 3, 7}, lazy.idsByEssentialName("task_struct"));
        assertArrayEquals(new int[] {8}, lazy.idsByEssentialName("caf\u00e9"));
    }

    @Test
    void kernelBtfDecodesToTheSameTypesAsTheEagerParse() throws Exception {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "kernel has no BTF (CONFIG_DEBUG_INFO_BTF)");
        byte[] raw = Files.readAllBytes(vmlinux);
        Btf eager = Btf.parse(raw);
        Btf lazy = Btf.kernel();
        assertEquals(eager.typeCount(), lazy.typeCount());
        for (int id = 0; id < eager.typeCount(); id++) {
            assertEquals(eager.type(id), lazy.type(id), "type " + id);
        }
        for (int id = 1; id < eager.typeCount(); id += 7) {
            String n = eager.type(id).name();
            if (n.isEmpty()) continue;
            assertArrayEquals(eager.idsByName(n), lazy.idsByName(n), n);
            String e = Btf.essentialName(n);
            assertArrayEquals(eager.idsByEssentialName(e), lazy.idsByEssentialName(e), e);
        }
        assertEquals(eager.findId("task_struct", Struct.class), lazy.findId("task_struct", Struct.class));
    }
}
