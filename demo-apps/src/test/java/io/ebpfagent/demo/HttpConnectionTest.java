package io.ebpfagent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The load generator's HTTP/1.1 client against a scripted server on a real socket. */
class HttpConnectionTest {
    private ServerSocket server;
    private Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();

    /**
     * Serves every request on a connection with answer.apply(request number on that connection);
     * a null answer closes the connection without replying.
     */
    private URI serve(Function<Integer, String> answer) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon(true).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofPlatform().daemon(true).start(() -> handle(s, answer));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private void handle(Socket s, Function<Integer, String> answer) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            for (int n = 0; ; n++) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                requestLines.add(head.substring(0, head.indexOf("\r\n")));
                String reply = answer.apply(n);
                if (reply == null) {
                    return;
                }
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (reply.toLowerCase().contains("connection: close")) {
                    return;
                }
            }
        } catch (IOException ignored) {
            // client went away
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String s = head.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return null;
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void keepsOneConnectionForManyRequestsWithContentLength() throws IOException {
        URI base = serve(n -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello");
        try (HttpConnection c = new HttpConnection(base, Duration.ofSeconds(5))) {
            byte[] request = HttpConnection.request(base.resolve("/cpu?rounds=3"));
            for (int i = 0; i < 50; i++) {
                assertThat(c.get(request)).isEqualTo(200);
            }
        }
        assertThat(connections).hasValue(1);
        assertThat(requestLines).hasSize(50).allMatch("GET /cpu?rounds=3 HTTP/1.1"::equals);
    }

    @Test
    void readsChunkedBodiesAndBodiesLargerThanTheBuffer() throws IOException {
        String big = "x".repeat(100_000);
        URI base = serve(n -> n % 2 == 0
                ? "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n"
                        + Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\nX-Trailer: 1\r\n\r\n"
                : "HTTP/1.1 200 OK\r\ncontent-length: " + big.length() + "\r\n\r\n" + big);
        try (HttpConnection c = new HttpConnection(base, Duration.ofSeconds(5))) {
            byte[] request = HttpConnection.request(base.resolve("/x"));
            for (int i = 0; i < 6; i++) {
                assertThat(c.get(request)).isEqualTo(i % 2 == 0 ? 404 : 200);
            }
        }
        assertThat(connections).hasValue(1);
    }

    @Test
    void reconnectsAfterConnectionCloseAndRetriesOnceWhenAReusedConnectionWasDropped() throws IOException {
        // request 0 on each connection: answered and closed by "Connection: close" (odd connections)
        // or answered and kept, then the next request is dropped without a reply (even ones)
        URI base = serve(n -> n == 0
                ? (connections.get() % 2 == 1
                        ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                        : "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                : null);
        try (HttpConnection c = new HttpConnection(base, Duration.ofSeconds(5))) {
            byte[] request = HttpConnection.request(base.resolve("/"));
            assertThat(c.get(request)).isEqualTo(200); // connection 1, closed after
            assertThat(c.get(request)).isEqualTo(201); // connection 2, kept
            assertThat(c.get(request)).isEqualTo(200); // dropped on 2, retried on 3
        }
        assertThat(connections).hasValue(3);
    }

    @Test
    void aServerThatDoesNotSpeakHttpIsAnErrorNamingWhatCame() throws IOException {
        URI base = serve(n -> "SSH-2.0-OpenSSH\r\n\r\n");
        try (HttpConnection c = new HttpConnection(base, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> c.get(HttpConnection.request(base.resolve("/"))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not an HTTP response: SSH-2.0-OpenSSH");
        }
    }

    @Test
    void aRefusedConnectionIsAnError() throws IOException {
        URI base;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            base = URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
        try (HttpConnection c = new HttpConnection(base, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> c.get(HttpConnection.request(base.resolve("/"))))
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }
}
