package io.ebpfagent.agent.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Replaces a file's content atomically without ever writing through a name someone else could
 * have placed: the new content goes to a fresh file of a random name in the target's directory,
 * created exclusively ({@code O_CREAT|O_EXCL}, which never follows a symbolic link) with mode
 * 0600, written through the descriptor that created it, then renamed over the target (a rename
 * replaces a symbolic link at the target, it does not follow it). A root JVM writing into a
 * world-writable directory such as {@code /tmp} can therefore not be made to truncate or
 * overwrite another file by a link planted there. On any failure the temporary file is removed.
 */
final class ReplaceFile {
    static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> MODE_ATTRIBUTE = PosixFilePermissions.asFileAttribute(MODE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ReplaceFile() {
    }

    /** Replaces {@code target} with {@code content} (UTF-8). */
    static void write(Path target, CharSequence content) throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        if (Files.isSymbolicLink(file) || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            // a rename would replace the link or fail on the directory; say what is in the way
            throw new IOException(file + " is a " + (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)
                    ? "directory" : "symbolic link") + "; not replacing it");
        }
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        Path tmp = dir.resolve("." + file.getFileName() + "." + HexFormat.of().formatHex(random) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), MODE_ATTRIBUTE)) {
                ByteBuffer bytes = StandardCharsets.UTF_8.encode(content.toString());
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            // readers never see a half-written file
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
