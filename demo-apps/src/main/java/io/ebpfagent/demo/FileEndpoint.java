package io.ebpfagent.demo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * {@code /file?kb=256}: writes kb KiB of pseudo-random bytes to a fresh temp file through a
 * FileChannel, fsyncs, reads the file back, checks the checksum and deletes it: write(2),
 * fsync(2), read(2), unlink(2) on the worker thread.
 */
public final class FileEndpoint implements Endpoint {
    private static final int CHUNK = 64 * 1024;
    private final Path directory;

    public FileEndpoint(Path directory) {
        this.directory = directory;
    }

    @Override
    public String path() {
        return "/file";
    }

    @Override
    public Json handle(Query query) throws IOException {
        long kb = query.longParam("kb", 256, 0, 1024 * 1024);
        long size = kb * 1024;
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        SplittableRandom random = new SplittableRandom(System.nanoTime());
        CRC32C writtenCrc = new CRC32C();
        CRC32C readCrc = new CRC32C();
        long written = 0;
        long read = 0;
        long fsyncNanos;
        Path file = Files.createTempFile(directory, "demo-file-", ".bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            while (written < size) {
                buffer.clear();
                int n = (int) Math.min(CHUNK, size - written);
                for (int i = 0; i < n; i += 8) {
                    buffer.putLong(i, random.nextLong());
                }
                buffer.limit(n);
                writtenCrc.update(buffer.duplicate());
                while (buffer.hasRemaining()) {
                    written += channel.write(buffer);
                }
            }
            long beforeSync = System.nanoTime();
            channel.force(true);
            fsyncNanos = System.nanoTime() - beforeSync;
            channel.position(0);
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                buffer.flip();
                readCrc.update(buffer);
                read += n;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        if (read != written || readCrc.getValue() != writtenCrc.getValue()) {
            throw new IOException("read back " + read + " bytes with crc " + readCrc.getValue()
                    + ", wrote " + written + " with crc " + writtenCrc.getValue());
        }
        return new Json()
                .put("requested_kb", kb)
                .put("bytes_written", written)
                .put("bytes_read", read)
                .put("fsync_ms", fsyncNanos / 1e6)
                .put("crc32c", Long.toHexString(writtenCrc.getValue()))
                .put("deleted", !Files.exists(file));
    }
}
