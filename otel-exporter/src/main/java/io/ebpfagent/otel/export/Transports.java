package io.ebpfagent.otel.export;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network transports (gRPC channels, HTTP clients) of one exporter setup, so that a JVM
 * exit that cannot wait for the final export can end them at once: their I/O threads wait in
 * native code, and HotSpot's exit waits up to 300 ms for threads in native code to return
 * (UserThreadWaitAttemptsAtExit), so a transport left open costs every exit that much.
 */
final class Transports {
    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);

    /** A transport that can drop what is in flight and stop its threads. */
    interface Transport {
        /** Fails what is in flight and ends its threads. */
        void abort();

        /**
         * Before {@code Runtime.halt} (no shutdown hook runs): makes its I/O threads leave native
         * code now and end, with as little work on the calling thread as possible (no waiting,
         * nothing the transport has not run before if it can be helped); nothing is flushed.
         */
        void release();
    }

    private final List<Transport> live = new CopyOnWriteArrayList<>();

    <T extends Transport> T add(T transport) {
        live.add(transport);
        return transport;
    }

    /** Ends every transport now; what was in flight fails. */
    void abortAll() {
        for (Transport t : live) {
            try {
                t.abort();
            } catch (RuntimeException e) {
                LOG.debug("aborting {} failed: {}", t, e.toString());
            }
        }
    }

    /** {@link Transport#release()} of every transport. */
    void releaseAll() {
        for (Transport t : live) {
            try {
                t.release();
            } catch (RuntimeException e) {
                LOG.debug("releasing {} failed: {}", t, e.toString());
            }
        }
    }
}
