package io.ebpfagent.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IntObjectMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemoves() {
        IntObjectMap<Integer> map = new IntObjectMap<>(4);
        Map<Integer, Integer> ref = new HashMap<>();
        Random rnd = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            // small key space forces collisions, probe chains and backward shifts
            int key = rnd.nextInt(2000) - 100;
            switch (rnd.nextInt(3)) {
                case 0, 1 -> {
                    map.put(key, i);
                    ref.put(key, i);
                }
                default -> assertThat(map.remove(key)).isEqualTo(ref.remove(key));
            }
            if (i % 997 == 0) {
                for (int k = -100; k < 1900; k++) {
                    assertThat(map.get(k)).isEqualTo(ref.get(k));
                }
            }
        }
        assertThat(map.size()).isEqualTo(ref.size());
        int[] seen = {0};
        map.forEachValue(v -> seen[0]++);
        assertThat(seen[0]).isEqualTo(ref.size());
    }
}
