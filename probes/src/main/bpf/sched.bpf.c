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
 * Run-queue waits come from the scheduler's own bookkeeping of the task (sched_info, what
 * schedstat's run_delay sums): at switch-in, the time since the task was last queued on this run
 * queue, on that run queue's clock, plus the parts of the wait that ended on another run queue
 * (a queued task that migrated). So no program runs at wakeups: on a busy service a wakeup hook
 * ran for 0.7 of all context switches and cost as much as the switch hook.
 *
 * Off-CPU intervals stay on CLOCK_MONOTONIC, one clocksource read per switch. The run queues'
 * clock (rq->clock) would save it (65-120 ns on a kvm-clock guest), but an interval that starts on
 * one CPU and ends on another then spans two CPUs' sched_clock, which without a stable TSC can lag
 * by tens of milliseconds after an idle period: a whole 30 ms sleep came out as 0 in the per-span
 * test. The run-queue wait above is on one run queue's clock at both ends.
 *
 * At sched_switch the running task is `prev`; `next` is only a pointer: both are filtered on
 * their own tgid read from the task_struct, never on bpf_get_current_pid_tgid().
 */
#define PROBE_EVENTS 1
#define SPAN_TIMES_MAP 1
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
/* Run-queue waits from wakeup to switch-in on CLOCK_MONOTONIC, timed by the wakeup programs
 * (which user space then attaches): for kernels without the scheduler bookkeeping used otherwise
 * (CONFIG_SCHED_INFO, CONFIG_FAIR_GROUP_SCHED). */
const volatile __u8 runq_from_wakeups = 0;
/* Split the kernel time of threads that have a span-context slot into span_times (on-CPU,
 * run queue, blocked by cause): what the agent's per-span breakdown reads. Not a constant: user
 * space switches the breakdown on and off while the probe runs (one byte load per switch-out of
 * a JVM thread when off). */
volatile __u8 span_times_on;
/* Switch-ins of the JVM's threads the program did not run for, replayed at the thread's next
 * switch-out (see replay_switch_in). */
__u64 switch_ins_replayed;
/* Tests only: the program ignores every other switch-in of this thread (every one with
 * test_skip_all), as the kernel sometimes does, so that the replay can be checked against the
 * kernel's own accounting. Constants: the verifier removes the test when the tid is 0. */
const volatile __u32 test_skip_switch_ins_of = 0;
const volatile __u8 test_skip_all = 0;
__u8 test_skip_next;

/* task states (include/linux/sched.h) */
#define TASK_DEAD_STATE 0x80
#define TASK_WAKING_STATE 0x200

#define OFFCPU_VOLUNTARY 1
#define OFFCPU_INVOLUNTARY 2

/* Private bookkeeping per thread (user space skips it). */
struct thread_sched {
	__u64 offcpu_since;  /* switch-out time, 0 when on CPU or unknown */
	__u64 runq_since;    /* preemption (or, runq_from_wakeups, wakeup) time, 0 when not runnable-waiting */
	__u32 prev_state;    /* task state at switch-out */
	__s32 stack_id;      /* user stack at switch-out, negative errno when none */
	__u32 waker_tid;     /* tid of the last waker, 0 when preempted */
	__u8 reason;         /* OFFCPU_* */
	__u8 time_bucket;    /* TIME_*: where the blocked part of this off-CPU interval goes */
	__u8 queued_asleep;  /* queued on another run queue while still asleep: the wait is unknown */
	__u8 switched_in;    /* the probe saw the thread's switch-in since its last switch-out */
	__u32 times_slot;    /* span_times index + 1 of the thread at switch-out, 0 when none */
	__u32 _pad2;
	__u64 run_delay_out; /* the task's sched_info.run_delay at switch-out */
};

/* Per-thread totals, read by user space: 112 bytes. */
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
	__u32 runq_unknown;        /* switch-ins whose run-queue wait could not be told (not in runq_ns) */
	char comm[16];             /* the kernel's name of the thread when it exited, else empty */
	__u64 minor_faults;        /* task min_flt at the last switch-out: since thread start */
	__u64 major_faults;        /* task maj_flt, likewise */
};
_Static_assert(sizeof(struct sched_stats) == 112, "layout mirrored in PROBES.md");

/* Everything the probe keeps per thread, in one hash value so that each side of a switch costs
 * one map lookup (three maps cost up to five per switch): 672 bytes. */
struct sched_thread {
	struct sched_stats stats;   /* read by user space */
	struct thread_sched state;  /* private */
	struct hist runq;           /* run-queue latency, wakeup/preemption -> switch-in */
};
_Static_assert(sizeof(struct sched_thread) == 672, "layout mirrored in PROBES.md");

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
BTF_EXPORT(offcpu_event);
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

/* Whether run-queue waits come from the task's sched_info: resolved at load time (CO-RE). */
#define RUNQ_FROM_SCHED_INFO                                                                    \
	(!runq_from_wakeups && bpf_core_field_exists(struct task_struct, sched_info) &&          \
	 bpf_core_field_exists(struct cfs_rq, rq))

/* Copies the kernel's own accounting of task p: on-CPU time, switch counts and page faults since
 * the thread started. Exact when p is not running (it is switching out, queued or asleep); a
 * thread only faults while it runs, so the copy at switch-out gives the per-thread fault counts
 * without a hook on the page faults of the whole machine. */
static __always_inline void copy_task_accounting(struct sched_stats *s, struct task_struct *p)
{
	s->oncpu_ns = p->se.sum_exec_runtime;
	s->voluntary_switches = p->nvcsw;
	s->involuntary_switches = p->nivcsw;
	s->minor_faults = p->min_flt;
	s->major_faults = p->maj_flt;
}

/* The entry of thread tid of task p, created when absent, with the task's accounting so far. */
static __always_inline struct sched_thread *thread_of(__u32 tid, __u32 tgid, struct task_struct *p)
{
	struct sched_thread *t = lookup_or_init(&sched_stats, &tid, &zero_thread);

	if (t && !t->stats.tgid) {
		t->stats.tgid = tgid;
		copy_task_accounting(&t->stats, p);
		if (RUNQ_FROM_SCHED_INFO)
			t->state.run_delay_out = p->sched_info.run_delay;
	}
	return t;
}


#define S_IFMT_BITS 0170000
#define S_IFSOCK_BITS 0140000
#define S_IFREG_BITS 0100000
#define S_IFBLK_BITS 0060000
#define TASK_UNINTERRUPTIBLE_STATE 0x2

/* What a data system call on descriptor fd waits for: the network for a socket, the disk for a
 * file or block device, something else for pipes and the rest. */
static __always_inline __u8 fd_bucket(long fd)
{
	struct file *f = current_fd_file((int)fd);
	umode_t mode;

	if (!f)
		return TIME_OTHER;
	mode = BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_BITS;
	if (mode == S_IFSOCK_BITS)
		return TIME_NET;
	if (mode == S_IFREG_BITS || mode == S_IFBLK_BITS)
		return TIME_DISK;
	return TIME_OTHER;
}

/* Why prev blocks, from the system call it is in (its saved user registers): no sampling, no
 * help from the Java side. HotSpot parks every blocking Java wait on a futex: without a timeout
 * for monitors, j.u.c locks, Object.wait() and Future.get(), with one for Thread.sleep and timed
 * parks and waits. Must run in prev's context (sched_switch does): descriptors are the current
 * task's. */
static __always_inline __u8 wait_bucket(struct task_struct *prev, unsigned int prev_state)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	long nr;

	if (!regs)
		return TIME_OTHER;
	nr = BPF_CORE_READ(regs, orig_ax);
	switch (nr) {
	case NR_FUTEX:
		return BPF_CORE_READ(regs, r10) ? TIME_SLEEP : TIME_LOCK;
	case NR_FUTEX_WAITV:
		return BPF_CORE_READ(regs, r10) ? TIME_SLEEP : TIME_LOCK;
	case NR_NANOSLEEP:
	case NR_CLOCK_NANOSLEEP:
		return TIME_SLEEP;
	case NR_FSYNC:
	case NR_FDATASYNC:
	case NR_SYNC_FILE_RANGE:
	case NR_SYNCFS:
	case NR_MSYNC:
		return TIME_DISK;
	case NR_POLL:
	case NR_PPOLL:
	case NR_SELECT:
	case NR_PSELECT6:
	case NR_EPOLL_WAIT:
	case NR_EPOLL_PWAIT:
	case NR_EPOLL_PWAIT2:
	case NR_CONNECT:
	case NR_ACCEPT:
	case NR_ACCEPT4:
	case NR_SENDTO:
	case NR_RECVFROM:
	case NR_SENDMSG:
	case NR_RECVMSG:
	case NR_RECVMMSG:
	case NR_SENDMMSG:
		return TIME_NET;
	case NR_READ:
	case NR_WRITE:
	case NR_PREAD64:
	case NR_PWRITE64:
	case NR_READV:
	case NR_WRITEV:
	case NR_PREADV:
	case NR_PWRITEV:
	case NR_PREADV2:
	case NR_PWRITEV2:
	case NR_SENDFILE:
		return fd_bucket(BPF_CORE_READ(regs, di));
	case -1:
		/* not in a system call: blocked in a page fault is waiting for the disk */
		return (prev_state & TASK_UNINTERRUPTIBLE_STATE) ? TIME_DISK : TIME_OTHER;
	default:
		return (prev_state & TASK_UNINTERRUPTIBLE_STATE) ? TIME_DISK : TIME_OTHER;
	}
}

/* The counters are plain stores and adds: a thread's entry is only written while the scheduler
 * holds the thread's run-queue or wakeup lock (switches, wakeups, migration), so two CPUs never
 * update the same field at once. */
/* Whether thread tid may write span_times entry tm: the slot can belong to another thread by now
 * while tid still remembers it or is still mapped to it (owner_tid in common.bpf.h). */
static __always_inline bool holds_slot(const struct span_times *tm, __u32 tid)
{
	return tm && (!tm->owner_tid || tm->owner_tid == tid);
}

/* Ends thread tid's off-CPU interval of `off` ns, of which `runq` on a run queue (`waited`: the
 * wait is known), at a switch-in at `in`: its totals, its span-context slot's (whose running slice
 * starts at `in`) and the off-CPU event. `replayed`: the switch-in is replayed at the thread's
 * next switch-out (replay_switch_in). */
static __always_inline void end_offcpu(struct sched_thread *t, __u32 tid, __u64 off, __u64 runq,
				       bool waited, __u64 in, bool replayed)
{
	struct thread_sched *st = &t->state;

	if (waited) {
		t->stats.runq_ns += runq;
		if (runq_histograms)
			t->runq.slots[hist_slot(runq)]++; /* plain add: see above */
	}
	st->runq_since = 0;
	st->queued_asleep = 0;
	if (st->times_slot) {
		__u32 slot = st->times_slot - 1;
		struct span_times *tm = bpf_map_lookup_elem(&span_times, &slot);

		/* A replayed switch-in whose slot shows a slice running: the thread read its slot
		 * during the slice (a scope opened or closed) and, seeing none, started it itself. The
		 * interval lies before that read, and added now it would go to the scopes open after
		 * it (a pool thread's whole wait for work into the request it then ran): it goes to
		 * no span, and the slice counts from that read on. */
		if (holds_slot(tm, tid) && !(replayed && tm->oncpu_since)) {
			tm->oncpu_since = in;
			if (off) {
				__u64 blocked = off;

				blocked = blocked > runq ? blocked - runq : 0;
				tm->runq_ns += runq;
				switch (st->time_bucket) {
				case TIME_RUNQ: /* preempted: a runnable thread that waited */
					tm->runq_ns += blocked;
					break;
				case TIME_LOCK:
					tm->lock_ns += blocked;
					break;
				case TIME_NET:
					tm->net_ns += blocked;
					break;
				case TIME_DISK:
					tm->disk_ns += blocked;
					break;
				case TIME_SLEEP:
					tm->sleep_ns += blocked;
					break;
				default:
					tm->other_ns += blocked;
				}
				if (st->time_bucket != TIME_RUNQ)
					tm->switches++;
			}
		}
		st->times_slot = 0;
	}
	if (!off)
		return;
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

static __always_inline void switch_in(struct task_struct *next, __u64 now)
{
	__u32 tgid = next->tgid;
	__u32 tid = next->pid;
	struct sched_thread *t;
	struct thread_sched *st;
	__u64 off = 0, runq = 0;
	bool waited = false;

	if (!tgid_wanted(tgid) || tid == 0)
		return;
	if (test_skip_switch_ins_of && tid == test_skip_switch_ins_of) {
		test_skip_next ^= 1;
		if (test_skip_all || test_skip_next)
			return;
	}
	t = thread_of(tid, tgid, next);
	if (!t)
		return;
	st = &t->state;
	st->switched_in = 1;
	if (st->offcpu_since && now > st->offcpu_since)
		off = now - st->offcpu_since;
	if (RUNQ_FROM_SCHED_INFO && st->reason != OFFCPU_INVOLUNTARY) {
		/* Woken (or new): sched_info_arrive() has not yet run for this switch-in, so run_delay
		 * holds only the parts of the wait that ended on another run queue, and last_queued
		 * when the task was queued on this one. A task can be queued while still asleep: EEVDF
		 * keeps a blocked task queued until it is picked (delayed dequeue), and moving it to
		 * another CPU queues it there, which sets last_queued; the migration program marks
		 * that, as the wait of such an interval is not known. */
		if (st->queued_asleep) {
			t->stats.runq_unknown++;
		} else {
			__u64 rd = next->sched_info.run_delay;
			__u64 lq = next->sched_info.last_queued;

			runq = rd > st->run_delay_out ? rd - st->run_delay_out : 0;
			/* on the clock of this run queue, updated by __schedule before picking next */
			if (lq) {
				__u64 clock = next->se.cfs_rq->rq->clock;

				if (clock > lq)
					runq += clock - lq;
			}
			/* two clocks: the wait never exceeds the interval it is part of */
			if (off && runq > off)
				runq = off;
			waited = true;
		}
	} else if (st->runq_since && now > st->runq_since) {
		/* preempted (runnable since its switch-out), or woken with runq_from_wakeups */
		runq = now - st->runq_since;
		waited = true;
	}
	end_offcpu(t, tid, off, runq, waited, now, false);
}

/* Thread tid (prev) switches out at `now`, but the program did not run at its switch-in since its
 * last switch-out: on this guest kernel that happened about once per 25 s of a busy test JVM,
 * always for a thread resuming after it was preempted, and cost the thread's span that whole
 * off-CPU interval and the slice after it. The kernel's accounting has what the switch-in would
 * have recorded: the slice's CPU time (sum_exec_runtime since the last switch-out, which
 * copy_task_accounting has not overwritten yet) dates the switch-in, and the run-queue wait that
 * ended there is in run_delay (sched_info_arrive() ran at it). Interrupt time in the slice goes
 * to the off-CPU interval here (it is CPU time when the switch-in is seen). */
static __always_inline void replay_switch_in(struct sched_thread *t, struct task_struct *prev, __u32 tid,
					     __u64 now)
{
	struct thread_sched *st = &t->state;
	__u64 ran = prev->se.sum_exec_runtime - t->stats.oncpu_ns;
	__u64 in = now > ran ? now - ran : 0;
	__u64 off = 0, runq = 0;
	bool waited = false;

	if (in < st->offcpu_since)
		in = st->offcpu_since;
	off = in - st->offcpu_since;
	if (RUNQ_FROM_SCHED_INFO && st->reason != OFFCPU_INVOLUNTARY) {
		if (st->queued_asleep) {
			t->stats.runq_unknown++;
		} else {
			__u64 rd = prev->sched_info.run_delay;

			runq = rd > st->run_delay_out ? rd - st->run_delay_out : 0;
			if (runq > off)
				runq = off;
			waited = true;
		}
	} else if (st->runq_since) {
		runq = in > st->runq_since ? in - st->runq_since : 0;
		waited = true;
	}
	__sync_fetch_and_add(&switch_ins_replayed, 1);
	end_offcpu(t, tid, off, runq, waited, in, true);
}

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
	st = &t->state;
	if (st->offcpu_since && !st->switched_in)
		replay_switch_in(t, prev, tid, now);
	st->switched_in = 0;
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
	st->times_slot = 0;
	if (span_times_on) {
		__u32 *slot = bpf_map_lookup_elem(&tid_slot, &tid);
		struct span_times *tm = slot ? bpf_map_lookup_elem(&span_times, slot) : NULL;

		if (holds_slot(tm, tid)) {
			if (tm->oncpu_since && now > tm->oncpu_since)
				tm->oncpu_ns += now - tm->oncpu_since;
			tm->oncpu_since = 0;
			/* kept by kernels with CONFIG_TASK_XACCT only */
			if (bpf_core_field_exists(prev->ioac)) {
				tm->rchar = prev->ioac.rchar;
				tm->wchar = prev->ioac.wchar;
				tm->syscr = prev->ioac.syscr;
				tm->syscw = prev->ioac.syscw;
			}
			st->times_slot = *slot + 1;
			st->time_bucket = prev_state == 0 ? TIME_RUNQ : wait_bucket(prev, prev_state);
		}
	}
	st->offcpu_since = now;
	st->prev_state = prev_state;
	if (RUNQ_FROM_SCHED_INFO)
		st->run_delay_out = prev->sched_info.run_delay;
	st->queued_asleep = 0;
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

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now;

	/* most switches of a busy machine involve no thread of the JVM: leave before the clock read */
	if (!tgid_wanted(prev->tgid) && !tgid_wanted(next->tgid))
		return 0;
	now = bpf_ktime_get_ns();
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
	if (runq_from_wakeups)
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
	if (!t)
		return 0;
	t->stats.migrations++;
	/* moved while asleep (not by its wakeup, which marks it TASK_WAKING first): a task EEVDF kept
	 * queued after it blocked, now queued on the new CPU, where last_queued starts before its
	 * wakeup */
	if (RUNQ_FROM_SCHED_INFO && bpf_core_field_exists(p->__state) && t->state.offcpu_since) {
		unsigned int state = BPF_CORE_READ(p, __state);

		if (state != 0 && !(state & TASK_WAKING_STATE))
			t->state.queued_asleep = 1;
	}
	return 0;
}
