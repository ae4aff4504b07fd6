package io.ebpfagent.demo;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLSocketFactory;

/**
 * One keep-alive HTTP/1.1 connection that sends prepared GET requests and discards the bodies.
 *
 * <p>The load generator uses this instead of {@code java.net.http.HttpClient} because the
 * generator shares the machine with the service it measures: the JDK client spends about a
 * millisecond of CPU per request on its selector thread, futures and hand-offs between threads,
 * which on a small machine makes the generator, not the service, the bottleneck. Here a request
 * is one write and a few reads on the worker's own blocking socket, from one reused buffer.
 */
final class HttpConnection implements Closeable {
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection:".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final boolean tls;
    private final int timeoutMillis;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    HttpConnection(URI base, Duration timeout) {
        this.host = base.getHost();
        this.tls = "https".equals(base.getScheme());
        this.port = base.getPort() >= 0 ? base.getPort() : (tls ? 443 : 80);
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }

    /** The bytes of a GET of uri, to be built once and sent many times. */
    static byte[] request(URI uri) {
        String authority = uri.getRawAuthority();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + authority
                + "\r\nUser-Agent: ebpf-agent-demo-load\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Sends the request and reads the whole response; returns its status code. A request on a
     * reused connection that the server had already closed is retried once on a fresh one, as
     * browsers and HTTP clients do: nothing of it was processed.
     */
    int get(byte[] request) throws IOException {
        boolean reused = socket != null;
        try {
            return exchange(request);
        } catch (IOException e) {
            close();
            if (!reused || !(e instanceof EOFException || e instanceof java.net.SocketException)) {
                throw e;
            }
            try {
                return exchange(request);
            } catch (IOException again) {
                close();
                throw again;
            }
        }
    }

    private int exchange(byte[] request) throws IOException {
        if (socket == null) {
            open();
        }
        out.write(request);
        out.flush();
        int status = statusLine();
        long contentLength = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        int lineStart;
        // headers: only the three that decide where the body ends and whether the connection stays
        while ((lineStart = nextLine()) != position - 2) {
            int lineEnd = position - 2;
            if (startsWithIgnoreCase(lineStart, lineEnd, CONTENT_LENGTH)) {
                contentLength = parseLong(lineStart + CONTENT_LENGTH.length, lineEnd, 10);
            } else if (startsWithIgnoreCase(lineStart, lineEnd, TRANSFER_ENCODING)) {
                chunked = contains(lineStart, lineEnd, "chunked");
            } else if (startsWithIgnoreCase(lineStart, lineEnd, CONNECTION)) {
                closeAfter = contains(lineStart, lineEnd, "close");
            }
        }
        if (chunked) {
            long size;
            while ((size = chunkSize()) > 0) {
                skip(size);
                expectCrlf();
            }
            while (nextLine() != position - 2) {
                // trailers
            }
        } else if (contentLength >= 0) {
            skip(contentLength);
        } else {
            closeAfter = true; // body until the server closes
            while (fill()) {
                position = limit;
            }
        }
        if (closeAfter) {
            close();
        }
        return status;
    }

    private void open() throws IOException {
        Socket s = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(new InetSocketAddress(host, port), Math.min(timeoutMillis, 10_000));
            in = s.getInputStream();
            out = s.getOutputStream();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        position = 0;
        limit = 0;
    }

    private int statusLine() throws IOException {
        int start = nextLine();
        int end = position - 2;
        // "HTTP/1.1 200 OK"
        int space = indexOf(' ', start, end);
        if (end - space < 4 || buffer[start] != 'H') {
            throw new IOException("not an HTTP response: "
                    + new String(buffer, start, end - start, StandardCharsets.US_ASCII));
        }
        return (int) parseLong(space + 1, space + 4, 10);
    }

    private long chunkSize() throws IOException {
        int start = nextLine();
        int end = position - 2;
        return parseLong(start, indexOf(';', start, end), 16); // size[;extension]
    }

    /** The first position of b in [from, to) of the buffer, or to. */
    private int indexOf(char b, int from, int to) {
        int i = from;
        while (i < to && buffer[i] != b) {
            i++;
        }
        return i;
    }

    private void expectCrlf() throws IOException {
        int start = nextLine();
        if (start != position - 2) {
            throw new IOException("chunk not followed by CRLF");
        }
    }

    /**
     * Reads up to and including the next CRLF and returns where the line starts; the line ends
     * at {@code position - 2}. Unread bytes are moved to the front first, so a line always fits
     * unless it is longer than the buffer.
     */
    private int nextLine() throws IOException {
        int scan = position;
        while (true) {
            for (; scan + 1 < limit; scan++) {
                if (buffer[scan] == '\r' && buffer[scan + 1] == '\n') {
                    int start = position;
                    position = scan + 2;
                    return start;
                }
            }
            if (position > 0) {
                System.arraycopy(buffer, position, buffer, 0, limit - position);
                scan -= position;
                limit -= position;
                position = 0;
            }
            if (limit == buffer.length) {
                throw new IOException("response line longer than " + buffer.length + " bytes");
            }
            if (!fill()) {
                throw new EOFException("connection closed in the middle of a response");
            }
        }
    }

    private void skip(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            if (position == limit && !fill()) {
                throw new EOFException("connection closed " + left + " bytes before the end of the body");
            }
            int n = (int) Math.min(left, limit - position);
            position += n;
            left -= n;
        }
    }

    /** Appends what the socket has to the buffer (after compacting it when it is all consumed). */
    private boolean fill() throws IOException {
        if (position == limit) {
            position = 0;
            limit = 0;
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n < 0) {
            return false;
        }
        limit += n;
        return true;
    }

    private boolean startsWithIgnoreCase(int from, int to, byte[] lowerPrefix) {
        if (to - from < lowerPrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length; i++) {
            int b = buffer[from + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerPrefix[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean contains(int from, int to, String lowerWord) {
        return new String(buffer, from, to - from, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT)
                .contains(lowerWord);
    }

    private long parseLong(int from, int to, int radix) throws IOException {
        long value = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(buffer[i], radix);
            if (d < 0) {
                if (buffer[i] == ' ' || buffer[i] == '\t') {
                    if (digits == 0) {
                        continue;
                    }
                    break;
                }
                throw new IOException("bad number in response: "
                        + new String(buffer, from, to - from, StandardCharsets.US_ASCII));
            }
            value = value * radix + d;
            digits++;
        }
        if (digits == 0) {
            throw new IOException("missing number in response");
        }
        return value;
    }

    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        position = 0;
        limit = 0;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
