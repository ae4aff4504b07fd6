package io.ebpfagent.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@code /downstream?n=3&bytes=64}: one TCP connection to the echo service and n request/reply
 * round trips on it, each reply checked byte for byte: connect(2), sendto(2)/recvfrom(2) and
 * the network stack on the worker thread.
 */
public final class DownstreamEndpoint implements Endpoint {
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 10_000;
    private final InetSocketAddress target;

    public DownstreamEndpoint(InetSocketAddress target) {
        this.target = target;
    }

    @Override
    public String path() {
        return "/downstream";
    }

    @Override
    public Json handle(Query query) throws IOException {
        int n = query.intParam("n", 3, 0, 10_000);
        int size = query.intParam("bytes", 64, 1, 1024 * 1024);
        byte[] payload = new byte[size];
        new SplittableRandom(System.nanoTime()).nextBytes(payload);
        long start = System.nanoTime();
        long bytes = 0;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.connect(target, CONNECT_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < n; i++) {
                payload[0] = (byte) i;
                out.write(payload);
                out.flush();
                byte[] reply = in.readNBytes(size);
                if (!Arrays.equals(reply, payload)) {
                    throw new IOException("round trip " + i + ": echo returned " + reply.length
                            + " bytes that differ from the " + size + " sent");
                }
                bytes += size;
            }
        }
        return new Json()
                .put("downstream", target.getHostString() + ":" + target.getPort())
                .put("round_trips", n)
                .put("bytes_each_way", bytes)
                .put("downstream_ms", (System.nanoTime() - start) / 1e6);
    }
}
