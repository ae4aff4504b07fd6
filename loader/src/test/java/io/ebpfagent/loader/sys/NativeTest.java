package io.ebpfagent.loader.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NativeTest {

    @Test
    void syscallReturnsTheKernelsAnswer() {
        assertThat(Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0)).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void failuresReturnNegativeErrnoPerThread() throws Exception {
        // bpf() with an unknown command: EINVAL
        assertThat(Native.syscall(SyscallNumbers.BPF, 0x7fff, 0, 0, 0, 0)).isEqualTo(-Errno.EINVAL.value());
        Thread other = Thread.ofPlatform().start(() -> assertThat(Native.close(987654)).isEqualTo(-Errno.EBADF.value()));
        other.join();
        assertThat(Native.lastErrno()).isEqualTo(Errno.EINVAL.value());
    }

    @Test
    void checkedCallsThrowTypedExceptions() {
        assertThatThrownBy(() -> Native.checkedSyscall("BPF_UNKNOWN", SyscallNumbers.BPF, 0x7fff, 0, 0, 0, 0))
                .isInstanceOf(SyscallException.class)
                .hasMessage("BPF_UNKNOWN: invalid argument (EINVAL)");
        assertThat(SyscallException.of("BPF_PROG_LOAD", 1)).isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("CAP_BPF");
        assertThat(SyscallException.of("BPF_LINK_CREATE", 524)).isInstanceOf(NotSupportedException.class);
    }

    @Test
    void fileDescriptorsCloseOnceAndRefuseUseAfterClose() {
        // a duplicate of stdin: never close descriptor 0 itself
        FileDescriptor fd = new FileDescriptor(0).dup();
        FileDescriptor copy = fd.dup();
        assertThat(copy.get()).isNotEqualTo(fd.get());
        fd.close();
        fd.close();
        assertThat(fd.isClosed()).isTrue();
        assertThatThrownBy(fd::get).isInstanceOf(IllegalStateException.class);
        copy.close();
    }
}
