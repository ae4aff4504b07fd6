package io.ebpfagent.loader.maps;

/**
 * What the kernel reports about a map ({@code BPF_OBJ_GET_INFO_BY_FD} with {@code bpf_map_info},
 * plus {@code frozen} from the descriptor's fdinfo).
 *
 * @param type                  the map type
 * @param id                    the kernel-wide map id
 * @param keySize               key size in bytes
 * @param valueSize             value size in bytes (one CPU's value for per-CPU maps)
 * @param maxEntries            capacity
 * @param flags                 {@code map_flags}
 * @param name                  the (at most 15 character) kernel name
 * @param btfId                 id of the BTF object the map was created with, 0 if none
 * @param btfKeyTypeId          BTF type id of the key, 0 if none
 * @param btfValueTypeId        BTF type id of the value, 0 if none
 * @param btfVmlinuxValueTypeId kernel type id of a struct_ops value, 0 otherwise
 * @param mapExtra              {@code map_extra}
 * @param frozen                whether user space may no longer write the map
 */
public record MapInfo(MapType type, int id, int keySize, int valueSize, int maxEntries, int flags, String name,
                      int btfId, int btfKeyTypeId, int btfValueTypeId, int btfVmlinuxValueTypeId, long mapExtra,
                      boolean frozen) {
}
