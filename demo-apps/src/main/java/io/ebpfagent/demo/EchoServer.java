package io.ebpfagent.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP echo service: every byte received on a connection is written back. It stands in for a
 * downstream dependency of {@link DemoService}, on its own threads ({@code echo-acceptor},
 * {@code echo-conn-N}) so its socket work is told apart from the HTTP workers'.
 */
public final class EchoServer implements AutoCloseable {
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private volatile boolean closed;

    private EchoServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().name("echo-acceptor").daemon(true).unstarted(this::acceptLoop);
    }

    /** Binds to bindAddress:port (0 = ephemeral) and starts accepting. */
    public static EchoServer start(InetAddress bindAddress, int port) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(bindAddress, port), 256);
        EchoServer server = new EchoServer(listener);
        server.acceptor.start();
        return server;
    }

    /** On loopback, ephemeral port. */
    public static EchoServer startLoopback() throws IOException {
        return start(InetAddress.getLoopbackAddress(), 0);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("echo-server: accept failed: " + e);
                }
                return;
            }
            connections.add(socket);
            Thread.ofPlatform()
                    .name("echo-conn-" + connectionIds.incrementAndGet())
                    .daemon(true)
                    .start(() -> serve(socket));
        }
    }

    private void serve(Socket socket) {
        byte[] buffer = new byte[16 * 1024];
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (SocketException e) {
            // peer reset or server closing: the connection is over either way
        } catch (IOException e) {
            if (!closed) {
                System.err.println("echo-server: connection failed: " + e);
            }
        } finally {
            connections.remove(socket);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Standalone: {@code EchoServer [port]}; prints {@code echo-server listening on port N}. */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        EchoServer server = start(InetAddress.getLoopbackAddress(), port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "echo-shutdown"));
        System.out.println("echo-server listening on port " + server.port());
        server.acceptor.join();
    }
}
