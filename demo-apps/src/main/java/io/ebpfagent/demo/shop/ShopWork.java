package io.ebpfagent.demo.shop;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The pieces of work the shop's requests are made of, each one a different reason for a request
 * thread to spend its time: computing, waiting for a contended lock, sleeping, waiting for a disk
 * flush, waiting for a downstream HTTP service, and waiting for work handed to a pool.
 */
final class ShopWork {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int JOURNAL_BYTES = 16 * 1024;

    /** The one stock ledger every checkout updates: concurrent checkouts queue on its monitor. */
    private final Object stockLedger = new Object();
    private final ExecutorService pricing = Executors.newFixedThreadPool(4,
            Thread.ofPlatform().name("pricing-", 1).daemon().factory());
    private final Path journalDir;
    private volatile URI inventoryBase;

    ShopWork(Path journalDir) {
        this.journalDir = journalDir;
    }

    /** Where {@link #callInventory} sends its requests (this service's own {@code /inventory}). */
    void inventoryAt(URI base) {
        this.inventoryBase = base;
    }

    /**
     * Burns {@code ms} of this thread's CPU time (not wall time: a thread that waits for a CPU
     * still does the full amount of work), returning a digest so the JIT keeps the work.
     */
    static long burnCpu(double ms) {
        long until = THREADS.getCurrentThreadCpuTime() + (long) (ms * 1_000_000);
        MessageDigest sha = sha256();
        byte[] block = new byte[1024];
        long rounds = 0;
        do {
            for (int i = 0; i < 16; i++) {
                sha.update(block);
                byte[] d = sha.digest();
                System.arraycopy(d, 0, block, (int) (rounds++ % (block.length - d.length)), d.length);
            }
        } while (THREADS.getCurrentThreadCpuTime() < until);
        return block[0] + rounds;
    }

    /**
     * Builds and drops an order document of {@code kib} KiB in 64 KiB pieces (below G1's humongous
     * size at this heap, so they fill the young generation): the garbage that makes the shop's JVM
     * collect while requests run, so GC pauses stop requests during a demo of a few seconds.
     * Returns a value read from the pieces so the JIT keeps the allocations.
     */
    static long buildOrderDocument(int kib) {
        long sum = 0;
        for (int i = 0; i < kib / 64; i++) {
            byte[] piece = new byte[64 * 1024];
            piece[i % piece.length] = (byte) i;
            piece[piece.length - 1] = (byte) (i >>> 8);
            sum += piece[i % piece.length] + piece[piece.length - 1];
        }
        return sum;
    }

    /** Holds the stock ledger's monitor for {@code holdMs}: under concurrency, the others wait. */
    void reserveStock(long holdMs) throws InterruptedException {
        synchronized (stockLedger) {
            Thread.sleep(holdMs);
        }
    }

    /** Appends an order record to a journal file and forces it to the device (write + fsync). */
    void journal(int bytes) throws IOException {
        Path file = journalDir.resolve("orders-" + Thread.currentThread().threadId() + ".journal");
        byte[] record = new byte[Math.max(bytes, 1)];
        ThreadLocalRandom.current().nextBytes(record);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(record);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    void journal() throws IOException {
        journal(JOURNAL_BYTES);
    }

    /**
     * Asks the inventory service over HTTP, with a blocking {@link HttpURLConnection} on this
     * thread (so the wait is this thread's network wait): the OpenTelemetry Java agent makes the
     * call a CLIENT span and propagates the trace to the server side.
     */
    int callInventory(long sku) throws IOException {
        URI base = inventoryBase;
        HttpURLConnection c = (HttpURLConnection) base.resolve("/inventory?sku=" + sku).toURL().openConnection();
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        if (status != 200) {
            throw new IOException("inventory answered " + status);
        }
        return status;
    }

    /**
     * Prices the cart on the pricing pool and waits for it: the OpenTelemetry Java agent carries
     * the request's context into the task, so the pool thread's time belongs to the request.
     */
    long priceOnPool(double cpuMs, long sleepMs) throws Exception {
        Future<Long> price = pricing.submit(() -> {
            long v = burnCpu(cpuMs);
            Thread.sleep(sleepMs);
            return v;
        });
        return price.get();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
