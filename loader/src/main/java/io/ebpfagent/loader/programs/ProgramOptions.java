package io.ebpfagent.loader.programs;

import io.ebpfagent.loader.sys.FileDescriptor;

/**
 * What {@link Program#load(ProgramSpec, ProgramOptions)} needs beyond the {@link ProgramSpec}.
 *
 * @param logLevel       verifier log level for the first load: 0 loads without a log (fast) and
 *                       reloads with level 1 only on failure; 1 or 2 keep the log of a successful
 *                       load ({@link Program#verifierLog()}) and use that level on failure too
 * @param logSizeStart   first log buffer size in bytes; grown 4x on ENOSPC up to {@code logSizeMax}
 * @param logSizeMax     largest log buffer tried
 * @param btf            the object's BTF in the kernel ({@code prog_btf_fd}), or null; with it the
 *                       spec's func_info/line_info are sent
 * @param attachBtfId    BTF type id of the attach target (fentry/fexit/tp_btf/lsm/freplace), 0 if none
 * @param attachBtfObj   BTF object holding {@code attachBtfId} when it is a module's, null for vmlinux
 * @param attachProg     program to attach to (freplace, fentry on a BPF program), or null
 * @param kernVersion    {@code kern_version}; 0 means the spec's, or the running kernel's when the spec has none
 */
public record ProgramOptions(int logLevel, int logSizeStart, int logSizeMax, FileDescriptor btf, int attachBtfId,
                             FileDescriptor attachBtfObj, FileDescriptor attachProg, int kernVersion) {
    /** Defaults: no log unless loading fails, 64 KiB growing to 256 MiB, no BTF, no attach target. */
    public static final ProgramOptions DEFAULT = new ProgramOptions(0, 64 * 1024, 256 * 1024 * 1024, null, 0,
            null, null, 0);

    public ProgramOptions {
        if (logLevel < 0 || logSizeStart <= 0 || logSizeMax < logSizeStart) {
            throw new IllegalArgumentException("invalid log settings: level " + logLevel + ", sizes " + logSizeStart
                    + ".." + logSizeMax);
        }
        if (attachBtfObj != null && attachProg != null) {
            throw new IllegalArgumentException("attachBtfObj and attachProg share one kernel field: set only one");
        }
    }

    public ProgramOptions withLogLevel(int value) {
        return new ProgramOptions(value, logSizeStart, logSizeMax, btf, attachBtfId, attachBtfObj, attachProg, kernVersion);
    }

    public ProgramOptions withLogSize(int start, int max) {
        return new ProgramOptions(logLevel, start, max, btf, attachBtfId, attachBtfObj, attachProg, kernVersion);
    }

    public ProgramOptions withBtf(FileDescriptor value) {
        return new ProgramOptions(logLevel, logSizeStart, logSizeMax, value, attachBtfId, attachBtfObj, attachProg, kernVersion);
    }

    public ProgramOptions withAttachBtfId(int value) {
        return new ProgramOptions(logLevel, logSizeStart, logSizeMax, btf, value, attachBtfObj, attachProg, kernVersion);
    }

    public ProgramOptions withAttachBtfObj(FileDescriptor value) {
        return new ProgramOptions(logLevel, logSizeStart, logSizeMax, btf, attachBtfId, value, attachProg, kernVersion);
    }

    public ProgramOptions withAttachProg(FileDescriptor value) {
        return new ProgramOptions(logLevel, logSizeStart, logSizeMax, btf, attachBtfId, attachBtfObj, value, kernVersion);
    }

    public ProgramOptions withKernVersion(int value) {
        return new ProgramOptions(logLevel, logSizeStart, logSizeMax, btf, attachBtfId, attachBtfObj, attachProg, value);
    }
}
