package io.ebpfagent.demo;

/**
 * One unit of real work behind a path. Implementations do the work on the calling (HTTP worker)
 * thread so that whatever the kernel sees is attributed to that thread.
 */
public interface Endpoint {

    /** The exact request path, e.g. {@code /cpu}. */
    String path();

    /** Does the work and describes what was done; the handler adds thread and timing fields. */
    Json handle(Query query) throws Exception;
}
