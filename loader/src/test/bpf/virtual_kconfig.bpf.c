// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The kconfig externs libbpf fills itself (usdt.bpf.h reads LINUX_HAS_BPF_COOKIE,
// BPF_KSYSCALL reads LINUX_HAS_SYSCALL_WRAPPER), an unknown weak LINUX_ one (reads 0), and a
// layout whose libbpf size is not a multiple of 8 (4-byte slots first, then the bools: 10 bytes).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern int LINUX_NOT_A_LIBBPF_VALUE __kconfig __weak;

__u64 seen = 0;

SEC("raw_tracepoint/sched_switch")
int read_virtual(void *ctx)
{
	seen = ((__u64)LINUX_HAS_BPF_COOKIE << 1) | LINUX_HAS_SYSCALL_WRAPPER
	       | ((__u64)LINUX_KERNEL_VERSION << 8) | ((__u64)LINUX_NOT_A_LIBBPF_VALUE << 40);
	return 0;
}
