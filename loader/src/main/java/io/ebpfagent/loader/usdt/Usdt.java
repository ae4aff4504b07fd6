package io.ebpfagent.loader.usdt;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.link.BpfLink;
import io.ebpfagent.loader.link.Link;
import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.link.MultiLink;
import io.ebpfagent.loader.link.UprobeOptions;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfInfo;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attaches programs written with libbpf's {@code BPF_USDT()} macro to USDT probes, the way
 * libbpf does: each distinct argument layout becomes a spec in the program's
 * {@code __bpf_usdt_specs} array, and every probe location gets a uprobe whose BPF cookie is
 * the spec id. Without BPF cookies the BPF side finds the spec by instruction pointer in
 * {@code __bpf_usdt_ip_to_spec_id}, which is filled when a process id is given.
 */
public final class Usdt {
    /** Spec ids in use per specs map (by kernel map id), shared by all attachments. */
    private static final Map<Integer, BitSet> USED_IDS = new HashMap<>();

    private Usdt() {
    }

    /**
     * Attaches {@code program} to every location of {@code provider:name} in {@code binary}.
     *
     * @param specs    the program's {@code __bpf_usdt_specs} map
     * @param ipToSpec the program's {@code __bpf_usdt_ip_to_spec_id} map, or null
     * @param pid      only this process, or -1 for every process using the binary
     * @return one link over all locations; closing it frees the spec ids
     */
    public static MultiLink attach(FileDescriptor program, FileDescriptor specs, FileDescriptor ipToSpec, Path binary,
                                   String provider, String name, int pid) {
        return attach(program, specs, ipToSpec, binary, provider, name, pid, 0);
    }

    /**
     * {@link #attach(FileDescriptor, FileDescriptor, FileDescriptor, Path, String, String, int)} with
     * loaded objects; {@code ipToSpec} may be null.
     */
    public static MultiLink attach(io.ebpfagent.loader.programs.Program program, io.ebpfagent.loader.maps.BpfMap specs,
                                   io.ebpfagent.loader.maps.BpfMap ipToSpec, Path binary, String provider, String name,
                                   int pid) {
        return attach(program.fd(), specs.fd(), ipToSpec == null ? null : ipToSpec.fd(), binary, provider, name, pid, 0);
    }

    /** Like {@link #attach(FileDescriptor, FileDescriptor, FileDescriptor, Path, String, String, int)} with a {@code bpf_usdt_cookie()} value. */
    public static MultiLink attach(FileDescriptor program, FileDescriptor specs, FileDescriptor ipToSpec, Path binary,
                                   String provider, String name, int pid, long usdtCookie) {
        List<UsdtProbe> probes = UsdtNotes.find(binary, provider, name);
        if (probes.isEmpty()) {
            throw new LoaderException("no USDT probe " + provider + ":" + name + " in " + binary);
        }
        int specsMapId = mapId(specs);
        int capacity = maxEntries(specs);
        // one spec per distinct argument string
        Map<String, Integer> specIds = new LinkedHashMap<>();
        List<Integer> allocated = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        Runnable release = () -> free(specsMapId, allocated);
        List<String[]> mappings = null; // read once for all sites
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_LONG);
            MemorySegment value = arena.allocate(UsdtSpec.LAYOUT);
            for (UsdtProbe p : probes) {
                Integer id = specIds.get(p.argumentString());
                if (id == null) {
                    id = allocate(specsMapId, capacity);
                    allocated.add(id);
                    specIds.put(p.argumentString(), id);
                    UsdtSpec.encode(p.arguments(), usdtCookie, value);
                    key.set(JAVA_INT, 0, id);
                    check("update __bpf_usdt_specs", Bpf.mapUpdateElem(specs.get(), key, value, Bpf.ANY));
                }
                if (ipToSpec != null && pid > 0) {
                    if (mappings == null) mappings = maps(pid, binary.toAbsolutePath().toString());
                    key.set(JAVA_LONG, 0, runtimeAddress(mappings, pid, binary, p.fileOffset()));
                    value.set(JAVA_INT, 0, id);
                    check("update __bpf_usdt_ip_to_spec_id", Bpf.mapUpdateElem(ipToSpec.get(), key, value, Bpf.ANY));
                }
                UprobeOptions opts = new UprobeOptions(pid, false, p.semaphoreOffset(), id);
                links.add(Links.uprobe(binary, p.fileOffset(), program, opts));
            }
        } catch (RuntimeException e) {
            new MultiLink(links, release).close();
            throw e;
        }
        return new MultiLink(links, release);
    }

    /** One USDT probe to attach, and the value {@code bpf_usdt_cookie()} returns at its sites. */
    public record Target(String provider, String name, long usdtCookie) {
    }

    /**
     * What {@link #attachMulti} attached: one link over the sites of every probe found, and the
     * probes the binary does not have. Closing it detaches all sites at once and frees the spec ids.
     */
    public record MultiAttachment(MultiLink link, List<Target> attached, List<Target> missing) implements AutoCloseable {
        public MultiAttachment {
            attached = List.copyOf(attached);
            missing = List.copyOf(missing);
        }

        @Override
        public void close() {
            link.close();
        }
    }

    /**
     * Attaches one program to every site of several USDT probes of {@code binary} with a single
     * {@code BPF_TRACE_UPROBE_MULTI} link (kernel 6.6+; the program must be loaded with that
     * expected attach type). The program tells the probes apart by {@code bpf_usdt_cookie()},
     * which returns each target's {@code usdtCookie}. One link instead of one perf event per site
     * matters at detach: the kernel waits for one RCU grace period per uprobe perf event but one
     * per multi link (14 hotspot sites: about 1 s against 10-20 ms here), and a uprobe_multi link
     * needs CAP_BPF + CAP_PERFMON where a uprobe perf event needs CAP_SYS_ADMIN.
     *
     * @param ipToSpec the program's {@code __bpf_usdt_ip_to_spec_id} map, or null
     * @param pid      only this process, or -1 for every process using the binary
     * @throws LoaderException when the binary has none of the probes
     */
    public static MultiAttachment attachMulti(FileDescriptor program, FileDescriptor specs, FileDescriptor ipToSpec,
                                              Path binary, List<Target> targets, int pid) {
        List<Target> attached = new ArrayList<>();
        List<Target> missing = new ArrayList<>();
        List<UsdtProbe> sites = new ArrayList<>();
        List<Long> siteCookies = new ArrayList<>();
        for (Target t : targets) {
            List<UsdtProbe> found = UsdtNotes.find(binary, t.provider(), t.name());
            (found.isEmpty() ? missing : attached).add(t);
            for (UsdtProbe p : found) {
                sites.add(p);
                siteCookies.add(t.usdtCookie());
            }
        }
        if (sites.isEmpty()) {
            throw new LoaderException("none of the USDT probes " + targets.stream().map(t -> t.provider() + ":" + t.name())
                    .toList() + " is in " + binary);
        }
        int specsMapId = mapId(specs);
        int capacity = maxEntries(specs);
        Map<String, Integer> specIds = new LinkedHashMap<>();
        List<Integer> allocated = new ArrayList<>();
        Runnable release = () -> free(specsMapId, allocated);
        long[] offsets = new long[sites.size()];
        long[] cookies = new long[sites.size()];
        long[] refCtr = new long[sites.size()];
        boolean semaphores = false;
        List<String[]> mappings = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_LONG);
            MemorySegment value = arena.allocate(UsdtSpec.LAYOUT);
            for (int i = 0; i < sites.size(); i++) {
                UsdtProbe p = sites.get(i);
                long usdtCookie = siteCookies.get(i);
                // one spec per distinct argument layout and cookie
                String specKey = usdtCookie + "\0" + p.argumentString();
                Integer id = specIds.get(specKey);
                if (id == null) {
                    id = allocate(specsMapId, capacity);
                    allocated.add(id);
                    specIds.put(specKey, id);
                    UsdtSpec.encode(p.arguments(), usdtCookie, value);
                    key.set(JAVA_INT, 0, id);
                    check("update __bpf_usdt_specs", Bpf.mapUpdateElem(specs.get(), key, value, Bpf.ANY));
                }
                if (ipToSpec != null && pid > 0) {
                    if (mappings == null) mappings = maps(pid, binary.toAbsolutePath().toString());
                    key.set(JAVA_LONG, 0, runtimeAddress(mappings, pid, binary, p.fileOffset()));
                    value.set(JAVA_INT, 0, id);
                    check("update __bpf_usdt_ip_to_spec_id", Bpf.mapUpdateElem(ipToSpec.get(), key, value, Bpf.ANY));
                }
                offsets[i] = p.fileOffset();
                cookies[i] = id;
                refCtr[i] = p.semaphoreOffset();
                semaphores |= p.semaphoreOffset() != 0;
            }
            BpfLink link = Links.uprobeMulti(binary, offsets, cookies, semaphores ? refCtr : null, pid, false, program);
            return new MultiAttachment(new MultiLink(List.of(link), release), attached, missing);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
    }

    /** The libjvm.so of the running JVM. */
    public static Path currentLibjvm() {
        Path p = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        if (!Files.exists(p)) {
            throw new LoaderException("no libjvm.so at " + p);
        }
        return p;
    }

    /** The libjvm.so mapped by process {@code pid}, from {@code /proc/<pid>/maps}. */
    public static Path libjvmOf(int pid) {
        for (String[] m : maps(pid, "/libjvm.so")) {
            if (m.length >= 6 && m[5].endsWith("/libjvm.so")) {
                return Path.of(m[5]);
            }
        }
        throw new LoaderException("process " + pid + " maps no libjvm.so");
    }

    /** Where a file offset of {@code binary} is mapped in process {@code pid}. */
    static long runtimeAddress(int pid, Path binary, long fileOffset) {
        return runtimeAddress(maps(pid, binary.toAbsolutePath().toString()), pid, binary, fileOffset);
    }

    private static long runtimeAddress(List<String[]> mappings, int pid, Path binary, long fileOffset) {
        String want = binary.toAbsolutePath().toString();
        for (String[] m : mappings) {
            if (m.length < 6 || !m[5].equals(want)) {
                continue;
            }
            String[] range = m[0].split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            long offset = Long.parseUnsignedLong(m[2], 16);
            if (fileOffset >= offset && fileOffset < offset + (end - start)) {
                return start + (fileOffset - offset);
            }
        }
        throw new LoaderException(binary + " offset 0x" + Long.toHexString(fileOffset) + " is not mapped in process " + pid);
    }

    /**
     * The lines of {@code /proc/<pid>/maps} that end with {@code suffix} (the mapped file's path),
     * split into fields: a JVM maps hundreds of regions, the callers want one file's.
     */
    private static List<String[]> maps(int pid, String suffix) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"));
        } catch (IOException e) {
            throw new LoaderException("cannot read /proc/" + pid + "/maps", e);
        }
        List<String[]> out = new ArrayList<>(lines.size());
        for (String l : lines) {
            String t = l.trim();
            if (t.endsWith(suffix)) out.add(fields(t, 6));
        }
        return out;
    }

    /** {@code line.split("\\s+", limit)} without a regular expression (a JVM maps a thousand lines). */
    static String[] fields(String line, int limit) {
        List<String> out = new ArrayList<>(limit);
        int i = 0, n = line.length();
        while (i < n) {
            if (out.size() == limit - 1) {
                out.add(line.substring(i));
                break;
            }
            int start = i;
            while (i < n && !space(line.charAt(i))) i++;
            out.add(line.substring(start, i));
            while (i < n && space(line.charAt(i))) i++;
        }
        if (out.isEmpty()) out.add("");
        return out.toArray(new String[0]);
    }

    /** The characters of the regular expression class {@code \\s}. */
    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static synchronized int allocate(int mapId, int capacity) {
        BitSet used = USED_IDS.computeIfAbsent(mapId, k -> new BitSet());
        int id = used.nextClearBit(0);
        if (id >= capacity) {
            throw new LoaderException("all " + capacity + " USDT spec slots of map " + mapId + " are in use");
        }
        used.set(id);
        return id;
    }

    private static synchronized void free(int mapId, List<Integer> ids) {
        BitSet used = USED_IDS.get(mapId);
        if (used != null) {
            ids.forEach(used::clear);
        }
    }

    private static int mapId(FileDescriptor map) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(BpfInfo.Map.LAYOUT);
            Bpf.objGetInfoByFd(map.get(), info);
            return info.get(JAVA_INT, BpfInfo.Map.ID);
        }
    }

    private static int maxEntries(FileDescriptor map) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(BpfInfo.Map.LAYOUT);
            Bpf.objGetInfoByFd(map.get(), info);
            if (info.get(JAVA_INT, BpfInfo.Map.VALUE_SIZE) != UsdtSpec.LAYOUT.byteSize()) {
                throw new LoaderException("map " + info.get(JAVA_INT, BpfInfo.Map.ID) + " has values of "
                        + info.get(JAVA_INT, BpfInfo.Map.VALUE_SIZE) + " bytes, not a __bpf_usdt_specs map ("
                        + UsdtSpec.LAYOUT.byteSize() + ")");
            }
            return info.get(JAVA_INT, BpfInfo.Map.MAX_ENTRIES);
        }
    }

    private static void check(String op, int r) {
        if (r < 0) {
            throw SyscallException.of(op, -r);
        }
    }
}
