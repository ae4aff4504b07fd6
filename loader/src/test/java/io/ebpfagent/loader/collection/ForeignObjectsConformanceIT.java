package io.ebpfagent.loader.collection;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.btf.Btf;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.programs.VerifierException;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conformance with libbpf on objects nobody here wrote: every eBPF object of Debian's
 * libbpf-tools (embedded in its executables), libxdp1 and xdp-tools. Each program is loaded on
 * its own (the object's other programs not loaded, as the tools switch variants off), once by
 * this loader and once by libbpf through a small C program compiled here against the installed
 * libbpf-dev; both must succeed or both fail, and where both succeed the kernel's program tags
 * (a hash of the instructions the kernel accepted) must be equal.
 *
 * <p>The packages are installed by {@code ./run test} and {@code .ci/run}
 * ({@code scripts/test-packages.sh}); a missing package fails the test rather than skipping it.
 * Programs the kernel cannot run here (kprobes, fentry: see docs) fail on both sides and still
 * count: their outcome has to agree too.
 */
class ForeignObjectsConformanceIT {
    static final List<String> PACKAGES = List.of("libbpf-tools", "libxdp1", "xdp-tools");

    /**
     * Objects or programs ({@code object} or {@code object/program}) this loader deliberately
     * loads where libbpf refuses, with the reason. Empty when the two agree everywhere.
     */
    static final Map<String, String> ACCEPTS_MORE = Map.of(
            "iproute2_maps.bpf.o", "libbpf 1.x refuses every legacy 'maps' section (ENOTSUP); this loader reads"
                    + " struct bpf_map_def and iproute2's struct bpf_elf_map as libbpf 0.x and tc did");

    /**
     * Objects both refuse, with the reason; checked so that a fix on one side shows up.
     * Programs refused by both for other reasons (kprobes and fentry are not available on every
     * kernel; tools that size maps at run time) are counted, not listed.
     */
    static final Map<String, String> BOTH_REFUSE = Map.of(
            "legacy_defaults.bpf.o", "libbpf 1.x refuses the legacy 'maps' section (ENOTSUP); this loader reads it"
                    + " but cannot create the legacy map-in-map, which names no inner map");

    @TempDir
    Path work;

    @Test
    void everyProgramLoadsWithLibbpfsOutcomeAndTag() throws Exception {
        Map<String, byte[]> objects = collectObjects();
        assertThat(objects).as("objects found in %s", PACKAGES).hasSizeGreaterThan(60);
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : objects.entrySet()) {
            Path f = work.resolve(e.getKey());
            Files.write(f, e.getValue());
            files.add(f);
        }
        Path harness = compileHarness();
        // maps pinned by name (xdp-filter's) go to directories of this test, one per side
        Path bpffs = Path.of("/sys/fs/bpf");
        assertThat(Files.isDirectory(bpffs) && Files.isWritable(bpffs)).as("bpffs at %s (scripts/kernel-fs.sh)", bpffs).isTrue();
        Path ourPins = Files.createTempDirectory(bpffs, "conformance-java");
        Path theirPins = Files.createTempDirectory(bpffs, "conformance-libbpf");
        Map<String, String> ours = new TreeMap<>();
        Map<String, String> theirs;
        try {
            // libbpf's side runs while this JVM does its own: the two do not interfere (separate maps and programs)
            CompletableFuture<Map<String, String>> reference =
                    CompletableFuture.supplyAsync(() -> runHarness(harness, theirPins, files));
            Btf kernel = Btf.kernel();
            CollectionOptions options = CollectionOptions.DEFAULT.withTargetBtf(kernel).withPinPath(ourPins);
            for (Map.Entry<String, byte[]> e : objects.entrySet()) ours.putAll(loadEach(e.getKey(), e.getValue(), options));
            theirs = reference.get(15, TimeUnit.MINUTES);
        } finally {
            removePins(ourPins);
            removePins(theirPins);
        }

        // an object one side cannot open fails every program the other side found in it
        expandOpenFailures(theirs, ours);
        expandOpenFailures(ours, theirs);
        List<String> mismatches = new ArrayList<>();
        List<String> acceptedMore = new ArrayList<>();
        int bothOk = 0, bothFail = 0;
        Set<String> all = new java.util.TreeSet<>(theirs.keySet());
        all.addAll(ours.keySet());
        for (String key : all) {
            String a = ours.getOrDefault(key, "MISSING");
            String b = theirs.getOrDefault(key, "MISSING");
            boolean okA = a.startsWith("OK"), okB = b.startsWith("OK");
            if (okA && okB && a.equals(b)) bothOk++;
            else if (!okA && !okB && !a.equals("MISSING") && !b.equals("MISSING")) bothFail++;
            else if (okA && !okB && reason(key) != null) acceptedMore.add(key + ": " + reason(key));
            else mismatches.add(key + ": this loader " + a + " | libbpf " + b);
        }
        System.out.printf("conformance: %d objects, %d programs: %d loaded by both with equal tags, %d refused by both,"
                + " %d loaded here only (documented)%n", objects.size(), all.size(), bothOk, bothFail, acceptedMore.size());
        acceptedMore.forEach(s -> System.out.println("  accepted here only: " + s));
        // why both refuse, by this loader's reason (kprobes and fentry do not run on every kernel)
        Map<String, Integer> refusals = new TreeMap<>();
        for (String key : all) {
            String a = ours.getOrDefault(key, "");
            if (a.startsWith("FAIL") && !theirs.getOrDefault(key, "").startsWith("OK")) {
                String why = a.replaceAll("'[^']*'", "'…'").replaceAll("\\d+", "N");
                refusals.merge(why.substring(0, Math.min(110, why.length())), 1, Integer::sum);
            }
        }
        refusals.forEach((why, n) -> System.out.printf("  refused by both (%d): %s%n", n, why));
        assertThat(mismatches).as("programs whose outcome or tag differs from libbpf's").isEmpty();
        assertThat(bothOk).as("programs both load (a kernel refusing everything proves nothing)").isGreaterThan(200);
        List<String> stale = new ArrayList<>();
        for (String k : ACCEPTS_MORE.keySet()) {
            boolean used = acceptedMore.stream().anyMatch(s -> s.startsWith(k + "/") || s.startsWith(k + ":"));
            if (!used) stale.add(k);
        }
        assertThat(stale).as("ACCEPTS_MORE entries that no longer differ").isEmpty();
        for (String object : BOTH_REFUSE.keySet()) {
            List<String> loaded = all.stream().filter(k -> k.startsWith(object + "/"))
                    .filter(k -> ours.getOrDefault(k, "").startsWith("OK") || theirs.getOrDefault(k, "").startsWith("OK"))
                    .toList();
            assertThat(loaded).as("%s is listed as refused by both (%s)", object, BOTH_REFUSE.get(object)).isEmpty();
        }
    }

    /** Replaces {@code object/*} open failures in {@code failed} by one entry per program {@code other} lists. */
    private static void expandOpenFailures(Map<String, String> failed, Map<String, String> other) {
        for (String key : List.copyOf(failed.keySet())) {
            if (!key.endsWith("/*")) continue;
            String prefix = key.substring(0, key.length() - 1);
            List<String> programs = other.keySet().stream().filter(k -> k.startsWith(prefix) && !k.endsWith("/*")).toList();
            if (programs.isEmpty()) continue;
            String why = failed.remove(key);
            programs.forEach(k -> failed.put(k, why));
        }
    }

    private static String reason(String key) {
        String r = ACCEPTS_MORE.get(key);
        return r != null ? r : ACCEPTS_MORE.get(key.substring(0, key.indexOf('/')));
    }

    /** This repository's test objects for the libbpf behaviours of LibbpfParityTest, checked here against libbpf itself. */
    static final List<String> PARITY_OBJECTS = List.of("virtual_kconfig.bpf.o", "custom_sections.bpf.o",
            "weak_ksym.bpf.o", "missing_kfunc.bpf.o", "legacy_defaults.bpf.o", "iproute2_maps.bpf.o");

    /** Object name → ELF bytes, for every object of the packages (and the parity test objects). */
    static Map<String, byte[]> collectObjects() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        for (String name : PARITY_OBJECTS) out.put(name, TestObjects.bytes(name));
        for (String pkg : PACKAGES) {
            List<Path> files = ForeignObjects.packageFiles(pkg);
            assertThat(files).as("package %s is not installed (scripts/test-packages.sh installs it)", pkg).isNotEmpty();
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".o")) {
                    byte[] b = Files.readAllBytes(f);
                    if (b.length > 20 && b[18] == (byte) ForeignObjects.EM_BPF) out.put(name, b);
                } else if (f.startsWith("/usr/sbin") || f.startsWith("/usr/bin")) {
                    List<byte[]> images = ForeignObjects.embeddedObjects(f);
                    for (int i = 0; i < images.size(); i++) {
                        out.put(name + (i == 0 ? "" : "." + i) + ".bpf.o", images.get(i));
                    }
                }
            }
        }
        return out;
    }

    /** Program key ({@code object/program}) → "OK tag" or "FAIL reason", one load per program. */
    private static Map<String, String> loadEach(String object, byte[] bytes, CollectionOptions options) {
        Map<String, String> out = new LinkedHashMap<>();
        CollectionSpec spec;
        try {
            spec = CollectionSpec.load(bytes, object);
        } catch (RuntimeException e) {
            out.put(object + "/*", "FAIL open: " + e.getMessage());
            return out;
        }
        // the tools' own setup before load, done the same way by the libbpf side: maps declared
        // with max_entries 0 are sized at run time (perf event arrays are left to the loader)
        spec.maps().replaceAll((name, m) -> m.maxEntries() != 0 || m.type() == MapType.PERF_EVENT_ARRAY ? m
                : m.withMaxEntries(m.type() == MapType.RINGBUF ? 256 * 1024 : 1024));
        for (String program : spec.programs().keySet()) {
            CollectionSpec one = spec.copy();
            one.programs().keySet().retainAll(Set.of(program));
            try (Collection c = Collection.load(one, options)) {
                Program p = c.program(program);
                out.put(object + "/" + program, "OK " + p.tag());
            } catch (VerifierException e) {
                out.put(object + "/" + program, "FAIL verifier errno " + e.errno());
            } catch (SyscallException e) {
                out.put(object + "/" + program, "FAIL " + e.getMessage());
            } catch (RuntimeException e) {
                out.put(object + "/" + program, "FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static void removePins(Path dir) throws IOException {
        try (var pinned = Files.list(dir)) {
            for (Path p : pinned.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    private Path compileHarness() throws IOException, InterruptedException {
        Path src = Path.of("src/test/c/libbpf_load.c").toAbsolutePath();
        Path exe = work.resolve("libbpf_load");
        Process p = new ProcessBuilder("cc", "-O1", "-Wall", "-Werror", "-o", exe.toString(), src.toString(), "-lbpf")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0)
                .as("compiling %s against libbpf-dev: %s", src, out).isTrue();
        return exe;
    }

    /** Program key → "OK tag" or "FAIL errno", as libbpf loads them. */
    private static Map<String, String> runHarness(Path exe, Path pins, List<Path> files) {
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.add(pins.toString());
        files.forEach(f -> cmd.add(f.toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("libbpf harness failed (exit " + p.exitValue() + "): " + out);
            }
            Map<String, String> result = new TreeMap<>();
            for (String line : out.split("\n")) {
                String[] f = line.split(" ");
                if (f.length >= 4 && f[0].equals("OPEN")) {
                    result.put(Path.of(f[1]).getFileName() + "/*", "FAIL open errno " + f[3]);
                } else if (f.length >= 5 && f[0].equals("PROG")) {
                    String key = Path.of(f[1]).getFileName() + "/" + f[2];
                    result.put(key, f[3].equals("OK") ? "OK " + f[4] : "FAIL errno " + f[4]);
                }
            }
            return result;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
