package io.ebpfagent.agent.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean" for misspelt keys and values: the closest candidate within a small edit distance. */
final class Suggestions {
    /** Longer inputs get no suggestion: the distance table grows with the product of the lengths. */
    static final int MAX_INPUT = 200;

    private Suggestions() {
    }

    static Optional<String> closest(String input, Collection<String> candidates) {
        if (input.length() > MAX_INPUT) {
            return Optional.empty(); // nobody misspells a key by hundreds of characters
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            if (candidate.length() > MAX_INPUT) {
                continue;
            }
            int distance = distance(input, candidate);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        int limit = Math.max(2, input.length() / 4);
        return bestDistance <= limit ? Optional.ofNullable(best) : Optional.empty();
    }

    /** Levenshtein distance, with an adjacent transposition counting as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
