package io.ebpfagent.otel.internal;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Open-addressing map from int keys (tids, syscall numbers) to objects: a lookup neither boxes
 * nor allocates, unlike {@code HashMap<Integer, V>}.
 */
final class IntObjectMap<V> {
    private static final int FREE = Integer.MIN_VALUE;

    private int[] keys;
    private Object[] values;
    private int size;

    IntObjectMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new int[cap];
        Arrays.fill(keys, FREE);
        values = new Object[cap];
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        checkKey(key);
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == FREE) {
                return null;
            }
        }
    }

    void put(int key, V value) {
        checkKey(key);
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == FREE) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    V remove(int key) {
        checkKey(key);
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == FREE) {
                return null;
            }
            if (k == key) {
                V old = (V) values[i];
                deleteAt(i);
                return old;
            }
        }
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    void forEachValue(Consumer<? super V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != FREE) {
                action.accept((V) values[i]);
            }
        }
    }

    /** Backward-shift deletion keeps probe chains intact without tombstones. */
    private void deleteAt(int slot) {
        int mask = keys.length - 1;
        int hole = slot;
        int i = slot;
        while (true) {
            i = (i + 1) & mask;
            int k = keys[i];
            if (k == FREE) {
                break;
            }
            int home = mix(k) & mask;
            // move k into the hole if its home is not cyclically within (hole, i]
            boolean between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!between) {
                keys[hole] = k;
                values[hole] = values[i];
                hole = i;
            }
        }
        keys[hole] = FREE;
        values[hole] = null;
        size--;
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        Arrays.fill(keys, FREE);
        values = new Object[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                put(oldKeys[i], (V) oldValues[i]);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static void checkKey(int key) {
        if (key == FREE) {
            throw new IllegalArgumentException("reserved key " + key);
        }
    }
}
