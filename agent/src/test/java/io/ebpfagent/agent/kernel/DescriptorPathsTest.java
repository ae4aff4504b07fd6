package io.ebpfagent.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorPathsTest {
    @TempDir
    Path dir;

    /** The descriptor of an open stream, from /proc/self/fd (the JDK does not expose it). */
    private static int fdOf(Path file) throws Exception {
        try (var links = Files.list(Path.of("/proc/self/fd"))) {
            for (Path link : links.toList()) {
                try {
                    if (Files.readSymbolicLink(link).equals(file)) {
                        return Integer.parseInt(link.getFileName().toString());
                    }
                } catch (java.io.IOException gone) {
                    // the directory stream's own descriptor
                }
            }
        }
        return -1;
    }

    @Test
    void openDescriptorResolvesToItsPathOnlyWithItsInode() throws Exception {
        Path a = Files.writeString(dir.resolve("a.log"), "a");
        Path b = Files.writeString(dir.resolve("b.log"), "b");
        long inodeA = (Long) Files.getAttribute(a, "unix:ino");
        long inodeB = (Long) Files.getAttribute(b, "unix:ino");
        DescriptorPaths paths = new DescriptorPaths();
        int fd;
        try (FileInputStream in = new FileInputStream(a.toFile())) {
            fd = fdOf(a);
            assertThat(fd).isPositive();
            assertThat(paths.path(fd, inodeA)).isEqualTo(a.toString());
            // the kernel saw another file behind this descriptor: no path rather than a wrong one
            assertThat(paths.path(fd, inodeB)).isNull();
        }
        // closed: served from the cache only while (fd, inode) still match what was resolved
        assertThat(paths.path(fd, inodeA)).isEqualTo(a.toString());
        DescriptorPaths fresh = new DescriptorPaths();
        try (var ch = Files.newByteChannel(b, StandardOpenOption.READ)) {
            int fdB = fdOf(b);
            assertThat(fresh.path(fdB, inodeA)).isNull();
            assertThat(fresh.path(fdB, inodeB)).isEqualTo(b.toString());
        }
        assertThat(fresh.path(-1, inodeA)).isNull();
        assertThat(fresh.path(fd, 0)).isNull();
    }
}
