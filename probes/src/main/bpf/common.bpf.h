/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Conventions shared by every probe object of the agent. The Java side mirrors every struct of
 * this file with a MemoryLayout (see probes/PROBES.md), so every struct is naturally aligned and
 * explicitly padded: no implicit padding anywhere, sizes are multiples of 8.
 *
 * An object that emits span-producing events defines PROBE_EVENTS before including this file;
 * it then gets the span context maps, the `events` ring buffer and the batching submit helper.
 */
#ifndef EBPF_AGENT_COMMON_BPF_H
#define EBPF_AGENT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* ---------------------------------------------------------------- configuration (.rodata) */

/* The JVM's process id; 0 accepts every process (tests only: the cost grows with the machine). */
const volatile __u32 target_tgid = 0;

/* Default capacity of per-thread maps. A JVM rarely has more live threads; the loader may
 * resize a map before creation. */
#define MAX_THREADS 8192

#ifndef ENOENT
#define ENOENT 2
#endif

/* ---------------------------------------------------------------- pid helpers */

static __always_inline bool tgid_wanted(__u32 tgid)
{
	return target_tgid == 0 || tgid == target_tgid;
}

/* Fills *tid and answers whether the current task belongs to the target process. */
static __always_inline bool current_wanted(__u32 *tid)
{
	__u64 id = bpf_get_current_pid_tgid();

	*tid = (__u32)id;
	return tgid_wanted(id >> 32);
}

/* ---------------------------------------------------------------- histograms */

#define HIST_SLOTS 64

/* log2 histogram of nanoseconds: slot i counts values v with 2^i <= v < 2^(i+1); slot 0 also
 * counts 0. 512 bytes. */
struct hist {
	__u64 slots[HIST_SLOTS];
};
_Static_assert(sizeof(struct hist) == 512, "layout mirrored in PROBES.md");

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* The slot of ns in a struct hist. */
static __always_inline __u32 hist_slot(__u64 ns)
{
	__u32 slot = log2_u64(ns);

	return slot >= HIST_SLOTS ? HIST_SLOTS - 1 : slot;
}

static __always_inline void hist_add(struct hist *h, __u64 ns)
{
	__sync_fetch_and_add(&h->slots[hist_slot(ns)], 1);
}

/* Returns the value of key in a hash map, inserting *init first when absent. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* ---------------------------------------------------------------- descriptors */

/* The struct file behind descriptor fd of the current task, NULL when there is none. The walk
 * to the descriptor array goes through the task's BTF pointer (plain guarded loads); only the
 * slot at a variable index needs a helper read. */
static __always_inline struct file *current_fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files;
	struct fdtable *fdt;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	files = task->files;
	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	if (bpf_core_read(&f, sizeof(f), &fdt->fd[fd]))
		return NULL;
	return f;
}

/* ---------------------------------------------------------------- stack traces */

#define STACK_DEPTH 127 /* PERF_MAX_STACK_DEPTH */
typedef __u64 stack_ips_t[STACK_DEPTH];

/* ---------------------------------------------------------------- span context */

/* One slot per Java thread, written by the agent with plain stores into the mmapped array.
 * Writer protocol: valid=0, store ids and flags, valid=1 (stores stay ordered on x86). */
struct span_ctx {
	__u8 trace_id[16];
	__u8 span_id[8];
	__u8 valid;  /* 1 while a span is current on the thread */
	__u8 flags;  /* W3C trace flags */
	__u8 _pad[6];
};
_Static_assert(sizeof(struct span_ctx) == 32, "layout mirrored in PROBES.md");

#ifdef PROBE_EVENTS

#define SPAN_SLOTS 16384

/* Shared between objects by the loader (map replacement): keep names and definitions equal. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SPAN_SLOTS);
	__type(key, __u32);
	__type(value, struct span_ctx);
} span_ctx_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SPAN_SLOTS);
	__type(key, __u32);   /* kernel tid */
	__type(value, __u32); /* index into span_ctx_slots */
} tid_slot SEC(".maps");

/* Copies the span context current on thread tid, zeroes *dst when there is none. */
static __always_inline void span_ctx_of(__u32 tid, struct span_ctx *dst)
{
	__u32 *slot = bpf_map_lookup_elem(&tid_slot, &tid);
	struct span_ctx *src;

	if (slot) {
		src = bpf_map_lookup_elem(&span_ctx_slots, slot);
		if (src && src->valid == 1) {
			__builtin_memcpy(dst, src, sizeof(*dst));
			/* a writer that cleared valid meanwhile may have torn the copy */
			if (*(volatile __u8 *)&src->valid == 1)
				return;
		}
	}
	__builtin_memset(dst, 0, sizeof(*dst));
}

/* Kernel time of a thread, per span-context slot: cumulative counters the agent reads with plain
 * loads at every scope open and close on the thread, so that a scope's share is the difference.
 * Written by the sched probe while the thread is switched out or switching (never while it runs
 * its own Java code), for every thread that has a slot; its map (same index as span_ctx_slots)
 * is the sched probe's, handed to the syscalls probe (map replacement), which counts every
 * system call's entry on the calling thread. 128 bytes. */
struct span_times {
	__u64 oncpu_ns;     /* completed on-CPU slices */
	__u64 oncpu_since;  /* switch-in time of the running slice, 0 when off CPU or unknown */
	__u64 runq_ns;      /* runnable after a wakeup or a preemption, waiting for a CPU */
	__u64 lock_ns;      /* blocked in an untimed futex wait: monitors, locks, Object.wait, Future.get */
	__u64 net_ns;       /* blocked on a socket or in poll/select/epoll */
	__u64 disk_ns;      /* blocked in file I/O, fsync, a major page fault */
	__u64 sleep_ns;     /* blocked in a timed wait: sleep, timed park or wait */
	__u64 other_ns;     /* blocked for another reason */
	__u64 switches;     /* voluntary switch-outs counted in the buckets above */
	/* The task's own I/O accounting (task->ioac, what /proc/<pid>/task/<tid>/io prints) as of
	 * the thread's last switch-out: no hook of its own, so a slice's calls and bytes become
	 * visible when the slice ends. */
	__u64 rchar;        /* bytes returned by read-family system calls */
	__u64 wchar;        /* bytes passed to write-family system calls */
	__u64 syscr;        /* read-family system calls */
	__u64 syscw;        /* write-family system calls */
	__u64 syscalls;     /* every system call entered, counted by the syscalls probe when it runs */
	/* The thread the slot was given to, written by user space before it maps the thread to the
	 * slot (0: not checked). A thread that switched out while it held the slot can switch in
	 * after user space gave the slot to another thread (its Java thread ended, the OS thread
	 * lived on a little): that switch-in must not write into the new owner's times, nor may
	 * a switch-out of a thread still mapped to the slot when it went to another. */
	__u32 owner_tid;
	__u32 _pad;
	__u64 _reserved;
};
_Static_assert(sizeof(struct span_times) == 128, "layout mirrored in PROBES.md");

#ifdef SPAN_TIMES_MAP
/* Per span-context slot, same index as span_ctx_slots: read by the agent with plain loads.
 * Created by the sched object; the syscalls object is given that map (keep one definition). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SPAN_SLOTS);
	__type(key, __u32);
	__type(value, struct span_times);
} span_times SEC(".maps");
#endif

#define TIME_RUNQ 0
#define TIME_LOCK 1
#define TIME_NET 2
#define TIME_DISK 3
#define TIME_SLEEP 4
#define TIME_OTHER 5

/* Whether thread tid has a current application span (cheaper than reserving an event first). */
static __always_inline bool span_current(__u32 tid)
{
	__u32 *slot = bpf_map_lookup_elem(&tid_slot, &tid);
	struct span_ctx *c;

	if (!slot)
		return false;
	c = bpf_map_lookup_elem(&span_ctx_slots, slot);
	return c && c->valid == 1;
}

/* ---------------------------------------------------------------- events */

/* Event kinds of all objects, in blocks of ten per object. */
enum event_kind {
	EV_OFFCPU = 10,           /* sched */
	EV_SLOW_SYSCALL = 20,     /* syscalls */
	EV_SLOW_IO = 30,          /* io */
	EV_FSYNC = 31,
	EV_OPEN = 32,
	EV_CONNECT = 40,          /* net */
	EV_ACCEPT = 41,
	EV_RETRANSMIT = 42,
	EV_RESET = 43,
	EV_THREAD_START = 60,     /* jvm */
	EV_THREAD_STOP = 61,
	EV_GC = 62,
	EV_MEM_POOL_GC = 63,
	EV_VMOP = 64,
	EV_COMPILE = 65,
	EV_MONITOR_CONTENDED = 66,
	EV_CLASS_LOADED = 67,
};

/* Common header of every ring buffer record: 56 bytes. Times are CLOCK_MONOTONIC ns, the
 * clock of System.nanoTime(). */
struct event_hdr {
	__u32 kind;
	__u32 tid;
	__u64 start_ns;
	__u64 duration_ns;
	struct span_ctx ctx;
};
_Static_assert(sizeof(struct event_hdr) == 56, "layout mirrored in PROBES.md");

/* Puts struct NAME into the object's BTF. A ring buffer record is otherwise only the type of
 * locals, which BTF does not describe, and the Java layouts of the records are generated from
 * the BTF (io.ebpfagent.loader.gen.GenerateBindings, which binds the structs global pointers
 * point to). The pointer is a zero in .bss that nothing reads. */
#define BTF_EXPORT(name) struct name *__btf_export_##name __attribute__((unused))

#ifndef EVENTS_RINGBUF_BYTES
#define EVENTS_RINGBUF_BYTES (256 * 1024)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RINGBUF_BYTES);
} events SEC(".maps");

/* Wake the consumer once per this many records ... */
const volatile __u32 wakeup_batch = 64;
/* ... or when the last wakeup is older than this when a record is submitted. The consumer
 * must also poll with a timeout: records submitted without wakeup wait for it otherwise. */
const volatile __u64 wakeup_interval_ns = 50000000ULL;

/* Approximate on purpose (no atomics): a lost update only moves one wakeup. */
__u64 rb_unwoken = 0;
__u64 rb_last_wakeup_ns = 0;
/* Records dropped because the ring buffer was full. */
__u64 rb_dropped = 0;

static __always_inline __u64 rb_flags(void)
{
	__u64 now = bpf_ktime_get_ns();

	rb_unwoken++;
	if (rb_unwoken >= wakeup_batch || now - rb_last_wakeup_ns >= wakeup_interval_ns) {
		rb_unwoken = 0;
		rb_last_wakeup_ns = now;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/* Reserves a record of `size` bytes and fills its header; NULL when the buffer is full. */
static __always_inline void *event_reserve(__u64 size, __u32 kind, __u32 tid, __u64 start_ns,
					   __u64 duration_ns)
{
	struct event_hdr *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		__sync_fetch_and_add(&rb_dropped, 1);
		return NULL;
	}
	h->kind = kind;
	h->tid = tid;
	h->start_ns = start_ns;
	h->duration_ns = duration_ns;
	span_ctx_of(tid, &h->ctx);
	return h;
}

static __always_inline void event_submit(void *e)
{
	bpf_ringbuf_submit(e, rb_flags());
}

#endif /* PROBE_EVENTS */

/* x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl) */
#define NR_READ 0
#define NR_WRITE 1
#define NR_POLL 7
#define NR_PREAD64 17
#define NR_PWRITE64 18
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SELECT 23
#define NR_MSYNC 26
#define NR_NANOSLEEP 35
#define NR_SENDFILE 40
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_EXIT 60
#define NR_FSYNC 74
#define NR_FDATASYNC 75
#define NR_FUTEX 202
#define NR_CLOCK_NANOSLEEP 230
#define NR_EXIT_GROUP 231
#define NR_EPOLL_WAIT 232
#define NR_OPENAT 257
#define NR_PSELECT6 270
#define NR_PPOLL 271
#define NR_SYNC_FILE_RANGE 277
#define NR_EPOLL_PWAIT 281
#define NR_ACCEPT4 288
#define NR_PREADV 295
#define NR_PWRITEV 296
#define NR_RECVMMSG 299
#define NR_SYNCFS 306
#define NR_SENDMMSG 307
#define NR_PREADV2 327
#define NR_PWRITEV2 328
#define NR_EPOLL_PWAIT2 441
#define NR_FUTEX_WAITV 449

#ifdef HOOK_NOW_MAP
/* CLOCK_MONOTONIC as the syscalls object's program at the current system-call hook read it, on
 * this CPU: the io object's programs, tail-called right after on the same CPU, time their calls
 * with it instead of reading the clocksource again (~90 ns a read on the kvm-clock test host).
 * Created by the syscalls object; the io object is given that map (keep one definition). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hook_now SEC(".maps");
#endif

#endif /* EBPF_AGENT_COMMON_BPF_H */
