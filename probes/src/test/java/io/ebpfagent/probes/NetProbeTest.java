package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.events.ConnectEvent;
import io.ebpfagent.probes.events.EventListener;
import io.ebpfagent.probes.events.ProbeEvents;
import io.ebpfagent.probes.events.TcpEvent;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NetProbeTest {
    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    record Connect(int tid, int localPort, int remotePort, long durationNs, int error, int newState, String remote) {
    }

    @Test
    void connectToALocalServerIsAnEventAndAConnection() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults(), shared)) {
            var connects = new CopyOnWriteArrayList<Connect>();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void connect(ConnectEvent e) {
                    connects.add(new Connect(e.tid(), e.localPort(), e.remotePort(), e.durationNs(), e.error(),
                            e.newState(), e.remoteAddress().getHostAddress()));
                }
            }).add(probe);
                 ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
                int tid = KernelTests.gettid();
                int localPort = exchange(server);
                long deadline = System.nanoTime() + 3_000_000_000L;
                Connect found = null;
                while (found == null && System.nanoTime() < deadline) {
                    for (Connect c : connects) {
                        if (c.localPort() == localPort) {
                            found = c;
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(found != null, "connect event for local port " + localPort + ": " + connects);
                assertEquals(tid, found.tid());
                assertEquals(server.getLocalPort(), found.remotePort());
                assertEquals(ConnectEvent.TCP_ESTABLISHED, found.newState());
                assertEquals(0, found.error());
                assertEquals("127.0.0.1", found.remote());
                assertTrue(found.durationNs() > 0 && found.durationNs() < 1_000_000_000L,
                        "connect latency " + found.durationNs());

                AtomicLong sent = new AtomicLong(-1);
                AtomicLong connectNs = new AtomicLong();
                probe.forEachConnection((key, lport, rport, role, owner, opened, closed, cns, queue, bytesSent,
                                         bytesReceived, retrans, rstSent, rstRecv) -> {
                    if (lport == localPort && rport == server.getLocalPort()) {
                        sent.set(bytesSent);
                        connectNs.set(cns);
                        assertEquals(NetProbe.ROLE_CLIENT, role);
                        assertEquals(tid, owner);
                    }
                });
                assertEquals(1000, sent.get(), "bytes sent on the client connection");
                assertEquals(found.durationNs(), connectNs.get(), "connect latency in conn_stats");
            }
        }
    }

    record Reset(int tid, int remotePort, int state, int direction) {
    }

    @Test
    void connectToAClosedLoopbackPortIsAFailedConnect() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults(), shared)) {
            var connects = new CopyOnWriteArrayList<Connect>();
            var resets = new CopyOnWriteArrayList<Reset>();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void connect(ConnectEvent e) {
                    connects.add(new Connect(e.tid(), e.localPort(), e.remotePort(), e.durationNs(), e.error(),
                            e.newState(), e.remoteAddress().getHostAddress()));
                }

                @Override
                public void reset(TcpEvent e) {
                    resets.add(new Reset(e.tid(), e.remotePort(), e.state(), e.direction()));
                }
            }).add(probe)) {
                int tid = KernelTests.gettid();
                long t0 = System.nanoTime();
                assertThrows(ConnectException.class,
                        () -> new Socket(InetAddress.getLoopbackAddress(), closedPort).close());
                long elapsed = System.nanoTime() - t0;

                long deadline = System.nanoTime() + 3_000_000_000L;
                Connect found = null;
                Reset rst = null;
                while ((found == null || rst == null) && System.nanoTime() < deadline) {
                    for (Connect c : connects) {
                        if (c.remotePort() == closedPort) {
                            found = c;
                        }
                    }
                    for (Reset r : resets) {
                        if (r.remotePort() == closedPort) {
                            rst = r;
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(found != null, "connect event for port " + closedPort + ": " + connects);
                assertEquals(tid, found.tid());
                assertEquals(111, found.error(), "ECONNREFUSED");
                assertEquals(ConnectEvent.TCP_CLOSE, found.newState());
                assertEquals("127.0.0.1", found.remote());
                assertTrue(found.durationNs() > 0 && found.durationNs() <= elapsed,
                        "SYN_SENT -> CLOSE " + found.durationNs() + " within the call " + elapsed);
                assertTrue(rst != null, "reset received for port " + closedPort + ": " + resets);
                assertEquals(tid, rst.tid());
                assertEquals(2, rst.state(), "the reset hit the socket in SYN_SENT");
                assertEquals(0, rst.direction(), "received");

                // a refused connect never became a connection: no entry in conn_stats
                AtomicInteger entries = new AtomicInteger();
                probe.forEachConnection((key, lport, rport, role, owner, opened, closed, cns, queue, bytesSent,
                                         bytesReceived, retrans, rstSent, rstRecv) -> {
                    if (rport == closedPort) {
                        entries.incrementAndGet();
                    }
                });
                assertEquals(0, entries.get(), "conn_stats entries for the refused port");
                assertEquals(0, pe.malformedRecords());
            }
        }
    }

    /**
     * @param untilAcceptedNs from before the connect to accept()'s return, as this thread timed it
     * @param untilReceivedNs from before the connect to the receipt of the bytes
     */
    /** Connects to {@code server} over loopback and sends 1000 bytes; the client's local port. */
    private static int exchange(ServerSocket server) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            s.getOutputStream().write(new byte[1000]);
            accepted.getInputStream().readNBytes(1000);
            return s.getLocalPort();
        }
    }

    record Server(int role, int owner, long acceptQueueNs, long bytesReceived, long untilAcceptedNs,
                  long untilReceivedNs) {
    }

    /**
     * The accepted side of a loopback connection, seen from conn_stats: the handshake completes
     * before accept() is called, then the peer sends 1000 bytes after a pause.
     */
    private static Server acceptedConnection(NetProbe probe, long pauseMs) throws Exception {
        long beforeConnect = System.nanoTime();
        long accepted;
        long received;
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            Thread.sleep(pauseMs);
            int clientPort = client.getLocalPort();
            try (Socket acceptedSocket = server.accept()) {
                accepted = System.nanoTime();
                Thread.sleep(pauseMs);
                client.getOutputStream().write(new byte[1000]);
                acceptedSocket.getInputStream().readNBytes(1000);
                received = System.nanoTime();
            }
            var found = new java.util.concurrent.atomic.AtomicReference<Server>();
            probe.forEachConnection((key, lport, rport, role, owner, opened, closed, cns, queue, bytesSent,
                                     bytesReceived, retrans, rstSent, rstRecv) -> {
                if (lport == server.getLocalPort() && rport == clientPort) {
                    found.set(new Server(role, owner, queue, bytesReceived, accepted - beforeConnect,
                            received - beforeConnect));
                }
            });
            assertTrue(found.get() != null, "conn_stats entry of the accepted connection");
            return found.get();
        }
    }

    @Test
    void acceptHooksTimeTheQueueUntilAcceptReturns() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults(), shared)) {
            assertTrue(probe.programs().keySet().containsAll(NetProbe.ACCEPT_PROGRAMS), "accept hooks loaded");
            Server s = acceptedConnection(probe, 100);
            assertEquals(NetProbe.ROLE_SERVER, s.role());
            assertEquals(KernelTests.gettid(), s.owner(), "the accepting thread owns the connection");
            assertEquals(1000, s.bytesReceived());
            // queued ~100 ms before accept() (longer when this thread woke late on a busy machine,
            // never longer than it took to get there); the 100 ms before the first byte do not count
            assertTrue(s.acceptQueueNs() >= 90_000_000L && s.acceptQueueNs() <= s.untilAcceptedNs(),
                    "accept-queue latency " + s.acceptQueueNs() + ", accept() returned " + s.untilAcceptedNs()
                            + " ns after the connect began");
        }
    }

    @Test
    void withoutAcceptHooksAnAcceptedConnectionIsAdoptedAtItsFirstReceive() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults().withAcceptSyscalls(false), shared)) {
            for (String p : NetProbe.ACCEPT_PROGRAMS) {
                assertTrue(!probe.programs().containsKey(p), p + " is not loaded");
            }
            Server s = acceptedConnection(probe, 100);
            assertEquals(NetProbe.ROLE_SERVER, s.role(), "known as accepted from the handshake on our port");
            assertEquals(KernelTests.gettid(), s.owner(), "the receiving thread owns the connection");
            assertEquals(1000, s.bytesReceived());
            // handshake -> first receive: both pauses
            assertTrue(s.acceptQueueNs() >= 190_000_000L && s.acceptQueueNs() <= s.untilReceivedNs(),
                    "accept-queue latency until the first receive " + s.acceptQueueNs() + ", received "
                            + s.untilReceivedNs() + " ns after the connect began");
        }
    }

    @Test
    void withoutByteHooksAnAcceptedConnectionIsAdoptedAtItsHandshake() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults().withAcceptSyscalls(false)
                     .withConnectionBytes(false), shared)) {
            for (String p : NetProbe.BYTES_PROGRAMS) {
                assertTrue(!probe.programs().containsKey(p), p + " is not loaded");
            }
            assertEquals(1, probe.loaded.map("accept_pending").maxEntries(), "nothing reads pending accepts");
            assertEquals(1, probe.loaded.map("accept_inflight").maxEntries(), "no accept() in flight is timed");
            Server s = acceptedConnection(probe, 100);
            assertEquals(NetProbe.ROLE_SERVER, s.role(), "known as accepted from the handshake on our port");
            assertEquals(0, s.owner(), "no thread known without the accept() or byte hooks");
            assertEquals(0, s.bytesReceived(), "bytes are not counted without their hooks");
        }
    }

    @Test
    void maxConnectionsSizesTheConnectionMaps() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults(), shared)) {
            for (String map : NetProbe.CONNECTION_MAPS) {
                assertEquals(NetProbe.Config.DEFAULT_MAX_CONNECTIONS, probe.loaded.map(map).maxEntries(), map);
            }
        }
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults().withMaxConnections(64), shared)) {
            for (String map : NetProbe.CONNECTION_MAPS) {
                assertEquals(64, probe.loaded.map(map).maxEntries(), map);
            }
            Server s = acceptedConnection(probe, 10);
            assertEquals(NetProbe.ROLE_SERVER, s.role(), "a connection is still tracked");
            assertEquals(1000, s.bytesReceived());
        }
        assertThrows(IllegalArgumentException.class, () -> NetProbe.Config.defaults().withMaxConnections(0));
    }

    @Test
    void withoutConnectionStatsTheEventsStayAndTheTableIsNotKept() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             NetProbe probe = NetProbe.start(NetProbe.Config.defaults().withAcceptSyscalls(false)
                     .withConnectionBytes(false).withConnectionStats(false), shared)) {
            assertEquals(1, probe.loaded.map("conn_stats").maxEntries(), "no table allocated");
            assertEquals(NetProbe.Config.DEFAULT_MAX_CONNECTIONS, probe.loaded.map("sock_owner").maxEntries());
            var connects = new CopyOnWriteArrayList<Integer>();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void connect(ConnectEvent e) {
                    connects.add(e.localPort());
                }
            }).add(probe);
                 ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
                int localPort = exchange(server);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!connects.contains(localPort) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(connects.contains(localPort), "the connect is still an event: " + connects);
                assertEquals(0, probe.forEachConnection((key, lp, rp, role, owner, opened, closed, connect, queue,
                        sent, received, retransmits, resetsSent, resetsReceived) -> { }), "no connection in the table");
            }
        }
    }
}
