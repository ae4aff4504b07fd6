package io.ebpfagent.demo;

/** A query parameter the endpoint cannot work with; the handler answers 400 with the message. */
public final class BadRequestException extends RuntimeException {
    public BadRequestException(String message) {
        super(message);
    }
}
