package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code net.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class NetLayouts {
    private NetLayouts() {
    }

    /** {@code struct conn_key}: TCP 4-tuple, key of {@code conn_stats} (40 bytes); addresses in network order, ports in host order. */
    public static final class ConnKey {
        public static final StructLayout LAYOUT = struct("conn_key",
                bytes("saddr", 16),
                bytes("daddr", 16),
                u16("sport"),
                u16("dport"),
                u16("family"),
                u16("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long SADDR = offset(LAYOUT, "saddr");
        public static final long DADDR = offset(LAYOUT, "daddr");
        public static final long SPORT = offset(LAYOUT, "sport");
        public static final long DPORT = offset(LAYOUT, "dport");
        public static final long FAMILY = offset(LAYOUT, "family");
        public static final VarHandle VH_SPORT = handle(LAYOUT, "sport");
        public static final VarHandle VH_DPORT = handle(LAYOUT, "dport");
        public static final VarHandle VH_FAMILY = handle(LAYOUT, "family");

        private ConnKey() {
        }
    }

    /** {@code struct conn_stats}: value of {@code conn_stats} (88 bytes). */
    public static final class ConnStats {
        public static final StructLayout LAYOUT = struct("conn_stats",
                u64("opened_ns"),
                u64("closed_ns"),
                u64("connect_ns"),
                u64("accept_queue_ns"),
                u64("bytes_sent"),
                u64("bytes_received"),
                u64("sends"),
                u64("receives"),
                u32("retransmits"),
                u32("resets_sent"),
                u32("resets_received"),
                u32("owner_tid"),
                u32("owner_tgid"),
                u8("role"),
                bytes("_pad", 3));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long OPENED_NS = offset(LAYOUT, "opened_ns");
        public static final long CLOSED_NS = offset(LAYOUT, "closed_ns");
        public static final long CONNECT_NS = offset(LAYOUT, "connect_ns");
        public static final long ACCEPT_QUEUE_NS = offset(LAYOUT, "accept_queue_ns");
        public static final long BYTES_SENT = offset(LAYOUT, "bytes_sent");
        public static final long BYTES_RECEIVED = offset(LAYOUT, "bytes_received");
        public static final long SENDS = offset(LAYOUT, "sends");
        public static final long RECEIVES = offset(LAYOUT, "receives");
        public static final long RETRANSMITS = offset(LAYOUT, "retransmits");
        public static final long RESETS_SENT = offset(LAYOUT, "resets_sent");
        public static final long RESETS_RECEIVED = offset(LAYOUT, "resets_received");
        public static final long OWNER_TID = offset(LAYOUT, "owner_tid");
        public static final long OWNER_TGID = offset(LAYOUT, "owner_tgid");
        public static final long ROLE = offset(LAYOUT, "role");
        public static final VarHandle VH_OPENED_NS = handle(LAYOUT, "opened_ns");
        public static final VarHandle VH_CLOSED_NS = handle(LAYOUT, "closed_ns");
        public static final VarHandle VH_CONNECT_NS = handle(LAYOUT, "connect_ns");
        public static final VarHandle VH_ACCEPT_QUEUE_NS = handle(LAYOUT, "accept_queue_ns");
        public static final VarHandle VH_BYTES_SENT = handle(LAYOUT, "bytes_sent");
        public static final VarHandle VH_BYTES_RECEIVED = handle(LAYOUT, "bytes_received");
        public static final VarHandle VH_SENDS = handle(LAYOUT, "sends");
        public static final VarHandle VH_RECEIVES = handle(LAYOUT, "receives");
        public static final VarHandle VH_RETRANSMITS = handle(LAYOUT, "retransmits");
        public static final VarHandle VH_RESETS_SENT = handle(LAYOUT, "resets_sent");
        public static final VarHandle VH_RESETS_RECEIVED = handle(LAYOUT, "resets_received");
        public static final VarHandle VH_OWNER_TID = handle(LAYOUT, "owner_tid");
        public static final VarHandle VH_OWNER_TGID = handle(LAYOUT, "owner_tgid");
        public static final VarHandle VH_ROLE = handle(LAYOUT, "role");

        private ConnStats() {
        }
    }

    /** {@code struct connect_event}: EV_CONNECT record (104 bytes). */
    public static final class ConnectEvent {
        public static final StructLayout LAYOUT = struct("connect_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                NetLayouts.ConnKey.LAYOUT.withName("key"),
                u32("error"),
                u32("newstate"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long KEY = offset(LAYOUT, "key");
        public static final long ERROR = offset(LAYOUT, "error");
        public static final long NEWSTATE = offset(LAYOUT, "newstate");
        public static final VarHandle VH_ERROR = handle(LAYOUT, "error");
        public static final VarHandle VH_NEWSTATE = handle(LAYOUT, "newstate");

        private ConnectEvent() {
        }
    }

    /** {@code struct accept_event}: EV_ACCEPT record (112 bytes). */
    public static final class AcceptEvent {
        public static final StructLayout LAYOUT = struct("accept_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                NetLayouts.ConnKey.LAYOUT.withName("key"),
                u64("accept_call_ns"),
                u64("queue_ns"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long KEY = offset(LAYOUT, "key");
        public static final long ACCEPT_CALL_NS = offset(LAYOUT, "accept_call_ns");
        public static final long QUEUE_NS = offset(LAYOUT, "queue_ns");
        public static final VarHandle VH_ACCEPT_CALL_NS = handle(LAYOUT, "accept_call_ns");
        public static final VarHandle VH_QUEUE_NS = handle(LAYOUT, "queue_ns");

        private AcceptEvent() {
        }
    }

    /** {@code struct tcp_event}: EV_RETRANSMIT and EV_RESET record (104 bytes). */
    public static final class TcpEvent {
        public static final StructLayout LAYOUT = struct("tcp_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                NetLayouts.ConnKey.LAYOUT.withName("key"),
                u32("state"),
                u32("direction"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long KEY = offset(LAYOUT, "key");
        public static final long STATE = offset(LAYOUT, "state");
        public static final long DIRECTION = offset(LAYOUT, "direction");
        public static final VarHandle VH_STATE = handle(LAYOUT, "state");
        public static final VarHandle VH_DIRECTION = handle(LAYOUT, "direction");

        private TcpEvent() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("conn_key", ConnKey.LAYOUT),
                Map.entry("conn_stats", ConnStats.LAYOUT),
                Map.entry("connect_event", ConnectEvent.LAYOUT),
                Map.entry("accept_event", AcceptEvent.LAYOUT),
                Map.entry("tcp_event", TcpEvent.LAYOUT));
    }
}
