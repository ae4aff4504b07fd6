package io.ebpfagent.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The path of a file descriptor of this process, for the file spans: the kernel event carries
 * the descriptor and the inode number it referred to when the call returned, and this resolves
 * it through {@code /proc/self/fd/<fd>} a few milliseconds later. The descriptor may have been
 * closed, or closed and reused for another file, by then: the inode of the link's target must
 * match, else the path is unknown ({@code null}) rather than wrong.
 *
 * <p>Slow file calls repeat on the same few files (a log, a journal): a small cache keyed by
 * (descriptor, inode) saves the readlink and stat. A reused descriptor with another file has
 * another inode and misses it; a renamed file keeps its cached name until evicted. Runs on the
 * single event thread only.
 */
final class DescriptorPaths {
    private static final int CAPACITY = 256;
    private final Path fdDir;
    private final Map<Key, String> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, String> eldest) {
            return size() > CAPACITY;
        }
    };

    private record Key(int fd, long inode) {
    }

    DescriptorPaths() {
        this(Path.of("/proc/self/fd"));
    }

    DescriptorPaths(Path fdDir) {
        this.fdDir = fdDir;
    }

    /** The path of {@code fd} if it still refers to {@code inode}; {@code null} otherwise. */
    String path(int fd, long inode) {
        if (fd < 0 || inode == 0) {
            return null;
        }
        Key key = new Key(fd, inode);
        String cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        Path link = fdDir.resolve(Integer.toString(fd));
        try {
            // the same inode before and after the readlink: the link did not change in between
            if (!sameInode(link, inode)) {
                return null;
            }
            Path target = Files.readSymbolicLink(link);
            if (!sameInode(link, inode)) {
                return null;
            }
            String path = target.toString();
            if (path.isEmpty() || path.charAt(0) != '/') {
                return null; // "anon_inode:[...]", "pipe:[...]": not a file
            }
            cache.put(key, path);
            return path;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return null; // closed since: the span goes without a path
        }
    }

    private static boolean sameInode(Path link, long inode) throws IOException {
        return Files.getAttribute(link, "unix:ino") instanceof Long l && l == inode;
    }
}
