package io.ebpfagent.probes;

import java.util.Arrays;

/**
 * Tells which threads' map entries changed since the previous walk, from a signature of each
 * entry (a sum of counters that only grow, so any update of the entry changes it). A thread seen
 * for the first time counts as changed; threads absent from a walk are forgotten with it. Two
 * open-addressing tables, swapped at the end of each walk: no allocation once they have grown to
 * the number of threads. Not thread safe: one walk at a time.
 */
final class ChangeFilter {
    /** tid + 1 per slot, 0 for an empty slot (tid 0 is the idle task, never a JVM thread). */
    private int[] keys = new int[64];
    private long[] signatures = new long[64];
    private int[] nextKeys = new int[64];
    private long[] nextSignatures = new long[64];
    private int nextSize;

    /** Records {@code tid}'s signature for the next walk; true if it differs from the last walk's. */
    boolean changed(int tid, long signature) {
        int key = tid + 1;
        boolean changed = true;
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                changed = signatures[i] != signature;
                break;
            }
            if (keys[i] == 0) {
                break;
            }
        }
        if ((nextSize + 1) * 2 > nextKeys.length) {
            growNext();
        }
        put(nextKeys, nextSignatures, key, signature);
        nextSize++;
        return changed;
    }

    /** Ends a walk: what it recorded is what the next walk compares against. */
    void endWalk() {
        int[] k = keys;
        long[] s = signatures;
        keys = nextKeys;
        signatures = nextSignatures;
        if (k.length < keys.length) {
            k = new int[keys.length]; // keep both tables the size the threads need
            s = new long[keys.length];
        } else {
            Arrays.fill(k, 0);
        }
        nextKeys = k;
        nextSignatures = s;
        nextSize = 0;
    }

    private void growNext() {
        int[] oldKeys = nextKeys;
        long[] oldSignatures = nextSignatures;
        nextKeys = new int[oldKeys.length * 2];
        nextSignatures = new long[oldKeys.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(nextKeys, nextSignatures, oldKeys[i], oldSignatures[i]);
            }
        }
    }

    private static void put(int[] keys, long[] signatures, int key, long signature) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        signatures[i] = signature;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
