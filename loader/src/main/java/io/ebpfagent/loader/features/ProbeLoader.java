package io.ebpfagent.loader.features;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.asm.Instruction;
import io.ebpfagent.loader.asm.Instructions;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.BpfCommand;
import io.ebpfagent.loader.sys.LogText;
import io.ebpfagent.loader.sys.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Loads probe programs and maps straight through {@link Bpf}, below the {@code maps} and
 * {@code programs} packages (which themselves ask the probes about object names).
 */
final class ProbeLoader {
    private ProbeLoader() {
    }

    /** The outcome of a probe load: the errno (0 when it loaded) and the verifier log, if asked. */
    record Outcome(int errno, String log) {
        boolean ok() {
            return errno == 0;
        }
    }

    /** Program load parameters beyond type and instructions. */
    record ProgramRequest(int type, List<Instruction> insns, String license, int expectedAttachType,
                          int attachBtfId, int kernVersion, boolean logged) {
        static ProgramRequest of(int type, List<Instruction> insns) {
            return new ProgramRequest(type, insns, "GPL", 0, 0, KernelVersion.code(), false);
        }

        ProgramRequest withLog() {
            return new ProgramRequest(type, insns, license, expectedAttachType, attachBtfId, kernVersion, true);
        }

        ProgramRequest withAttach(int attachType, int btfId) {
            return new ProgramRequest(type, insns, license, attachType, btfId, kernVersion, logged);
        }
    }

    static Outcome loadProgram(ProgramRequest request) {
        byte[] code = Instructions.encode(request.insns());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(code.length, 8);
            MemorySegment.copy(code, 0, insns, JAVA_BYTE, 0, code.length);
            MemorySegment attr = arena.allocate(BpfAttr.ProgLoad.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.ProgLoad.PROG_TYPE, request.type());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.INSN_CNT, code.length / Instruction.SLOT_SIZE);
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.INSNS, insns.address());
            attr.set(JAVA_LONG, BpfAttr.ProgLoad.LICENSE, arena.allocateFrom(request.license()).address());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.KERN_VERSION, request.kernVersion());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE, request.expectedAttachType());
            attr.set(JAVA_INT, BpfAttr.ProgLoad.ATTACH_BTF_ID, request.attachBtfId());
            MemorySegment log = null;
            if (request.logged()) {
                log = arena.allocate(64 * 1024);
                attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_LEVEL, 1);
                attr.set(JAVA_INT, BpfAttr.ProgLoad.LOG_SIZE, (int) log.byteSize());
                attr.set(JAVA_LONG, BpfAttr.ProgLoad.LOG_BUF, log.address());
            }
            long r = Bpf.progLoad(attr);
            if (r >= 0) {
                Native.close((int) r);
                return new Outcome(0, log == null ? "" : LogText.read(log));
            }
            return new Outcome((int) -r, log == null ? "" : LogText.read(log));
        }
    }

    /** Map creation parameters for a probe. */
    record MapRequest(int type, int keySize, int valueSize, int maxEntries, int flags, int innerMapFd,
                      String name, int btfFd, int btfKeyTypeId, int btfValueTypeId, long mapExtra) {
        static MapRequest of(int type, int keySize, int valueSize, int maxEntries, int flags) {
            return new MapRequest(type, keySize, valueSize, maxEntries, flags, 0, null, 0, 0, 0, 0);
        }

        MapRequest withName(String value) {
            return new MapRequest(type, keySize, valueSize, maxEntries, flags, innerMapFd, value, btfFd,
                    btfKeyTypeId, btfValueTypeId, mapExtra);
        }

        MapRequest withInnerMap(int fd) {
            return new MapRequest(type, keySize, valueSize, maxEntries, flags, fd, name, btfFd,
                    btfKeyTypeId, btfValueTypeId, mapExtra);
        }

        MapRequest withBtf(int fd, int keyId, int valueId) {
            return new MapRequest(type, keySize, valueSize, maxEntries, flags, innerMapFd, name, fd, keyId,
                    valueId, mapExtra);
        }
    }

    /** Creates a map: the new descriptor (caller closes) or {@code -errno}. */
    static int createMap(MapRequest request) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.MapCreate.LAYOUT);
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_TYPE, request.type());
            attr.set(JAVA_INT, BpfAttr.MapCreate.KEY_SIZE, request.keySize());
            attr.set(JAVA_INT, BpfAttr.MapCreate.VALUE_SIZE, request.valueSize());
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAX_ENTRIES, request.maxEntries());
            attr.set(JAVA_INT, BpfAttr.MapCreate.MAP_FLAGS, request.flags());
            attr.set(JAVA_INT, BpfAttr.MapCreate.INNER_MAP_FD, request.innerMapFd());
            attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_FD, request.btfFd());
            attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_KEY_TYPE_ID, request.btfKeyTypeId());
            attr.set(JAVA_INT, BpfAttr.MapCreate.BTF_VALUE_TYPE_ID, request.btfValueTypeId());
            attr.set(JAVA_LONG, BpfAttr.MapCreate.MAP_EXTRA, request.mapExtra());
            if (request.name() != null) {
                Bpf.writeName(attr, BpfAttr.MapCreate.MAP_NAME, request.name());
            }
            return (int) Bpf.bpf(BpfCommand.MAP_CREATE, attr);
        }
    }
}
