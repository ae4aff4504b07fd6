package io.ebpfagent.loader.maps;

import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.SyscallException;

/**
 * A write from user space to a frozen map ({@code BPF_MAP_FREEZE}) was refused with
 * {@code EPERM}: not a privilege problem, the map is read-only for user space for good.
 */
public class MapFrozenException extends SyscallException {
    private static final long serialVersionUID = 1L;

    public MapFrozenException(String operation, String mapName) {
        super(operation, Errno.EPERM.value(), operation + ": map '" + mapName
                + "' is frozen (read-only for user space since BPF_MAP_FREEZE) (EPERM)");
    }
}
