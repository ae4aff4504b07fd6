package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.LoaderException;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random damage to real objects: reading either succeeds or fails with a LoaderException
 * (never an IndexOutOfBoundsException, NullPointerException or the like). Deterministic seeds.
 */
class CorruptionFuzzTest {

    @ParameterizedTest
    @ValueSource(strings = {"minimal.bpf.o", "multi.bpf.o", "mapinmap.bpf.o", "kconfig.bpf.o", "corelink.bpf.o", "legacy.bpf.o", "globals.bpf.o", "core.bpf.o"})
    void randomDamageFailsCleanly(String object) {
        byte[] original = TestObjects.bytes(object);
        Random random = new Random(object.hashCode());
        int failures = 0;
        for (int round = 0; round < 1500; round++) {
            byte[] b = original.clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(b.length);
                b[at] = random.nextInt(3) == 0 ? (byte) 0xff : (byte) random.nextInt(256);
            }
            try {
                CollectionSpec.load(b, object);
            } catch (LoaderException expected) {
                failures++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                throw new AssertionError("round " + round + " of " + object + ": " + e, e);
            }
        }
        assertThat(failures).isPositive();
    }
}
