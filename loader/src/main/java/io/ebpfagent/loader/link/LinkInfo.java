package io.ebpfagent.loader.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What {@code BPF_OBJ_GET_INFO_BY_FD} says about a link ({@code struct bpf_link_info}).
 *
 * @param type      the link type
 * @param id        the kernel-wide link id
 * @param programId id of the attached program
 * @param details   the raw per-type union, for fields without an accessor here
 */
public record LinkInfo(LinkType type, int id, int programId, byte[] details) {

    private ByteBuffer union() {
        return ByteBuffer.wrap(details).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The attach type of tracing and cgroup links. */
    public OptionalInt attachType() {
        return switch (type) {
            case TRACING -> OptionalInt.of(union().getInt(0));
            case CGROUP -> OptionalInt.of(union().getInt(8));
            default -> OptionalInt.empty();
        };
    }

    /** The cgroup id of a cgroup link. */
    public OptionalLong cgroupId() {
        return type == LinkType.CGROUP ? OptionalLong.of(union().getLong(0)) : OptionalLong.empty();
    }

    /** {@code BPF_PERF_EVENT_*} of a perf event link (1 uprobe, 2 uretprobe, 3 kprobe, 4 kretprobe, 5 tracepoint, 6 event). */
    public OptionalInt perfEventType() {
        return type == LinkType.PERF_EVENT ? OptionalInt.of(union().getInt(0)) : OptionalInt.empty();
    }

    /** Number of probed locations of a uprobe_multi link. */
    public OptionalInt uprobeMultiCount() {
        return type == LinkType.UPROBE_MULTI ? OptionalInt.of(union().getInt(36)) : OptionalInt.empty();
    }
}
