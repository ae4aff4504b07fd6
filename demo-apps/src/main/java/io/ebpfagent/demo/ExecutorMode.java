package io.ebpfagent.demo;

/** Which threads serve HTTP requests. */
public enum ExecutorMode {
    /** A fixed pool of platform threads named {@code http-worker-N}. */
    PLATFORM,
    /** One virtual thread per request, named {@code http-vthread-N}. */
    VIRTUAL,
    /** Both, on two ports: platform on the main port, virtual on the second. */
    BOTH
}
