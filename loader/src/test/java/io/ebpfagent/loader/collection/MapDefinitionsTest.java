package io.ebpfagent.loader.collection;

import static io.ebpfagent.loader.collection.MinimalObjectTest.assertLoad;
import static io.ebpfagent.loader.collection.MinimalObjectTest.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.asm.OpCode;
import io.ebpfagent.loader.maps.MapFlags;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.ProgramType;
import org.junit.jupiter.api.Test;

class MapDefinitionsTest {

    @Test
    void mapInMapHasItsInnerDefinitionAndInitialInnerMaps() {
        CollectionSpec spec = TestObjects.load("mapinmap.bpf.o");
        MapSpec outer = spec.map("outer");
        assertThat(outer.type()).isEqualTo(MapType.ARRAY_OF_MAPS);
        assertThat(outer.keySize()).isEqualTo(4);
        assertThat(outer.valueSize()).isEqualTo(4);
        assertThat(outer.maxEntries()).isEqualTo(4);
        MapSpec inner = outer.innerMap();
        assertThat(inner).isNotNull();
        assertThat(inner.name()).isEqualTo("outer.inner");
        assertThat(inner.type()).isEqualTo(MapType.ARRAY);
        assertThat(inner.maxEntries()).isEqualTo(8);
        assertThat(inner.keySize()).isEqualTo(4);
        assertThat(inner.valueSize()).isEqualTo(4);
        assertThat(outer.contents()).hasSize(2);
        assertThat(outer.contents().get(0).key()).containsExactly(0, 0, 0, 0);
        assertThat(outer.contents().get(0).valueReference()).isEqualTo("inner_a");
        assertThat(outer.contents().get(1).key()).containsExactly(2, 0, 0, 0);
        assertThat(outer.contents().get(1).valueReference()).isEqualTo("inner_b");
        assertThat(spec.map("inner_a").type()).isEqualTo(MapType.ARRAY);

        MapSpec hash = spec.map("outer_hash");
        assertThat(hash.type()).isEqualTo(MapType.HASH_OF_MAPS);
        assertThat(hash.contents()).isEmpty();
        assertThat(hash.innerMap().type()).isEqualTo(MapType.HASH);
        assertThat(hash.innerMap().keySize()).isEqualTo(8);
        assertThat(hash.innerMap().valueSize()).isEqualTo(1);
        assertThat(hash.innerMap().maxEntries()).isEqualTo(32);
    }

    @Test
    void progArrayInitialValuesNamePrograms() {
        CollectionSpec spec = TestObjects.load("mapinmap.bpf.o");
        MapSpec jumps = spec.map("jumps");
        assertThat(jumps.type()).isEqualTo(MapType.PROG_ARRAY);
        assertThat(jumps.keySize()).isEqualTo(4);
        assertThat(jumps.valueSize()).isEqualTo(4);
        assertThat(jumps.contents()).extracting(MapSpec.Entry::valueReference).containsExactly("tail_a", "tail_b");
        assertThat(jumps.contents().get(0).key()).containsExactly(1, 0, 0, 0);
        assertThat(jumps.contents().get(1).key()).containsExactly(2, 0, 0, 0);
        assertThat(spec.programs()).containsKeys("tail_a", "tail_b", "entry");
        assertThat(spec.program("tail_a").sectionName()).isEqualTo(spec.program("tail_b").sectionName());
    }

    @Test
    void pinningFlagsAndMapExtra() {
        CollectionSpec spec = TestObjects.load("mapinmap.bpf.o");
        MapSpec pinned = spec.map("pinned");
        assertThat(pinned.pinning()).isEqualTo(MapSpec.Pinning.BY_NAME);
        assertThat(pinned.flags()).isEqualTo(MapFlags.NO_COMMON_LRU);
        assertThat(pinned.type()).isEqualTo(MapType.LRU_HASH);
        MapSpec bloom = spec.map("bloom");
        assertThat(bloom.type()).isEqualTo(MapType.BLOOM_FILTER);
        assertThat(bloom.mapExtra()).isEqualTo(3);
        assertThat(bloom.keySize()).isZero();
        assertThat(bloom.valueSize()).isEqualTo(4);
        assertThat(spec.map("inner_a").pinning()).isEqualTo(MapSpec.Pinning.NONE);
    }

    @Test
    void legacyMapsSectionAndVersion() {
        CollectionSpec spec = TestObjects.load("legacy.bpf.o");
        MapSpec hash = spec.map("legacy_hash");
        assertThat(hash.type()).isEqualTo(MapType.HASH);
        assertThat(hash.keySize()).isEqualTo(4);
        assertThat(hash.valueSize()).isEqualTo(8);
        assertThat(hash.maxEntries()).isEqualTo(256);
        assertThat(hash.flags()).isEqualTo(MapFlags.NO_PREALLOC);
        MapSpec array = spec.map("legacy_array");
        assertThat(array.type()).isEqualTo(MapType.PERCPU_ARRAY);
        assertThat(array.valueSize()).isEqualTo(16);
        assertThat(array.maxEntries()).isEqualTo(2);
        var prog = spec.program("legacy_prog");
        assertThat(prog.type()).isEqualTo(ProgramType.KPROBE);
        assertThat(prog.attachTo()).isEqualTo("do_nanosleep");
        assertThat(prog.kernelVersion()).isEqualTo(0x060c00);
        assertLoad(at(prog.instructions(), 7), OpCode.PSEUDO_MAP_FD, "legacy_hash", 0);
        assertLoad(at(prog.instructions(), 12), OpCode.PSEUDO_MAP_FD, "legacy_array", 0);
    }
}
