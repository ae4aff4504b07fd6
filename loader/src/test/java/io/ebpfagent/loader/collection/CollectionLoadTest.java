package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.sys.FileDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Loads minimal.bpf.o into the running kernel, attaches it and checks what it does. */
class CollectionLoadTest {
    private static final int PID = (int) ProcessHandle.current().pid();

    private static CollectionSpec minimal() {
        CollectionSpec spec = TestObjects.load("minimal.bpf.o");
        spec.variable("target_tgid").set(PID);
        return spec;
    }

    @Test
    void loadsAttachesAndCountsOurGetpidCalls() throws Exception {
        assumeTrue(TestAttach.tracefsAvailable(), "tracefs is not mounted at /sys/kernel/tracing");
        try (Collection c = Collection.load(minimal());
             TestRingReader ring = new TestRingReader(c.map("events"));
             FileDescriptor link = TestAttach.tracepoint("syscalls", "sys_enter_getpid",
                     c.program("on_getpid").fd().get())) {
            Variable hits = c.variable("hits");
            Variable magic = c.variable("magic");
            assertThat(hits.isMapped()).isTrue();
            assertThat(hits.getLong()).isZero();
            assertThat(magic.getLong()).isEqualTo(0xfeedfaceL);
            assertThat(c.variable("target_tgid").getLong()).isEqualTo(PID);

            int n = 25;
            int tid = TestAttach.gettid();
            TestAttach.getpid(n);

            assertThat(c.map("counts").lookupLong(tid)).isEqualTo(n);
            assertThat(hits.getLong()).isEqualTo(n);
            List<byte[]> events = ring.drain();
            assertThat(events).hasSize(n);
            for (int i = 0; i < n; i++) {
                ByteBuffer e = ByteBuffer.wrap(events.get(i)).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(e.getInt(0)).isEqualTo(PID);
                assertThat(e.getInt(4)).isEqualTo(tid);
                assertThat(e.getLong(8)).isEqualTo(i);
                assertThat(e.getLong(16)).isEqualTo(0xfeedfaceL);
            }

            // A plain memory write in Java is what the next BPF run reads.
            magic.set(0x1234_5678_9abcL);
            TestAttach.getpid(1);
            List<byte[]> after = ring.drain();
            assertThat(after).hasSize(1);
            assertThat(ByteBuffer.wrap(after.getFirst()).order(ByteOrder.LITTLE_ENDIAN).getLong(16)).isEqualTo(0x1234_5678_9abcL);
            assertThat(hits.getLong()).isEqualTo(n + 1);

            // ...and a write from Java to .bss is seen by BPF's atomic add.
            hits.set(1000);
            TestAttach.getpid(1);
            assertThat(hits.getLong()).isEqualTo(1001);
        }
    }

    @Test
    void rodataIsFrozenAndMappedReadOnly() {
        try (Collection c = Collection.load(minimal())) {
            Variable tgid = c.variable("target_tgid");
            assertThat(tgid.isReadOnly()).isTrue();
            assertThat(tgid.getInt()).isEqualTo(PID);
            assertThat(tgid.memory().isReadOnly()).isTrue();
            assertThatThrownBy(() -> tgid.set(1)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("VariableSpec.set");
            assertThat(c.map(".rodata").info().frozen()).isTrue();
            assertThat(c.map(".rodata").flags() & MapFlags.MMAPABLE).isNotZero();
            assertThat(c.map(".bss").info().btfValueTypeId()).isPositive();
            assertThat(c.map("counts").info().btfId()).isPositive();
        }
    }

    @Test
    void leavesTheSpecUnchanged() {
        CollectionSpec spec = minimal();
        try (Collection c = Collection.load(spec)) {
            c.variable("magic").set(7);
        }
        assertThat(spec.variable("magic").getLong()).isEqualTo(0xfeedfaceL);
        assertThat(spec.variable("target_tgid").getLong()).isEqualTo(PID);
    }

    @Test
    void variableChecksSizes() {
        try (Collection c = Collection.load(minimal())) {
            Variable hits = c.variable("hits");
            assertThatThrownBy(hits::getInt).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 bytes");
            assertThatThrownBy(() -> hits.set(new byte[4])).isInstanceOf(IllegalArgumentException.class);
            hits.set(new byte[] {1, 0, 0, 0, 0, 0, 0, 1});
            assertThat(hits.getLong()).isEqualTo(0x0100_0000_0000_0001L);
            assertThat(hits.getBytes()).containsExactly(1, 0, 0, 0, 0, 0, 0, 1);
        }
    }

    @Test
    void closeReleasesMapsProgramsAndMemory() {
        Collection c = Collection.load(minimal());
        BpfMap counts = c.map("counts");
        FileDescriptor prog = c.program("on_getpid").fd();
        Variable magic = c.variable("magic");
        c.close();
        assertThat(counts.fd().isClosed()).isTrue();
        assertThat(prog.isClosed()).isTrue();
        assertThatThrownBy(magic::getLong).isInstanceOf(IllegalStateException.class);
        c.close(); // idempotent
    }
    /**
     * A loaded collection keeps its programs, maps and variables, not the spec it was loaded from:
     * the spec's instructions and BTF are ~2.5 MB of heap for the agent's probes, for as long as they
     * run. A variable held on to its spec, and through it the whole collection spec.
     */
    @Test
    void aLoadedCollectionDoesNotKeepItsSpecReachable() throws Exception {
        CollectionSpec spec = minimal();
        // the loader works on a copy, which shares the instruction lists (immutable) with the spec
        java.lang.ref.WeakReference<Object> ref = new java.lang.ref.WeakReference<>(
                spec.programs().get("on_getpid").instructions());
        try (Collection c = Collection.load(spec)) {
            spec = null;
            Variable magic = c.variable("magic");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ref.get() != null && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(10);
            }
            assertThat(ref.get()).as("the spec's instructions, after the collection was loaded from it").isNull();
            assertThat(magic.name()).isEqualTo("magic");
            assertThat(magic.getLong()).isEqualTo(0xfeedfaceL);
            assertThat(c.variable("target_tgid").isReadOnly()).isTrue();
        }
    }
}
