package io.ebpfagent.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.ProfileProbe;
import io.ebpfagent.probes.SharedMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folded-stacks file of this JVM, with its perf map written in-process. */
class ProfileWriterTest {
    static volatile long sink;

    @TempDir
    Path tmp;

    @Test
    void writesFoldedStacksNamingTheBurningJavaMethod() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
        long pid = ProcessHandle.current().pid();
        Path perfMapFile = Path.of("/tmp/perf-" + pid + ".map");
        boolean existed = Files.exists(perfMapFile);
        Path out = tmp.resolve("sub/profile.folded");
        try (SharedMaps shared = SharedMaps.create();
             ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config((int) pid, 199, true, true), shared)) {
            AtomicInteger burner = new AtomicInteger();
            Thread t = Thread.ofPlatform().name("profile-writer-burner").start(() -> {
                burner.set(Integer.parseInt(readThreadSelf()));
                sink = burnInProfileWriterTest(1500);
            });
            t.join();
            // the perf map names the leaf frame even without -XX:+PreserveFramePointer in this JVM
            ProfileWriter writer = new ProfileWriter(probe, out,
                    tid -> tid == burner.get() ? "burner group" : "other", new JitPerfMap());
            int stacks = writer.writeOnce();
            List<String> lines = Files.readAllLines(out);
            assertTrue(stacks > 0 && lines.size() == stacks, stacks + " stacks, " + lines.size() + " lines");
            for (String l : lines) {
                assertTrue(l.matches("[^;\\n]+(;[^;\\n]+)* \\d+"), "folded line: " + l);
            }
            long named = lines.stream().filter(l -> l.startsWith("burner group;")
                    && l.contains("ProfileWriterTest.burnInProfileWriterTest_[j]"))
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertTrue(named >= 20, "samples naming the burning method: " + named + "\n" + String.join("\n",
                    lines.stream().limit(30).toList()));
            try (var left = Files.list(out.getParent())) {
                assertEquals(List.of(out), left.toList(), "nothing but the output is left in its directory");
            }
            assertEquals(ReplaceFile.MODE, Files.getPosixFilePermissions(out));
            writer.cleanUp();
            if (!existed) {
                assertFalse(Files.exists(perfMapFile), "the perf map the writer created is removed");
            }
        }
    }

    /**
     * A local user plants {@code <output>.tmp} as a symbolic link to a file of root's in a sticky,
     * world-writable directory (as /tmp is): the root JVM's writer must neither truncate nor
     * overwrite that file, and still write its output.
     */
    @Test
    void aLinkPlantedByAnotherUserIsNeverFollowed() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (and the user nobody)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        run("chmod", "+t", shared.toString());
        Path target = tmp.resolve("root-owned");
        Files.writeString(target, "root's data\n");
        Path out = shared.resolve("profile.folded");
        // the links are made by the unprivileged user, not by root
        asNobody("ln", "-s", target.toString(), out.resolveSibling("profile.folded.tmp").toString());
        assertEquals("65534", Files.getAttribute(out.resolveSibling("profile.folded.tmp"), "unix:uid",
                LinkOption.NOFOLLOW_LINKS).toString());
        long pid = ProcessHandle.current().pid();
        try (SharedMaps maps = SharedMaps.create();
             ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config((int) pid, 49, true, true), maps)) {
            ProfileWriter writer = new ProfileWriter(probe, out, tid -> "group", null);
            writer.writeOnce();
            assertEquals("root's data\n", Files.readString(target), "the link's target is untouched");
            assertTrue(Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS), "the output is written");
            assertEquals(ReplaceFile.MODE, Files.getPosixFilePermissions(out));

            // a link at the output's own name is refused, not followed
            Path linkedOut = shared.resolve("linked.folded");
            asNobody("ln", "-s", target.toString(), linkedOut.toString());
            ProfileWriter linked = new ProfileWriter(probe, linkedOut, tid -> "group", null);
            IOException refused = assertThrows(IOException.class, linked::writeOnce);
            assertTrue(refused.getMessage().contains("symbolic link"), refused.getMessage());
            assertEquals("root's data\n", Files.readString(target));
            assertTrue(Files.isSymbolicLink(linkedOut));
        }
    }

    /**
     * A write that keeps failing (here: a link in the way) is one WARN line, not one per
     * interval; a write that works again says so once.
     */
    @Test
    void aFailureThatRepeatsIsLoggedOnce() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the profile probe needs root");
        Path out = tmp.resolve("profile.folded");
        Files.createSymbolicLink(out, tmp.resolve("elsewhere"));
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        io.ebpfagent.agent.log.AgentLog.setOutput(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        long pid = ProcessHandle.current().pid();
        try (SharedMaps maps = SharedMaps.create();
             ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config((int) pid, 49, true, true), maps)) {
            ProfileWriter writer = new ProfileWriter(probe, out, tid -> "group", null);
            for (int i = 0; i < 5; i++) {
                writer.run();
            }
            Files.delete(out);
            writer.run();
            writer.run();
        } finally {
            io.ebpfagent.agent.log.AgentLog.setOutput(System.err);
        }
        List<String> lines = log.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("profile: writing")).toList();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("[ebpf-agent] WARN profile: writing " + out + " failed: ")
                && lines.get(0).contains("symbolic link"), lines.get(0));
        assertEquals("[ebpf-agent] INFO profile: writing " + out + " works again", lines.get(1));
        assertTrue(Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS));
    }

    /** On a full file system the write fails and leaves no temporary file behind. */
    @Test
    void aFullFileSystemLeavesNoTemporaryFile() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounts a small tmpfs: needs root");
        Path small = Files.createDirectory(tmp.resolve("small"));
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small.toString());
        try {
            Path filler = small.resolve("filler");
            try (var outStream = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                while (true) {
                    outStream.write(block);
                    outStream.flush();
                }
            } catch (IOException full) {
                // the file system is full now
            }
            long pid = ProcessHandle.current().pid();
            Path out = small.resolve("profile.folded");
            try (SharedMaps maps = SharedMaps.create();
                 ProfileProbe probe = ProfileProbe.start(new ProfileProbe.Config((int) pid, 999, true, true), maps)) {
                sink = burnInProfileWriterTest(300); // some samples, so the file has content to write
                ProfileWriter writer = new ProfileWriter(probe, out, tid -> "a-thread-group-name-of-some-length", null);
                assertThrows(IOException.class, writer::writeOnce);
                writer.run(); // logged, not thrown
            }
            try (var left = Files.list(small)) {
                assertEquals(List.of(filler), left.toList(), "only the filler is left");
            }
        } finally {
            run("umount", small.toString());
        }
    }

    private static void asNobody(String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--"));
        cmd.addAll(List.of(command));
        run(cmd.toArray(String[]::new));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
    }

    private static String readThreadSelf() {
        try {
            String s = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            return s.substring(s.lastIndexOf('/') + 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Burns CPU in its own loop (OSR-compiled soon), checking the clock rarely so samples land here. */
    private static long burnInProfileWriterTest(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        long x = 1;
        while (true) {
            for (int i = 0; i < 1_000_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                x ^= x >>> 29;
            }
            if (System.nanoTime() > end) {
                return x;
            }
        }
    }
}
