package io.ebpfagent.loader;

/**
 * Base of every exception the loader throws. Unchecked, like the I/O errors of
 * {@code java.nio.file} callers usually let travel: most callers can only report them.
 * The message always names what failed (the object, the map or program, the file).
 */
public class LoaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LoaderException(String message) {
        super(message);
    }

    public LoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
