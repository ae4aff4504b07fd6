package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.NetLayouts;

/** EV_ACCEPT: from handshake done (or accept() entry) until accept() returned it. */
public final class AcceptEvent extends ConnectionEvent {
    /** Time inside accept(). */
    public long acceptCallNs() {
        return i64(NetLayouts.AcceptEvent.ACCEPT_CALL_NS);
    }

    /** Handshake done until accept() returned, 0 when unknown. */
    public long queueNs() {
        return i64(NetLayouts.AcceptEvent.QUEUE_NS);
    }
}
