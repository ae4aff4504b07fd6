package io.ebpfagent.loader.btf;

import io.ebpfagent.loader.LoaderException;

/** BTF that cannot be parsed, encoded or used; the message names the problem and, for corrupt input, the byte offset. */
public class BtfException extends LoaderException {
    private static final long serialVersionUID = 1L;

    public BtfException(String message) {
        super(message);
    }

    public BtfException(String message, Throwable cause) {
        super(message, cause);
    }
}
