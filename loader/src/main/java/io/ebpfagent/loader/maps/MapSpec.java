package io.ebpfagent.loader.maps;

import java.util.List;
import java.util.Objects;

/**
 * What a map should look like before it exists in the kernel: the result of reading an object
 * file, or written by hand. Creating it is {@code BpfMap.create(spec)}.
 *
 * @param name           the object-file name of the map; the kernel keeps the first 15 bytes
 * @param type           the map type
 * @param keySize        key size in bytes (0 for queue, stack, ring buffer, bloom filter)
 * @param valueSize      value size in bytes (0 for ring buffers); per-CPU maps: the size of one CPU's value
 * @param maxEntries     capacity; for ring buffers the data size in bytes (a power of two multiple of the page size)
 * @param flags          {@code map_flags} ({@link MapFlags})
 * @param innerMap       for map-in-map types, the template of the inner maps; null otherwise
 * @param pinning        whether the loader pins the map by name and reuses a pinned one
 * @param contents       initial entries written after creation (for {@code .data}/{@code .rodata}: the section bytes at key 0)
 * @param freeze         freeze the map after writing {@code contents} (read-only globals)
 * @param mapExtra       {@code map_extra}: bloom filter hash count, arena address
 * @param btfKeyTypeId   BTF type id of the key in the object's BTF, 0 if none
 * @param btfValueTypeId BTF type id of the value in the object's BTF, 0 if none
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
                      MapSpec innerMap, Pinning pinning, List<Entry> contents, boolean freeze,
                      long mapExtra, int btfKeyTypeId, int btfValueTypeId) {

    public MapSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(pinning, "pinning");
        contents = contents == null ? List.of() : List.copyOf(contents);
    }

    /** A map with no inner map, pinning, contents or BTF. */
    public static MapSpec of(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, 0, null, Pinning.NONE, List.of(), false, 0, 0, 0);
    }

    public MapSpec withFlags(int value) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, value, innerMap, pinning, contents, freeze, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    public MapSpec withMaxEntries(int value) {
        return new MapSpec(name, type, keySize, valueSize, value, flags, innerMap, pinning, contents, freeze, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    public MapSpec withInnerMap(MapSpec value) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, value, pinning, contents, freeze, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    /**
     * Why {@code map} cannot stand in for a map made from this spec (a pinned map to reuse, a
     * replacement shared between collections); empty when it can.
     */
    public java.util.List<String> incompatibilities(BpfMap map) {
        java.util.List<String> d = new java.util.ArrayList<>();
        if (type != map.type()) d.add("type " + map.type() + " instead of " + type);
        if (keySize != map.keySize()) d.add("key size " + map.keySize() + " instead of " + keySize);
        if (valueSize != map.valueSize()) d.add("value size " + map.valueSize() + " instead of " + valueSize);
        if (maxEntries != map.maxEntries()) d.add("max entries " + map.maxEntries() + " instead of " + maxEntries);
        if (flags != map.flags()) {
            d.add("flags 0x" + Integer.toHexString(map.flags()) + " instead of 0x" + Integer.toHexString(flags));
        }
        return d;
    }

    /** Whether {@code map} can stand in for a map made from this spec ({@link #incompatibilities}). */
    public boolean compatible(BpfMap map) {
        return incompatibilities(map).isEmpty();
    }

    public MapSpec withPinning(Pinning value) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, value, contents, freeze, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    public MapSpec withContents(List<Entry> value) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, pinning, value, freeze, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    public MapSpec withFreeze(boolean value) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, pinning, contents, value, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    public MapSpec withMapExtra(long value) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, pinning, contents, freeze, value, btfKeyTypeId, btfValueTypeId);
    }

    public MapSpec withBtfTypes(int keyTypeId, int valueTypeId) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, pinning, contents, freeze, mapExtra, keyTypeId, valueTypeId);
    }

    public MapSpec withName(String value) {
        return new MapSpec(value, type, keySize, valueSize, maxEntries, flags, innerMap, pinning, contents, freeze, mapExtra, btfKeyTypeId, btfValueTypeId);
    }

    /** How a map is pinned on load (libbpf's {@code LIBBPF_PIN_*}). */
    public enum Pinning {
        /** Not pinned. */
        NONE,
        /** Pinned under the collection's pin directory by its name; an existing compatible pin is reused. */
        BY_NAME
    }

    /**
     * An initial entry. {@code value} holds the bytes to store; for program arrays and map-in-map
     * maps whose values name other objects of the collection, {@code valueReference} names the
     * program or map whose file descriptor becomes the value at load time, and {@code value} is null.
     */
    public record Entry(byte[] key, byte[] value, String valueReference) {
        public Entry {
            Objects.requireNonNull(key, "key");
            if ((value == null) == (valueReference == null)) {
                throw new IllegalArgumentException("an entry holds either value bytes or a reference");
            }
        }

        public static Entry of(byte[] key, byte[] value) {
            return new Entry(key, value, null);
        }

        public static Entry referencing(byte[] key, String objectName) {
            return new Entry(key, null, objectName);
        }
    }
}
