package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.NetLayouts;

/** EV_CONNECT: a TCP connect from SYN_SENT to ESTABLISHED (or CLOSE on failure). */
public final class ConnectEvent extends ConnectionEvent {
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_CLOSE = 7;

    /** sk_err at failure (ECONNREFUSED, ETIMEDOUT, ...), 0 on success. */
    public int error() {
        return i32(NetLayouts.ConnectEvent.ERROR);
    }

    /** {@link #TCP_ESTABLISHED} or {@link #TCP_CLOSE}. */
    public int newState() {
        return i32(NetLayouts.ConnectEvent.NEWSTATE);
    }
}
