// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Global data in custom sections, static variables (section-relative references), array
// elements (references with an addend) and string literals.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 threshold SEC(".rodata.config") = 100;
const volatile __u64 limits[4] SEC(".rodata.config") = {1, 2, 3, 4};
__u32 custom_counter SEC(".data.stats") = 5;
__u64 big_table[8] SEC(".data.stats");
static volatile __u32 hidden_static = 9;
static volatile __u32 second_static = 11;
__u64 zeroed;
__u64 zeroed_array[3];

SEC("tp/syscalls/sys_enter_getpid")
int use_globals(void *ctx)
{
	hidden_static++;
	second_static += 2;
	custom_counter += threshold;
	big_table[3] = limits[2];
	zeroed_array[2] = zeroed + 1;
	bpf_printk("counter %u", custom_counter);
	return 0;
}
