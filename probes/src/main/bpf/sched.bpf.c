// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Scheduler view of the JVM's threads: on-CPU time, off-CPU time split into voluntary (the
 * thread blocked) and involuntary (it was preempted and stayed runnable), run-queue latency,
 * switches and migrations per thread; long off-CPU intervals become ring buffer events.
 *
 * On-CPU time and the switch counts are the kernel's own per-task accounting, copied from the
 * task_struct (se.sum_exec_runtime, nvcsw, nivcsw: what /proc/<pid>/task/<tid>/schedstat and
 * status print), so they count from the thread's start, also for threads that started before
 * the probe attached.
 *
 * At sched_switch the running task is `prev`; `next` is only a pointer: both are filtered on
 * their own tgid read from the task_struct, never on bpf_get_current_pid_tgid().
 */
#define PROBE_EVENTS 1
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Off-CPU intervals at least this long become EV_OFFCPU events (0 disables the events). */
const volatile __u64 offcpu_threshold_ns = 10000000ULL;
/* Also report involuntary (preempted) intervals above the threshold: CPU starvation. */
const volatile __u8 offcpu_events_involuntary = 1;
/* Record the user stack of voluntary switch-outs into `stacks` (costs a stack walk per
 * voluntary switch: enable for diagnosis, or with a high threshold). */
const volatile __u8 capture_stacks = 0;
/* Only report off-CPU intervals of threads that have a current application span: set when
 * intervals outside spans would be dropped in user space anyway (the agent's spans.standalone
 * off), so they are not copied through the ring buffer first. */
const volatile __u8 offcpu_events_need_span = 0;
/* Keep per-thread run-queue latency histograms. */
const volatile __u8 runq_histograms = 1;

/* task state of a thread switching out for the last time (include/linux/sched.h) */
#define TASK_DEAD_STATE 0x80

#define OFFCPU_VOLUNTARY 1
#define OFFCPU_INVOLUNTARY 2

/* Private bookkeeping per thread (user space skips it). */
struct thread_sched {
	__u64 offcpu_since;  /* switch-out time, 0 when on CPU or unknown */
	__u64 runq_since;    /* wakeup or preemption time, 0 when not runnable-waiting */
	__u32 prev_state;    /* task state at switch-out */
	__s32 stack_id;      /* user stack at switch-out, negative errno when none */
	__u32 waker_tid;     /* tid of the last waker, 0 when preempted */
	__u8 reason;         /* OFFCPU_* */
	__u8 _pad[3];
};

/* Per-thread totals, read by user space: 96 bytes. */
struct sched_stats {
	__u64 oncpu_ns;            /* task se.sum_exec_runtime at the last switch-out: since thread start */
	__u64 offcpu_voluntary_ns; /* since the probe first saw the thread */
	__u64 offcpu_involuntary_ns;
	__u64 runq_ns;             /* part of the off-CPU time spent runnable on a run queue */
	__u64 voluntary_switches;  /* task nvcsw: since thread start */
	__u64 involuntary_switches;/* task nivcsw: since thread start */
	__u64 wakeups;
	__u64 migrations;
	__u64 exited_ns;           /* set at the thread's final switch-out: read a last time, then remove */
	__u32 tgid;
	__u32 _pad;
	char comm[16];             /* the kernel's name of the thread when it exited, else empty */
};
_Static_assert(sizeof(struct sched_stats) == 96, "layout mirrored in PROBES.md");

/* Everything the probe keeps per thread, in one hash value so that each side of a switch and
 * each wakeup costs one map lookup (three maps cost up to five per switch): 640 bytes. */
struct sched_thread {
	struct sched_stats stats;   /* read by user space */
	struct thread_sched state;  /* private */
	struct hist runq;           /* run-queue latency, wakeup/preemption -> switch-in */
};
_Static_assert(sizeof(struct sched_thread) == 640, "layout mirrored in PROBES.md");

/* EV_OFFCPU record: 56 + 32 = 88 bytes. start_ns = switch-out, duration = off-CPU time. */
struct offcpu_event {
	struct event_hdr hdr;
	__u64 runq_ns;     /* of which waiting on a run queue after wakeup/preemption */
	__u32 reason;      /* 1 voluntary, 2 involuntary */
	__u32 prev_state;  /* raw task state at switch-out (TASK_INTERRUPTIBLE=1, UNINTERRUPTIBLE=2...) */
	__u32 waker_tid;   /* 0 when unknown or preempted */
	__s32 stack_id;    /* user stack id in `stacks`, negative errno when none */
	__u32 cpu;         /* CPU the thread was switched in on */
	__u32 _pad;
};
_Static_assert(sizeof(struct offcpu_event) == 88, "layout mirrored in PROBES.md");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, struct sched_thread);
} sched_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(stack_ips_t));
} stacks SEC(".maps");

/* too large for the BPF stack: new entries are copied from here */
static const struct sched_thread zero_thread;

/* Copies the kernel's own accounting of task p: on-CPU time and switch counts since the thread
 * started. Exact when p is not running (it is switching out, queued or asleep). */
static __always_inline void copy_task_accounting(struct sched_stats *s, struct task_struct *p)
{
	s->oncpu_ns = p->se.sum_exec_runtime;
	s->voluntary_switches = p->nvcsw;
	s->involuntary_switches = p->nivcsw;
}

/* The entry of thread tid of task p, created when absent, with the task's accounting so far. */
static __always_inline struct sched_thread *thread_of(__u32 tid, __u32 tgid, struct task_struct *p)
{
	struct sched_thread *t = lookup_or_init(&sched_stats, &tid, &zero_thread);

	if (t && !t->stats.tgid) {
		t->stats.tgid = tgid;
		copy_task_accounting(&t->stats, p);
	}
	return t;
}

/* The counters are plain stores and adds: a thread's entry is only written while the scheduler
 * holds the thread's run-queue or wakeup lock (switches, wakeups, migration), so two CPUs never
 * update the same field at once. */
static __always_inline void switch_out(void *ctx, struct task_struct *prev, unsigned int prev_state,
				       __u64 now)
{
	__u32 tgid = prev->tgid;
	__u32 tid = prev->pid;
	struct sched_thread *t;
	struct thread_sched *st;

	if (!tgid_wanted(tgid) || tid == 0)
		return;
	t = thread_of(tid, tgid, prev);
	if (!t)
		return;
	/* the scheduler has charged the slice that ends here (update_curr) and counted the switch */
	copy_task_accounting(&t->stats, prev);
	if (prev_state & TASK_DEAD_STATE) {
		/* the thread's last switch-out: its totals are final. Keep what names it, mark it
		 * exited (user space reads it a last time and removes it) and drop the bookkeeping. */
		bpf_probe_read_kernel(t->stats.comm, sizeof(t->stats.comm), prev->comm);
		t->stats.exited_ns = now;
		__builtin_memset(&t->state, 0, sizeof(t->state));
		return;
	}
	st = &t->state;
	st->offcpu_since = now;
	st->prev_state = prev_state;
	st->waker_tid = 0;
	st->stack_id = -ENOENT;
	if (prev_state == 0 /* TASK_RUNNING: preempted or yielded, still queued */) {
		st->reason = OFFCPU_INVOLUNTARY;
		st->runq_since = now;
	} else {
		st->reason = OFFCPU_VOLUNTARY;
		st->runq_since = 0;
		/* prev is current here, so the user stack walked is prev's */
		if (capture_stacks)
			st->stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	}
}

static __always_inline void switch_in(struct task_struct *next, __u64 now)
{
	__u32 tgid = next->tgid;
	__u32 tid = next->pid;
	struct sched_thread *t;
	struct thread_sched *st;
	__u64 off = 0, runq = 0;

	if (!tgid_wanted(tgid) || tid == 0)
		return;
	t = thread_of(tid, tgid, next);
	if (!t)
		return;
	st = &t->state;
	if (st->runq_since && now > st->runq_since) {
		runq = now - st->runq_since;
		t->stats.runq_ns += runq;
		if (runq_histograms)
			t->runq.slots[hist_slot(runq)]++; /* plain add: see above */
	}
	st->runq_since = 0;
	if (!st->offcpu_since || now <= st->offcpu_since)
		return;
	off = now - st->offcpu_since;
	if (st->reason == OFFCPU_VOLUNTARY)
		t->stats.offcpu_voluntary_ns += off;
	else
		t->stats.offcpu_involuntary_ns += off;

	if (offcpu_threshold_ns && off >= offcpu_threshold_ns &&
	    (st->reason == OFFCPU_VOLUNTARY || offcpu_events_involuntary) &&
	    (!offcpu_events_need_span || span_current(tid))) {
		struct offcpu_event *e = event_reserve(sizeof(*e), EV_OFFCPU, tid, st->offcpu_since, off);

		if (e) {
			e->runq_ns = runq;
			e->reason = st->reason;
			e->prev_state = st->prev_state;
			e->waker_tid = st->waker_tid;
			e->stack_id = st->stack_id;
			e->cpu = bpf_get_smp_processor_id();
			e->_pad = 0;
			event_submit(e);
		}
	}
	st->offcpu_since = 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();

	/* a preempted task can carry a stale non-running state: preemption wins */
	switch_out(ctx, prev, preempt ? 0 : prev_state, now);
	switch_in(next, now);
	return 0;
}

static __always_inline void on_wakeup(struct task_struct *p)
{
	__u32 tgid = p->tgid;
	__u32 tid = p->pid;
	struct sched_thread *t;

	if (!tgid_wanted(tgid) || tid == 0)
		return;
	t = thread_of(tid, tgid, p);
	if (!t)
		return;
	t->state.runq_since = bpf_ktime_get_ns();
	/* best effort: a wakeup from interrupt context (timer expiry, I/O completion) names the
	 * interrupted task */
	t->state.waker_tid = (__u32)bpf_get_current_pid_tgid();
	t->stats.wakeups++;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(on_sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	__u32 tgid = p->tgid;
	__u32 tid = p->pid;
	struct sched_thread *t;

	if (!tgid_wanted(tgid) || tid == 0)
		return 0;
	t = thread_of(tid, tgid, p);
	if (t)
		t->stats.migrations++;
	return 0;
}
