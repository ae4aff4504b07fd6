package io.ebpfagent.loader.programs;

import java.util.List;

/**
 * What the kernel reports about a loaded program ({@code BPF_OBJ_GET_INFO_BY_FD} with
 * {@code bpf_prog_info}).
 *
 * @param type                 the program type
 * @param id                   the kernel-wide program id
 * @param tag                  the kernel's tag: a hash of the instructions, 16 hex digits (as bpftool shows)
 * @param name                 the (at most 15 character) kernel name
 * @param runTimeNs            total run time; counted only while statistics are enabled ({@link Stats})
 * @param runCount             number of runs; counted only while statistics are enabled
 * @param recursionMisses      runs skipped because the program was already running on that CPU
 * @param verifiedInstructions instructions the verifier processed
 * @param mapIds               ids of the maps the program uses
 * @param btfId                id of the program's BTF, 0 if none
 * @param loadTimeNs           load time in nanoseconds since boot
 * @param createdByUid         uid of the loading process
 * @param translatedLength     size of the kernel's rewritten program in bytes
 * @param jitedLength          size of the JIT-compiled program in bytes (0 if not JITed or hidden)
 * @param gplCompatible        whether the license allows GPL-only helpers
 */
public record ProgramInfo(ProgramType type, int id, String tag, String name, long runTimeNs, long runCount,
                          long recursionMisses, int verifiedInstructions, List<Integer> mapIds, int btfId,
                          long loadTimeNs, int createdByUid, int translatedLength, int jitedLength,
                          boolean gplCompatible) {
    public ProgramInfo {
        mapIds = List.copyOf(mapIds);
    }
}
