package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.NetLayouts;
import io.ebpfagent.probes.layout.NetLayouts.ConnKey;
import io.ebpfagent.probes.layout.NetLayouts.ConnStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code net.bpf.o}: TCP connections of the process keyed by 4-tuple (bytes, calls, connect and
 * accept-queue latency, retransmits, resets); slow connects/accepts, retransmits and resets as
 * events. Everything but the accept() hooks runs on tp_btf tracepoints of the TCP stack.
 */
public final class NetProbe extends ProbeBase implements Probe {
    public static final int ROLE_UNKNOWN = 0, ROLE_CLIENT = 1, ROLE_SERVER = 2;

    /** The programs on the {@code accept()}/{@code accept4()} system-call tracepoints. */
    static final List<String> ACCEPT_PROGRAMS =
            List.of("on_enter_accept", "on_exit_accept", "on_enter_accept4", "on_exit_accept4");

    /** The programs on every socket send and receive of the machine: bytes and calls per connection. */
    static final List<String> BYTES_PROGRAMS = List.of("on_sock_send_length", "on_sock_recv_length");

    /**
     * @param acceptSyscalls attach the {@code accept()}/{@code accept4()} system-call tracepoints:
     *     accept-queue latency exactly to accept()'s return, the time inside accept() and
     *     {@code EV_ACCEPT} events. Costs more than the accepts: while any system-call
     *     tracepoint is attached, every system call of every task of the machine takes the
     *     kernel's slow tracing path. Without them an accepted connection is recognised at its
     *     first send or receive (owner: that thread; accept-queue latency: until then) and no
     *     {@code EV_ACCEPT} is emitted.
     * @param connectionBytes attach the {@code sock_send_length}/{@code sock_recv_length} hooks:
     *     bytes and calls per connection in {@code conn_stats}, and sockets opened before the probe
     *     recognised at their first send or receive. They run for every socket send and receive of
     *     every process of the machine (the process filter is their first work). Without them an
     *     accepted connection is taken over when its handshake completes, with owner tid 0 (no
     *     thread: the accepting thread is not known without the accept() hooks), and connections
     *     opened before the probe are not seen.
     * @param connectionStats keep the per-connection table {@code conn_stats} that
     *     {@link #forEachConnection} reads; without it the events stay and nothing is written to
     *     the table, which then gets a single entry (no kernel memory for it)
     * @param maxConnections connections tracked at once: the size of {@code sock_owner} (which
     *     sockets are the process's) and, with {@code connectionStats}, of {@code conn_stats}: LRU
     *     hash maps the kernel preallocates in full when the probe loads (~140 and ~190 bytes of
     *     kernel memory per connection, charged to the memory cgroup of the process that loads
     *     them, and their setup time at start); beyond it the least recently used connection is
     *     forgotten
     */
    public record Config(int targetTgid, long acceptThresholdNs, long connectThresholdNs, boolean retransmitEvents,
                         boolean resetEvents, boolean acceptSyscalls, boolean connectionBytes, boolean connectionStats,
                         int maxConnections) {
        /** The default of {@link #maxConnections}. */
        public static final int DEFAULT_MAX_CONNECTIONS = 16384;

        public Config {
            Rodata.requireNonNegative("acceptThresholdNs", acceptThresholdNs);
            Rodata.requireNonNegative("connectThresholdNs", connectThresholdNs);
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
            }
        }

        /** Every feature on, accept() and per-connection byte hooks included. */
        public static Config defaults() {
            return new Config(Probe.currentPid(), 1_000_000L, 0, true, true, true, true, true, DEFAULT_MAX_CONNECTIONS);
        }

        public Config withAcceptSyscalls(boolean on) {
            return new Config(targetTgid, acceptThresholdNs, connectThresholdNs, retransmitEvents, resetEvents, on,
                    connectionBytes, connectionStats, maxConnections);
        }

        public Config withConnectionBytes(boolean on) {
            return new Config(targetTgid, acceptThresholdNs, connectThresholdNs, retransmitEvents, resetEvents,
                    acceptSyscalls, on, connectionStats, maxConnections);
        }

        public Config withMaxConnections(int value) {
            return new Config(targetTgid, acceptThresholdNs, connectThresholdNs, retransmitEvents, resetEvents,
                    acceptSyscalls, connectionBytes, connectionStats, value);
        }

        public Config withConnectionStats(boolean on) {
            return new Config(targetTgid, acceptThresholdNs, connectThresholdNs, retransmitEvents, resetEvents,
                    acceptSyscalls, connectionBytes, on, maxConnections);
        }
    }

    /** The maps sized by {@link Config#maxConnections}. */
    static final List<String> CONNECTION_MAPS = List.of("conn_stats", "sock_owner");

    /**
     * Receives one connection; {@code key} is the 40-byte {@code struct conn_key} (read it with
     * {@link ConnKey} offsets; valid during the call only).
     */
    @FunctionalInterface
    public interface Visitor {
        void accept(MemorySegment key, int localPort, int remotePort, int role, int ownerTid, long openedNs,
                    long closedNs, long connectNs, long acceptQueueNs, long bytesSent, long bytesReceived,
                    int retransmits, int resetsSent, int resetsReceived);
    }

    private final Arena arena = Arena.ofShared();
    private final BpfMap conns;
    private final MapCursor cursor;
    private final MemorySegment[] closed = new MemorySegment[256];

    private NetProbe(Config c, SharedMaps shared) {
        super(BundledObject.NET, c.targetTgid(), spec -> {
            NetLayouts.Rodata.setAcceptThresholdNs(spec, c.acceptThresholdNs());
            NetLayouts.Rodata.setConnectThresholdNs(spec, c.connectThresholdNs());
            NetLayouts.Rodata.setRetransmitEvents(spec, c.retransmitEvents());
            NetLayouts.Rodata.setResetEvents(spec, c.resetEvents());
            for (String map : CONNECTION_MAPS) {
                spec.maps().put(map, spec.map(map).withMaxEntries(c.maxConnections()));
            }
            // accept_pending is read by the accept() and the send/receive hooks only
            boolean acceptQueue = c.acceptSyscalls() || c.connectionBytes();
            NetLayouts.Rodata.setAcceptQueue(spec, acceptQueue);
            if (!acceptQueue) {
                unused(spec, "accept_pending");
            }
            NetLayouts.Rodata.setConnectionStats(spec, c.connectionStats());
            if (!c.connectionStats()) {
                unused(spec, "conn_stats");
            }
            if (!c.acceptSyscalls()) {
                ACCEPT_PROGRAMS.forEach(spec.programs()::remove);
                unused(spec, "accept_inflight"); // only those programs use it
            }
            if (!c.connectionBytes()) {
                BYTES_PROGRAMS.forEach(spec.programs()::remove);
                NetLayouts.Rodata.setAdoptAtHandshake(spec, true);
            }
        }, Attacher.NONE, shared);
        this.conns = loaded.map("conn_stats");
        this.cursor = new MapCursor(conns, arena);
        for (int i = 0; i < closed.length; i++) {
            // by size, not by ConnKey.LAYOUT: that class builds a VarHandle per field when initialised,
            // a few dozen classes a starting JVM spins
            closed[i] = arena.allocate(ConnKey.SIZE, 8);
        }
    }

    public static NetProbe start(Config config, SharedMaps shared) {
        return new NetProbe(config, shared);
    }

    /**
     * Every known connection; closed ones are removed after being read (up to 256 per call, the
     * rest on the next). Returns the number visited. Allocation free.
     */
    public synchronized int forEachConnection(Visitor visitor) {
        int n = 0;
        int nClosed = 0;
        cursor.reset();
        while (cursor.next()) {
            MemorySegment k = cursor.key();
            MemorySegment v = cursor.value();
            long closedNs = v.get(JAVA_LONG, ConnStats.CLOSED_NS);
            visitor.accept(k, k.get(JAVA_SHORT, ConnKey.SPORT) & 0xffff, k.get(JAVA_SHORT, ConnKey.DPORT) & 0xffff,
                    v.get(JAVA_BYTE, ConnStats.ROLE) & 0xff, v.get(JAVA_INT, ConnStats.OWNER_TID),
                    v.get(JAVA_LONG, ConnStats.OPENED_NS), closedNs, v.get(JAVA_LONG, ConnStats.CONNECT_NS),
                    v.get(JAVA_LONG, ConnStats.ACCEPT_QUEUE_NS), v.get(JAVA_LONG, ConnStats.BYTES_SENT),
                    v.get(JAVA_LONG, ConnStats.BYTES_RECEIVED), v.get(JAVA_INT, ConnStats.RETRANSMITS),
                    v.get(JAVA_INT, ConnStats.RESETS_SENT), v.get(JAVA_INT, ConnStats.RESETS_RECEIVED));
            n++;
            if (closedNs != 0 && nClosed < closed.length) {
                closed[nClosed++].copyFrom(k);
            }
        }
        for (int i = 0; i < nClosed; i++) {
            conns.delete(closed[i]);
        }
        return n;
    }

    /** The {@code listen_ports} map: ports listened on before the probe started may be added. */
    public BpfMap listenPorts() {
        return loaded.map("listen_ports");
    }

    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        arena.close();
    }
}
