// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Kconfig externs of every supported kind, strong and weak.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_EXAMPLE_TRISTATE __kconfig __weak;
extern int CONFIG_HZ __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig __weak;
extern __u64 CONFIG_MISSING_OPTION __kconfig __weak;

__u64 out[6];

SEC("tp/syscalls/sys_enter_getpid")
int read_config(void *ctx)
{
	out[0] = LINUX_KERNEL_VERSION;
	out[1] = CONFIG_BPF_SYSCALL;
	out[2] = CONFIG_EXAMPLE_TRISTATE;
	out[3] = CONFIG_HZ;
	out[4] = CONFIG_DEFAULT_HOSTNAME[0];
	out[5] = CONFIG_MISSING_OPTION;
	return 0;
}
