package io.ebpfagent.loader.maps;

import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.SyscallException;

/** An update with {@code BPF_NOEXIST} found the key already present ({@code EEXIST}). */
public class KeyExistsException extends SyscallException {
    private static final long serialVersionUID = 1L;

    public KeyExistsException(String operation, String mapName) {
        super(operation, Errno.EEXIST.value(), operation + ": key already exists in map '" + mapName
                + "' (EEXIST, update with NOEXIST)");
    }
}
