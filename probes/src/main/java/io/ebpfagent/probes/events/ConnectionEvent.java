package io.ebpfagent.probes.events;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.ebpfagent.probes.layout.NetLayouts.ConnKey;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Events carrying a TCP 4-tuple ({@code struct conn_key} right after the header). */
public abstract sealed class ConnectionEvent extends EventView permits ConnectEvent, AcceptEvent, TcpEvent {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    private static final long KEY = io.ebpfagent.probes.layout.CommonLayouts.EventHdr.SIZE;

    ConnectionEvent() {
    }

    /** {@link #AF_INET} or {@link #AF_INET6}. */
    public final int family() {
        return u16raw(KEY + ConnKey.FAMILY) & 0xffff;
    }

    public final int localPort() {
        return u16raw(KEY + ConnKey.SPORT) & 0xffff;
    }

    public final int remotePort() {
        return u16raw(KEY + ConnKey.DPORT) & 0xffff;
    }

    /** Copies the local address (4 or 16 bytes, network order) into dst; returns its length. */
    public final int copyLocalAddress(byte[] dst) {
        return copyAddress(KEY + ConnKey.SADDR, dst);
    }

    public final int copyRemoteAddress(byte[] dst) {
        return copyAddress(KEY + ConnKey.DADDR, dst);
    }

    /** The remote address (allocates). */
    public final InetAddress remoteAddress() {
        return address(KEY + ConnKey.DADDR);
    }

    /** The local address (allocates). */
    public final InetAddress localAddress() {
        return address(KEY + ConnKey.SADDR);
    }

    private int copyAddress(long offset, byte[] dst) {
        int n = family() == AF_INET ? 4 : 16;
        MemorySegment.copy(segment, JAVA_BYTE, base + offset, dst, 0, n);
        return n;
    }

    private InetAddress address(long offset) {
        byte[] b = new byte[family() == AF_INET ? 4 : 16];
        copyAddress(offset, b);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
