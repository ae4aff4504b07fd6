package io.ebpfagent.loader.collection;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether an existing map (a caller's replacement or a pinned map) can stand in for a spec: the
 * programs were verified against the spec's layout, so type, key and value size, capacity and
 * flags must be the same.
 */
final class MapCompatibility {
    private MapCompatibility() {
    }

    /** The differences between {@code spec} and {@code map}, empty when compatible. */
    static List<String> differences(MapSpec spec, BpfMap map) {
        return spec.incompatibilities(map);
    }

    /** Throws a {@link LoaderException} naming every difference if {@code map} cannot replace {@code spec}. */
    static void require(MapSpec spec, BpfMap map, String what) {
        List<String> d = differences(spec, map);
        if (!d.isEmpty()) {
            throw new LoaderException(what + " is incompatible with map '" + spec.name() + "' of the object: "
                    + String.join(", ", d));
        }
    }
}
