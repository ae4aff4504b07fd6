package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.NetLayouts;

/** EV_RETRANSMIT and EV_RESET of a connection of the process; tid is the connection's owner. */
public final class TcpEvent extends ConnectionEvent {
    /** The socket's TCP state. */
    public int state() {
        return i32(NetLayouts.TcpEvent.STATE);
    }

    /** For resets: 0 received, 1 sent; 0 for retransmits. */
    public int direction() {
        return i32(NetLayouts.TcpEvent.DIRECTION);
    }
}
