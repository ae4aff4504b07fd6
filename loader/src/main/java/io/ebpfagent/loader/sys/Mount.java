package io.ebpfagent.loader.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code mount(2)} and {@code /proc/self/mounts} lookups, for the pseudo file systems the
 * loader needs (bpffs for pinning, tracefs for tracepoint ids).
 */
public final class Mount {
    private static final int CLONE_NEWNS = 0x00020000;
    private static final long MS_REC = 16384;
    private static final long MS_PRIVATE = 1 << 18;

    private Mount() {
    }

    /** {@code mount(source, target, fsType, 0, NULL)}. */
    public static void mount(String source, Path target, String fsType) {
        try (Arena arena = Arena.ofConfined()) {
            long r = Native.syscall(SyscallNumbers.MOUNT, arena.allocateFrom(source).address(),
                    arena.allocateFrom(target.toString()).address(), arena.allocateFrom(fsType).address(), 0, 0);
            if (r < 0) {
                throw SyscallException.of("mount -t " + fsType + " " + source + " " + target, (int) -r);
            }
        }
    }

    /**
     * Gives the calling thread a mount namespace of its own, into which no mount or unmount
     * propagates in either direction ({@code unshare(CLONE_NEWNS)}, then {@code /} made private
     * recursively): what the thread mounts afterwards no other thread or process sees, and it
     * disappears with the thread. Needs CAP_SYS_ADMIN. Meant for a short-lived thread of its own.
     */
    public static void unshareMountNamespace() {
        try (Arena arena = Arena.ofConfined()) {
            long r = Native.syscall(SyscallNumbers.UNSHARE, CLONE_NEWNS, 0, 0, 0, 0);
            if (r < 0) {
                int errno = (int) -r;
                throw new SyscallException("unshare(CLONE_NEWNS)", errno,
                        SyscallException.defaultMessage("unshare(CLONE_NEWNS)", errno)
                                + (errno == Errno.EPERM.value() ? ": needs CAP_SYS_ADMIN" : ""));
            }
            r = Native.syscall(SyscallNumbers.MOUNT, 0, arena.allocateFrom("/").address(), 0,
                    MS_REC | MS_PRIVATE, 0);
            if (r < 0) {
                throw SyscallException.of("mount --make-rprivate /", (int) -r);
            }
        }
    }

    /** The file system type mounted exactly at {@code target}, per {@code /proc/self/mounts}. */
    public static Optional<String> typeAt(Path target) {
        String want = target.toAbsolutePath().normalize().toString();
        String found = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                // the last mount on a path hides the earlier ones
                if (f.length > 2 && unescape(f[1]).equals(want)) {
                    found = f[2];
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(found);
    }

    /** Mounts {@code fsType} at {@code target} unless it is there already; creates the directory. */
    public static void ensure(String fsType, Path target) {
        if (typeAt(target).filter(fsType::equals).isPresent()) {
            return;
        }
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create mount point " + target, e);
        }
        mount(fsType, target, fsType);
    }

    // /proc/mounts escapes space, tab, newline and backslash as octal
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
