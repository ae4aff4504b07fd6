package io.ebpfagent.loader.maps;

import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.SyscallException;

/**
 * The key is not in the map ({@code ENOENT} from lookup, delete, or an update with
 * {@code BPF_EXIST}). The {@code MemorySegment} flavours of {@link BpfMap} report this as a
 * {@code false} return instead, to stay allocation free.
 */
public class NoSuchKeyException extends SyscallException {
    private static final long serialVersionUID = 1L;

    public NoSuchKeyException(String operation, String mapName) {
        super(operation, Errno.ENOENT.value(), operation + ": key not found in map '" + mapName + "' (ENOENT)");
    }
}
