package io.ebpfagent.otel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SyscallNamesTest {
    @Test
    void wellKnownNumbers() {
        assertThat(SyscallNames.name(0)).isEqualTo("read");
        assertThat(SyscallNames.name(1)).isEqualTo("write");
        assertThat(SyscallNames.name(7)).isEqualTo("poll");
        assertThat(SyscallNames.name(202)).isEqualTo("futex");
        assertThat(SyscallNames.name(232)).isEqualTo("epoll_wait");
        assertThat(SyscallNames.name(-1)).isEqualTo("syscall_-1");
        assertThat(SyscallNames.name(100_000)).isEqualTo("syscall_100000");
        assertThat(SyscallNames.known(59)).isTrue();
    }

    @Test
    void tableMatchesTheInstalledHeader() throws Exception {
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        Assumptions.assumeTrue(Files.exists(header), "no x86_64 UAPI header installed");
        Matcher m = Pattern.compile("#define __NR_(\\w+) (\\d+)").matcher(Files.readString(header));
        int n = 0;
        while (m.find()) {
            assertThat(SyscallNames.name(Integer.parseInt(m.group(2)))).isEqualTo(m.group(1));
            n++;
        }
        assertThat(n).isGreaterThan(300);
    }
}
