package io.ebpfagent.loader.maps;

import io.ebpfagent.loader.sys.FileDescriptor;

/**
 * What {@link BpfMap#create(MapSpec, MapCreateOptions)} needs beyond the {@link MapSpec}.
 *
 * @param btf                     the object's BTF loaded into the kernel, or null: with it the map carries the
 *                                spec's key and value type ids (needed for spin locks, timers, kptrs, and nicer
 *                                {@code bpftool map dump})
 * @param innerMap                for map-in-map types, an existing map to use as the inner-map template
 *                                instead of creating one from {@code spec.innerMap()}; null otherwise
 * @param numaNode                the NUMA node to allocate on, or -1 for none
 * @param btfVmlinuxValueTypeId   for struct_ops maps: the kernel type id of the value, 0 otherwise
 */
public record MapCreateOptions(FileDescriptor btf, BpfMap innerMap, int numaNode, int btfVmlinuxValueTypeId) {
    /** No BTF, no inner map override, no NUMA node. */
    public static final MapCreateOptions DEFAULT = new MapCreateOptions(null, null, -1, 0);

    public MapCreateOptions withBtf(FileDescriptor value) {
        return new MapCreateOptions(value, innerMap, numaNode, btfVmlinuxValueTypeId);
    }

    public MapCreateOptions withInnerMap(BpfMap value) {
        return new MapCreateOptions(btf, value, numaNode, btfVmlinuxValueTypeId);
    }

    public MapCreateOptions withNumaNode(int value) {
        return new MapCreateOptions(btf, innerMap, value, btfVmlinuxValueTypeId);
    }
}
