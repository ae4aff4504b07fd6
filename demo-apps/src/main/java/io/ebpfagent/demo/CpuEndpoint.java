package io.ebpfagent.demo;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * {@code /cpu?ms=50}: SHA-256 chained over a 1 KiB block until ms of wall time have passed;
 * {@code /cpu?rounds=500}: exactly that many rounds instead. A benchmark needs the fixed amount of
 * work: a wall-time burn does less work when the CPU is contended, which hides any overhead that
 * takes CPU away from it.
 */
public final class CpuEndpoint implements Endpoint {
    private static final int BLOCK = 1024;

    @Override
    public String path() {
        return "/cpu";
    }

    @Override
    public Json handle(Query query) throws Exception {
        long ms = query.longParam("ms", 50, 0, 60_000);
        long rounds = query.longParam("rounds", 0, 0, 10_000_000);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[BLOCK];
        byte[] digest = new byte[0];
        long start = System.nanoTime();
        long deadline = start + ms * 1_000_000L;
        long iterations = 0;
        // Feeding each digest into the next block makes every round depend on the previous one,
        // so the JIT cannot drop or reorder the work.
        do {
            sha.update(block);
            digest = sha.digest();
            System.arraycopy(digest, 0, block, (int) (iterations % (BLOCK - digest.length)), digest.length);
            iterations++;
        } while (rounds > 0 ? iterations < rounds : System.nanoTime() < deadline);
        Json result = rounds > 0 ? new Json().put("requested_rounds", rounds) : new Json().put("requested_ms", ms);
        return result
                .put("burned_ms", (System.nanoTime() - start) / 1e6)
                .put("sha256_rounds", iterations)
                .put("digest", HexFormat.of().formatHex(digest, 0, 8));
    }
}
