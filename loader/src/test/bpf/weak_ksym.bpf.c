// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// __weak __ksym variables and kfuncs the kernel lacks resolve to 0, as in libbpf: the program
// tests their address before use (libbpf's bpf_ksym_exists).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void ebpf_agent_no_such_kfunc(void) __ksym __weak;
extern const int ebpf_agent_no_such_variable __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;

__u64 found = 0;

SEC("tp_btf/sched_switch")
int weak_refs(void *ctx)
{
	__u64 bits = 0;
	if (ebpf_agent_no_such_kfunc) {
		ebpf_agent_no_such_kfunc();
		bits |= 1;
	}
	if (&ebpf_agent_no_such_variable)
		bits |= 2;
	if (bpf_rcu_read_lock) {
		bpf_rcu_read_lock();
		bpf_rcu_read_unlock();
		bits |= 4;
	}
	found = bits;
	return 0;
}
