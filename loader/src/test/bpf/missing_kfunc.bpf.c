// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A kfunc that is not __weak and that no kernel has: the load must fail, naming it a kfunc
// even where the program only takes its address.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void ebpf_agent_missing_strong_kfunc(void) __ksym;

__u64 address = 0;

SEC("tp_btf/sched_switch")
int strong_kfunc(void *ctx)
{
	address = (__u64)&ebpf_agent_missing_strong_kfunc;
	return 0;
}
