// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every system call of the JVM's threads: count, errors and a latency histogram per (thread,
 * syscall number); calls slower than a threshold become EV_SLOW_SYSCALL events.
 *
 * raw_syscalls tracepoints run for every syscall of the machine (~300 ns each here), so the
 * tgid test comes before anything else.
 *
 * The call in flight is kept in task-local storage: created at the thread's first call, reused by
 * every later one and freed by the kernel with the task. A hash map keyed by tid cost an insert
 * at every entry and a delete at every exit (each taking the bucket lock and an element off a
 * free list), about a third of both programs.
 */
#define PROBE_EVENTS 1
#define SPAN_TIMES_MAP 1
#define HOOK_NOW_MAP 1
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Calls at least this long become events (0 disables the events). */
const volatile __u64 slow_syscall_ns = 10000000ULL;
/* Keep a latency histogram per (thread, syscall); the counters are always kept. */
const volatile __u8 syscall_histograms = 1;
/* Count every call into the span_times entry of the calling thread's span-context slot: set only
 * when span_times is the sched probe's map (otherwise this object's own is a single entry). */
const volatile __u8 span_syscalls = 0;

/* Syscall numbers 0..511 excluded from events (never from the statistics), bit n of word n/64.
 * Defaults: the x86-64 calls a JVM blocks in by design (futex, epoll_wait, poll, select,
 * nanosleep, clock_nanosleep, rt_sigtimedwait, rt_sigsuspend, pause, wait4, waitid,
 * restart_syscall, accept, accept4, io_getevents, io_uring_enter, futex_waitv). */
#define B(n) (1ULL << ((n) & 63))
const volatile __u64 slow_exclude[8] = {
	B(7) | B(23) | B(34) | B(35) | B(43) | B(61),           /*   0.. 63 */
	0,                                                      /*  64..127 */
	B(128) | B(130),                                        /* 128..191 */
	B(202) | B(208) | B(219) | B(230) | B(232) | B(247),    /* 192..255 */
	B(270) | B(271) | B(281) | B(288),                      /* 256..319 */
	0,                                                      /* 320..383 */
	B(426) | B(441),                                        /* 384..447 */
	B(449),                                                 /* 448..511 */
};
#undef B

/* The io probe makes the span of a read or write on a regular file of at least this long
 * (0: the io probe is not running), and of an fsync/fdatasync of at least file_sync_span_ns:
 * no second event for the same call from here. */
const volatile __u64 file_io_span_ns = 0;
const volatile __u64 file_sync_span_ns = 0;

#define S_IFMT 0170000
#define S_IFREG 0100000

struct syscall_inflight {
	__u64 start_ns;  /* 0 when no call is in flight */
	__u64 args[3];
	__u32 nr;
	__u32 _pad;
};

struct syscall_key {
	__u32 tid;
	__u32 nr;
};
_Static_assert(sizeof(struct syscall_key) == 8, "layout mirrored in PROBES.md");

/* 32 + 512 = 544 bytes */
struct syscall_stats {
	__u64 count;
	__u64 errors;    /* returns in [-4095, -1] */
	__u64 total_ns;
	__u64 max_ns;
	struct hist lat; /* all zero when syscall_histograms is off */
};
_Static_assert(sizeof(struct syscall_stats) == 544, "layout mirrored in PROBES.md");

/* EV_SLOW_SYSCALL: 56 + 40 = 96 bytes. start_ns = entry, duration = exit - entry. */
struct slow_syscall_event {
	struct event_hdr hdr;
	__s64 ret;
	__u64 args[3];
	__u32 nr;
	__u32 _pad;
};
BTF_EXPORT(slow_syscall_event);
_Static_assert(sizeof(struct slow_syscall_event) == 96, "layout mirrored in PROBES.md");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct syscall_inflight);
} sys_inflight SEC(".maps");

/* A thread uses 10-20 different syscalls (a JVM thread's start and exit alone about a dozen), so
 * this holds ~4000 threads; not preallocated: memory only for the pairs in use. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct syscall_key);
	__type(value, struct syscall_stats);
} syscall_stats SEC(".maps");

static const struct syscall_stats zero_stats;

/*
 * The io probe's programs for the same two hooks, when both probes run: this probe's programs end
 * in a tail call to them instead of the kernel running a second program at every system call of
 * the machine (on the kvm-clock test host a second program on sys_enter cost ~67 ns per call, a
 * tail call ~15; a task of another process leaves after the pid test and reaches neither). One
 * array per hook: a tracing program may only tail-call programs of the same hook.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} chained_enter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} chained_exit SEC(".maps");

static __always_inline void pass_now(__u64 now)
{
	__u32 zero = 0;
	__u64 *slot = bpf_map_lookup_elem(&hook_now, &zero);

	if (slot)
		*slot = now;
}

static __always_inline void sys_enter(struct pt_regs *regs, long id, __u32 tid, __u64 now)
{
	struct syscall_inflight *in;

	if (id < 0)
		return;
	if (span_syscalls) {
		/* the entry is written here only by its own thread, which is running: a plain add */
		__u32 *slot = bpf_map_lookup_elem(&tid_slot, &tid);
		struct span_times *tm = slot ? bpf_map_lookup_elem(&span_times, slot) : NULL;

		if (tm)
			tm->syscalls++;
	}
	if (id == NR_EXIT || id == NR_EXIT_GROUP) {
		/* never return: counted here, with a zero duration */
		struct syscall_key key = { .tid = tid, .nr = (__u32)id };
		struct syscall_stats *st = lookup_or_init(&syscall_stats, &key, &zero_stats);

		if (st) {
			st->count++;
			if (syscall_histograms)
				st->lat.slots[0]++;
		}
		return;
	}
	in = bpf_task_storage_get(&sys_inflight, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!in)
		return;
	in->nr = (__u32)id;
	in->args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	in->args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	in->args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	in->start_ns = now;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	__u64 now;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	now = bpf_ktime_get_ns();
	sys_enter(regs, id, tid, now);
	pass_now(now);
	bpf_tail_call(ctx, &chained_enter, 0); /* returns here when the io probe is not chained */
	return 0;
}

static __always_inline bool excluded(__u32 nr)
{
	if (nr >= 512)
		return false;
	return (slow_exclude[nr >> 6] >> (nr & 63)) & 1;
}

/* Whether the io probe reports this call as a span of its own (only asked of slow calls). */
static __always_inline bool io_probe_reports(__u32 nr, int fd, __u64 dur)
{
	struct file *f;

	switch (nr) {
	case NR_FSYNC:
	case NR_FDATASYNC:
		return file_sync_span_ns && dur >= file_sync_span_ns;
	case NR_READ: case NR_WRITE: case NR_PREAD64: case NR_PWRITE64: case NR_READV:
	case NR_WRITEV: case NR_SENDFILE: case NR_PREADV: case NR_PWRITEV:
		if (!file_io_span_ns || dur < file_io_span_ns)
			return false;
		/* sendfile's file type is that of its out_fd (args[0]), as in the io probe */
		f = current_fd_file(fd);
		return f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) == S_IFREG;
	default:
		return false;
	}
}

static __always_inline void sys_exit(long ret, __u32 tid, __u64 now)
{
	struct syscall_inflight *in;
	struct syscall_stats *st;
	struct syscall_key key;
	__u64 dur;

	in = bpf_task_storage_get(&sys_inflight, bpf_get_current_task_btf(), 0, 0);
	/* none: the call started before the probe attached (or the storage could not be made) */
	if (!in || !in->start_ns)
		return;
	dur = now > in->start_ns ? now - in->start_ns : 0;
	key.tid = tid;
	key.nr = in->nr;
	st = lookup_or_init(&syscall_stats, &key, &zero_stats);
	if (st) {
		/* plain adds: only the thread of the key writes its entries, and it is running here */
		st->count++;
		if (ret < 0 && ret >= -4095)
			st->errors++;
		st->total_ns += dur;
		if (dur > st->max_ns)
			st->max_ns = dur;
		if (syscall_histograms)
			st->lat.slots[hist_slot(dur)]++;
	}
	if (slow_syscall_ns && dur >= slow_syscall_ns && !excluded(key.nr)
	    && !io_probe_reports(key.nr, (int)in->args[0], dur)) {
		struct slow_syscall_event *e =
			event_reserve(sizeof(*e), EV_SLOW_SYSCALL, tid, in->start_ns, dur);

		if (e) {
			e->ret = ret;
			e->args[0] = in->args[0];
			e->args[1] = in->args[1];
			e->args[2] = in->args[2];
			e->nr = key.nr;
			e->_pad = 0;
			event_submit(e);
		}
	}
	in->start_ns = 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 now;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	now = bpf_ktime_get_ns();
	sys_exit(ret, tid, now);
	pass_now(now);
	bpf_tail_call(ctx, &chained_exit, 0); /* returns here when the io probe is not chained */
	return 0;
}
