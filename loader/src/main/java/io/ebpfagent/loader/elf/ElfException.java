package io.ebpfagent.loader.elf;

import io.ebpfagent.loader.LoaderException;

/**
 * An ELF file is malformed or uses something this reader does not support. The message names
 * the problem and, where known, the file and the section or symbol concerned.
 */
public class ElfException extends LoaderException {
    private static final long serialVersionUID = 1L;

    public ElfException(String message) {
        super(message);
    }

    public ElfException(String message, Throwable cause) {
        super(message, cause);
    }
}
