// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HotSpot's own USDT probes (provider "hotspot" in libjvm.so): thread lifecycle, GC pauses and
 * pool usage, VM operations, JIT compilations, contended monitor enters and class loading.
 *
 * Argument access goes through libbpf's usdt.bpf.h: the loader fills __bpf_usdt_specs from
 * the .note.stapsdt argument specs and passes the spec id as the BPF cookie of each site.
 * One program, on_hotspot, serves every site through a single uprobe_multi link: the spec of
 * each probe's sites carries the probe's index in enum hotspot_probe as its usdt cookie, and
 * on_hotspot dispatches on bpf_usdt_cookie(). (One link instead of one uprobe per site: the
 * kernel waits for an RCU grace period per uprobe when they are removed at exit, ~75 ms each
 * here, and one per multi link.)
 *
 * Strings from HotSpot are (pointer, length) pairs, not NUL-terminated: they are copied
 * truncated to the field and NUL-terminated; bytes after the NUL are undefined.
 */
#define PROBE_EVENTS 1
#include "common.bpf.h"
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The probes on_hotspot serves, by usdt cookie; JvmProbe.PROBES lists their names in this order. */
enum hotspot_probe {
	HP_THREAD_START,
	HP_THREAD_STOP,
	HP_GC_BEGIN,
	HP_GC_END,
	HP_MEM_POOL_GC_BEGIN,
	HP_MEM_POOL_GC_END,
	HP_VMOPS_BEGIN,
	HP_VMOPS_END,
	HP_METHOD_COMPILE_BEGIN,
	HP_METHOD_COMPILE_END,
	HP_MONITOR_CONTENDED_ENTER,
	HP_MONITOR_CONTENDED_ENTERED,
	HP_CLASS_LOADED,
	HP_CLASS_UNLOADED,
};

/* GC pauses (gc__begin..gc__end) at least this long become EV_GC events. */
const volatile __u64 gc_threshold_ns = 0;
/* VM operations (safepoint operations and others run by the VM thread). */
const volatile __u64 vmop_threshold_ns = 0;
/* JIT compilations at least this long become EV_COMPILE events; every compilation is counted in
 * compile_stats whatever its duration. */
const volatile __u64 compile_threshold_ns = 1000000ULL;
/* Contended monitor enters (probes active only with -XX:+DTraceMonitorProbes). */
const volatile __u64 monitor_threshold_ns = 10000ULL;
/* Emit EV_MEM_POOL_GC events (usage of each memory pool around each GC). */
const volatile __u8 mem_pool_events = 1;
/* Emit EV_CLASS_LOADED events (the counters below are always kept). */
const volatile __u8 class_load_events = 0;

/* Counters read by user space from .bss. */
__u64 classes_loaded = 0;
__u64 classes_loaded_shared = 0;  /* from the CDS archive */
__u64 classes_unloaded = 0;

/* Stop-the-world clocks: cumulative time the JVM spent in GC pauses and at safepoints, with the
 * start of the one in progress. The agent reads them with plain loads at every scope open and
 * close, so that a scope's overlap with the pauses is the difference: exact, and no work per
 * thread or per context switch. Only the VM thread writes them (every safepoint operation and
 * the GC pauses in them run on it); the sequence number is odd while a clock changes, so a
 * reader retries instead of adding a finished pause twice. 48 bytes. */
struct pause_clocks {
	__u64 seq;
	__u64 gc_ns;             /* completed GC pauses (gc__begin .. gc__end) */
	__u64 gc_since;          /* start of the GC pause in progress, 0 when none */
	__u64 safepoint_ns;      /* completed VM operations evaluated at a safepoint (vmops__begin .. end) */
	__u64 safepoint_since;   /* start of the one in progress, 0 when none */
	__u32 safepoint_depth;   /* a safepoint operation may run nested ones */
	__u32 _pad;
};
_Static_assert(sizeof(struct pause_clocks) == 48, "layout mirrored in PROBES.md");

struct pause_clocks pauses = {};

/* Orders the stores around a clock change: the BPF JIT keeps program order, x86 keeps store order. */
#define CLOCK_BARRIER() asm volatile("" ::: "memory")

static __always_inline void clock_begin(__u64 *since, __u64 now)
{
	pauses.seq++;
	CLOCK_BARRIER();
	*since = now ? now : 1;
	CLOCK_BARRIER();
	pauses.seq++;
}

static __always_inline void clock_end(__u64 *total, __u64 *since, __u64 now)
{
	if (!*since)
		return; /* began before the probe attached */
	pauses.seq++;
	CLOCK_BARRIER();
	if (now > *since)
		*total += now - *since;
	*since = 0;
	CLOCK_BARRIER();
	pauses.seq++;
}

#define THREAD_NAME_BYTES 64
#define VMOP_NAME_BYTES 64
#define POOL_NAME_BYTES 32
#define COMPILER_NAME_BYTES 16
#define CLASS_NAME_BYTES 128
#define METHOD_NAME_BYTES 64
#define SIGNATURE_BYTES 64

/* EV_THREAD_START / EV_THREAD_STOP: 56 + 88 = 144 bytes, duration 0. */
struct thread_event {
	struct event_hdr hdr;
	__u64 java_id;      /* java.lang.Thread.threadId() */
	__u64 native_id;    /* kernel tid of the Java thread */
	__u32 name_len;     /* length of the name in HotSpot (may exceed the copy) */
	__u8 daemon;
	__u8 _pad[3];
	char name[THREAD_NAME_BYTES];
};
BTF_EXPORT(thread_event);
_Static_assert(sizeof(struct thread_event) == 144, "layout mirrored in PROBES.md");

/* EV_GC: 56 + 8 = 64 bytes; start_ns = gc__begin, duration = until gc__end. */
struct gc_event {
	struct event_hdr hdr;
	__u8 full;
	__u8 _pad[7];
};
BTF_EXPORT(gc_event);
_Static_assert(sizeof(struct gc_event) == 64, "layout mirrored in PROBES.md");

/* EV_MEM_POOL_GC: 56 + 112 = 168 bytes; one per pool and GC, begin to end. */
struct mem_pool_event {
	struct event_hdr hdr;
	__u64 init;
	__u64 used_before;
	__u64 committed_before;
	__u64 used_after;
	__u64 committed_after;
	__u64 max;
	char manager[POOL_NAME_BYTES];  /* GC manager, e.g. "G1 Young Generation" */
	char pool[POOL_NAME_BYTES];     /* memory pool, e.g. "G1 Eden Space" */
};
BTF_EXPORT(mem_pool_event);
_Static_assert(sizeof(struct mem_pool_event) == 168, "layout mirrored in PROBES.md");

/* EV_VMOP: 56 + 72 = 128 bytes */
struct vmop_event {
	struct event_hdr hdr;
	__u32 mode;      /* VM_Operation mode (evaluation mode) */
	__u32 name_len;
	char name[VMOP_NAME_BYTES];
};
BTF_EXPORT(vmop_event);
_Static_assert(sizeof(struct vmop_event) == 128, "layout mirrored in PROBES.md");

/* EV_COMPILE: 56 + 280 = 336 bytes */
struct compile_event {
	struct event_hdr hdr;
	__u8 success;
	__u8 _pad[7];
	char compiler[COMPILER_NAME_BYTES];
	char class_name[CLASS_NAME_BYTES];  /* internal form: java/lang/String */
	char method_name[METHOD_NAME_BYTES];
	char signature[SIGNATURE_BYTES];
};
BTF_EXPORT(compile_event);
_Static_assert(sizeof(struct compile_event) == 336, "layout mirrored in PROBES.md");

/* EV_MONITOR_CONTENDED: 56 + 152 = 208 bytes; start = contended enter, duration = until
 * entered; the span context is the blocked thread's. */
struct monitor_event {
	struct event_hdr hdr;
	__u64 java_thread_id;
	__u64 monitor_id;       /* address of the ObjectMonitor */
	__u32 class_len;
	__u32 _pad;
	char class_name[CLASS_NAME_BYTES];  /* class of the locked object */
};
BTF_EXPORT(monitor_event);
_Static_assert(sizeof(struct monitor_event) == 208, "layout mirrored in PROBES.md");

/* EV_CLASS_LOADED: 56 + 144 = 200 bytes, duration 0. */
struct class_event {
	struct event_hdr hdr;
	__u64 loader_id;        /* ClassLoaderData address, 0 for the boot loader */
	__u32 name_len;
	__u8 shared;
	__u8 _pad[3];
	char name[CLASS_NAME_BYTES];
};
BTF_EXPORT(class_event);
_Static_assert(sizeof(struct class_event) == 200, "layout mirrored in PROBES.md");

/* What names a Java thread, from its thread__start, kept until user space has read the thread's
 * final counters (it deletes the entry then): 80 bytes. */
struct java_thread {
	__u64 java_id;      /* java.lang.Thread.threadId() */
	__u32 name_len;     /* length of the name in HotSpot (may exceed the copy) */
	__u8 daemon;
	__u8 _pad[3];
	char name[THREAD_NAME_BYTES];
};
_Static_assert(sizeof(struct java_thread) == 80, "layout mirrored in PROBES.md");

/* Every finished compilation, by compiler and outcome: 24-byte key, 528-byte value. */
struct compile_key {
	char compiler[COMPILER_NAME_BYTES];  /* e.g. "c1", "c2", as HotSpot names it */
	__u32 success;
	__u32 _pad;
};
_Static_assert(sizeof(struct compile_key) == 24, "layout mirrored in PROBES.md");

struct compile_stats {
	__u64 count;        /* every compilation that ended */
	__u64 total_ns;
	struct hist lat;    /* durations of those that began after the probe attached */
};
_Static_assert(sizeof(struct compile_stats) == 528, "layout mirrored in PROBES.md");

struct gc_begin {
	__u64 start_ns;
	__u8 full;
	__u8 _pad[7];
};

struct pool_key {
	__u32 tid;
	__u32 pool_hash;
};

struct pool_begin {
	__u64 start_ns;
	__u64 used;
	__u64 committed;
};

/* begin times per thread: the matching end fires on the same thread */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct gc_begin);
} gc_begin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pool_key);
	__type(value, struct pool_begin);
} pool_begin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} vmop_begin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} compile_begin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} monitor_begin SEC(".maps");

/* Keyed by kernel tid. LRU: without the sched probe nobody tells user space that a thread
 * exited, so the oldest entries make room. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, struct java_thread);
} java_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct compile_key);
	__type(value, struct compile_stats);
} compile_stats SEC(".maps");

static const struct compile_stats zero_compile_stats;

/* Copies min(len, cap - 1) bytes of a user string and NUL-terminates; cap is a power of two. */
#define COPY_STR(dst, src, len)                                                        \
	({                                                                             \
		_Static_assert((sizeof(dst) & (sizeof(dst) - 1)) == 0, "power of two"); \
		long __l = (len);                                                      \
		__u32 __n = __l <= 0 ? 0 : (__l >= (long)sizeof(dst) ? sizeof(dst) - 1 : __l); \
		__n &= sizeof(dst) - 1;                                                \
		if (__n && bpf_probe_read_user(dst, __n, (const void *)(src)))         \
			__n = 0;                                                       \
		(dst)[__n & (sizeof(dst) - 1)] = 0;                                    \
	})

static __always_inline __u64 since(__u64 start, __u64 now)
{
	return now > start ? now - start : 0;
}

/* ---------------------------------------------------------------- threads */

static __always_inline void thread_event(__u32 kind, long name, long name_len, long java_id,
					 long native_id, long daemon)
{
	struct thread_event *e;
	__u32 tid;

	if (!current_wanted(&tid))
		return;
	e = event_reserve(sizeof(*e), kind, tid, bpf_ktime_get_ns(), 0);
	if (!e)
		return;
	e->java_id = java_id;
	e->native_id = native_id;
	e->name_len = name_len;
	e->daemon = daemon != 0;
	__builtin_memset(e->_pad, 0, sizeof(e->_pad));
	COPY_STR(e->name, name, name_len);
	event_submit(e);
}

static int BPF_USDT(on_thread_start, long name, long name_len, long java_id, long native_id, long daemon)
{
	struct java_thread jt = {};
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	jt.java_id = java_id;
	jt.name_len = name_len;
	jt.daemon = daemon != 0;
	COPY_STR(jt.name, name, name_len);
	tid = (__u32)native_id;
	bpf_map_update_elem(&java_threads, &tid, &jt, BPF_ANY);
	thread_event(EV_THREAD_START, name, name_len, java_id, native_id, daemon);
	return 0;
}

static int BPF_USDT(on_thread_stop, long name, long name_len, long java_id, long native_id, long daemon)
{
	thread_event(EV_THREAD_STOP, name, name_len, java_id, native_id, daemon);
	return 0;
}

/* ---------------------------------------------------------------- GC */

static int BPF_USDT(on_gc_begin, long full)
{
	struct gc_begin b = { .full = full != 0 };
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	b.start_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&gc_begin, &tid, &b, BPF_ANY);
	clock_begin(&pauses.gc_since, b.start_ns);
	return 0;
}

static int BPF_USDT(on_gc_end)
{
	struct gc_begin *b;
	struct gc_event *e;
	__u64 now, dur;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	b = bpf_map_lookup_elem(&gc_begin, &tid);
	if (!b)
		return 0;
	now = bpf_ktime_get_ns();
	clock_end(&pauses.gc_ns, &pauses.gc_since, now);
	dur = since(b->start_ns, now);
	if (dur >= gc_threshold_ns) {
		e = event_reserve(sizeof(*e), EV_GC, tid, b->start_ns, dur);
		if (e) {
			e->full = b->full;
			__builtin_memset(e->_pad, 0, sizeof(e->_pad));
			event_submit(e);
		}
	}
	bpf_map_delete_elem(&gc_begin, &tid);
	return 0;
}

/* FNV-1a over the first bytes of the pool name: pairs begin and end of the same pool. */
static __always_inline __u32 pool_hash(long name, long len)
{
	char buf[POOL_NAME_BYTES] = {};
	__u32 h = 2166136261u;

	COPY_STR(buf, name, len);
	for (int i = 0; i < POOL_NAME_BYTES; i++) {
		h ^= (__u8)buf[i];
		h *= 16777619u;
	}
	return h;
}

static int BPF_USDT(on_mem_pool_gc_begin, long manager, long manager_len, long pool, long pool_len,
	     long init, long used, long committed, long max)
{
	struct pool_begin b;
	struct pool_key key;

	if (!mem_pool_events || !current_wanted(&key.tid))
		return 0;
	key.pool_hash = pool_hash(pool, pool_len);
	b.start_ns = bpf_ktime_get_ns();
	b.used = used;
	b.committed = committed;
	bpf_map_update_elem(&pool_begin, &key, &b, BPF_ANY);
	return 0;
}

static int BPF_USDT(on_mem_pool_gc_end, long manager, long manager_len, long pool, long pool_len,
	     long init, long used, long committed, long max)
{
	struct mem_pool_event *e;
	struct pool_begin *b;
	struct pool_key key;
	__u64 now;

	if (!mem_pool_events || !current_wanted(&key.tid))
		return 0;
	key.pool_hash = pool_hash(pool, pool_len);
	b = bpf_map_lookup_elem(&pool_begin, &key);
	if (!b)
		return 0;
	now = bpf_ktime_get_ns();
	e = event_reserve(sizeof(*e), EV_MEM_POOL_GC, key.tid, b->start_ns, since(b->start_ns, now));
	if (e) {
		e->init = init;
		e->used_before = b->used;
		e->committed_before = b->committed;
		e->used_after = used;
		e->committed_after = committed;
		e->max = max;
		COPY_STR(e->manager, manager, manager_len);
		COPY_STR(e->pool, pool, pool_len);
		event_submit(e);
	}
	bpf_map_delete_elem(&pool_begin, &key);
	return 0;
}

/* ---------------------------------------------------------------- VM operations */

static int BPF_USDT(on_vmop_begin, long name, long name_len, long mode)
{
	__u64 now;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	now = bpf_ktime_get_ns();
	/* mode 0: evaluated at a safepoint (JDK 9+ and 8 alike) */
	if (mode == 0 && pauses.safepoint_depth++ == 0)
		clock_begin(&pauses.safepoint_since, now);
	bpf_map_update_elem(&vmop_begin, &tid, &now, BPF_ANY);
	return 0;
}

static int BPF_USDT(on_vmop_end, long name, long name_len, long mode)
{
	struct vmop_event *e;
	__u64 *start, now, dur;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	now = bpf_ktime_get_ns();
	if (mode == 0 && pauses.safepoint_depth > 0 && --pauses.safepoint_depth == 0)
		clock_end(&pauses.safepoint_ns, &pauses.safepoint_since, now);
	start = bpf_map_lookup_elem(&vmop_begin, &tid);
	if (!start)
		return 0;
	dur = since(*start, now);
	if (dur >= vmop_threshold_ns) {
		e = event_reserve(sizeof(*e), EV_VMOP, tid, *start, dur);
		if (e) {
			e->mode = mode;
			e->name_len = name_len;
			COPY_STR(e->name, name, name_len);
			event_submit(e);
		}
	}
	bpf_map_delete_elem(&vmop_begin, &tid);
	return 0;
}

/* ---------------------------------------------------------------- JIT */

static int BPF_USDT(on_compile_begin)
{
	__u64 now;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&compile_begin, &tid, &now, BPF_ANY);
	return 0;
}

static int BPF_USDT(on_compile_end, long compiler, long compiler_len, long klass, long klass_len,
	     long method, long method_len, long sig, long sig_len, long success)
{
	struct compile_key key = {};
	struct compile_stats *st;
	struct compile_event *e;
	__u64 *start, now, dur;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	COPY_STR(key.compiler, compiler, compiler_len);
	key.success = success != 0;
	st = lookup_or_init(&compile_stats, &key, &zero_compile_stats);
	/* compiler threads finish compilations concurrently */
	if (st)
		__sync_fetch_and_add(&st->count, 1);
	start = bpf_map_lookup_elem(&compile_begin, &tid);
	if (!start)
		return 0; /* began before the probe attached: counted, without a duration */
	now = bpf_ktime_get_ns();
	dur = since(*start, now);
	if (st) {
		__sync_fetch_and_add(&st->total_ns, dur);
		hist_add(&st->lat, dur);
	}
	if (dur >= compile_threshold_ns) {
		e = event_reserve(sizeof(*e), EV_COMPILE, tid, *start, dur);
		if (e) {
			e->success = success != 0;
			__builtin_memset(e->_pad, 0, sizeof(e->_pad));
			COPY_STR(e->compiler, compiler, compiler_len);
			COPY_STR(e->class_name, klass, klass_len);
			COPY_STR(e->method_name, method, method_len);
			COPY_STR(e->signature, sig, sig_len);
			event_submit(e);
		}
	}
	bpf_map_delete_elem(&compile_begin, &tid);
	return 0;
}

/* ---------------------------------------------------------------- monitors */

static int BPF_USDT(on_monitor_contended_enter)
{
	__u64 now;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&monitor_begin, &tid, &now, BPF_ANY);
	return 0;
}

static int BPF_USDT(on_monitor_contended_entered, long java_thread_id, long monitor_id, long klass,
	     long klass_len)
{
	struct monitor_event *e;
	__u64 *start, now, dur;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	start = bpf_map_lookup_elem(&monitor_begin, &tid);
	if (!start)
		return 0;
	now = bpf_ktime_get_ns();
	dur = since(*start, now);
	if (dur >= monitor_threshold_ns) {
		e = event_reserve(sizeof(*e), EV_MONITOR_CONTENDED, tid, *start, dur);
		if (e) {
			e->java_thread_id = java_thread_id;
			e->monitor_id = monitor_id;
			e->class_len = klass_len;
			e->_pad = 0;
			COPY_STR(e->class_name, klass, klass_len);
			event_submit(e);
		}
	}
	bpf_map_delete_elem(&monitor_begin, &tid);
	return 0;
}

/* ---------------------------------------------------------------- classes */

static int BPF_USDT(on_class_loaded, long name, long name_len, long loader, long shared)
{
	struct class_event *e;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	__sync_fetch_and_add(&classes_loaded, 1);
	if (shared)
		__sync_fetch_and_add(&classes_loaded_shared, 1);
	if (!class_load_events)
		return 0;
	e = event_reserve(sizeof(*e), EV_CLASS_LOADED, tid, bpf_ktime_get_ns(), 0);
	if (!e)
		return 0;
	e->loader_id = loader;
	e->name_len = name_len;
	e->shared = shared != 0;
	__builtin_memset(e->_pad, 0, sizeof(e->_pad));
	COPY_STR(e->name, name, name_len);
	event_submit(e);
	return 0;
}

static int BPF_USDT(on_class_unloaded)
{
	__u32 tid;

	if (current_wanted(&tid))
		__sync_fetch_and_add(&classes_unloaded, 1);
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

SEC("usdt")
int on_hotspot(struct pt_regs *ctx)
{
	switch (bpf_usdt_cookie(ctx)) {
	case HP_THREAD_START:
		return on_thread_start(ctx);
	case HP_THREAD_STOP:
		return on_thread_stop(ctx);
	case HP_GC_BEGIN:
		return on_gc_begin(ctx);
	case HP_GC_END:
		return on_gc_end(ctx);
	case HP_MEM_POOL_GC_BEGIN:
		return on_mem_pool_gc_begin(ctx);
	case HP_MEM_POOL_GC_END:
		return on_mem_pool_gc_end(ctx);
	case HP_VMOPS_BEGIN:
		return on_vmop_begin(ctx);
	case HP_VMOPS_END:
		return on_vmop_end(ctx);
	case HP_METHOD_COMPILE_BEGIN:
		return on_compile_begin(ctx);
	case HP_METHOD_COMPILE_END:
		return on_compile_end(ctx);
	case HP_MONITOR_CONTENDED_ENTER:
		return on_monitor_contended_enter(ctx);
	case HP_MONITOR_CONTENDED_ENTERED:
		return on_monitor_contended_entered(ctx);
	case HP_CLASS_LOADED:
		return on_class_loaded(ctx);
	case HP_CLASS_UNLOADED:
		return on_class_unloaded(ctx);
	}
	return 0;
}
