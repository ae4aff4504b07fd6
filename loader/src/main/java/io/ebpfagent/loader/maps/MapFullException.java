package io.ebpfagent.loader.maps;

import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.SyscallException;

/**
 * An update could not add the key ({@code E2BIG}): a hash map holds {@code max_entries} keys
 * already, or an array index is not below {@code max_entries}.
 */
public class MapFullException extends SyscallException {
    private static final long serialVersionUID = 1L;

    public MapFullException(String operation, String mapName, MapType type, int maxEntries) {
        super(operation, Errno.E2BIG.value(), operation + ": map '" + mapName + "' ("
                + type + ", max entries " + maxEntries + ") "
                + (type == MapType.ARRAY || type == MapType.PERCPU_ARRAY || type == MapType.PROG_ARRAY
                        || type == MapType.ARRAY_OF_MAPS
                        ? "has no such index: keys must be below max entries"
                        : "is full")
                + " (E2BIG)");
    }
}
