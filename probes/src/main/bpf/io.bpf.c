// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File-descriptor I/O of the JVM's threads: bytes, calls, errors and latency per (thread,
 * operation, file type), the file type read from the descriptor table at entry; slow I/O,
 * fsync/fdatasync and openat as events. Storage I/O apart from it: the bytes of the block
 * requests (bios) the JVM's threads submit, at the block layer.
 *
 * One pair of raw system-call hooks (tp_btf sys_enter/sys_exit) that leave after the pid test
 * and a switch on the call number. The per-syscall tracepoints (syscalls:sys_enter_read ...) this
 * probe used before run only for the calls they trace, but through the perf-event path: for every
 * read and write of every process on the machine the kernel built a perf record of the call's
 * arguments before the program could test the pid. That made the io probe cost other processes
 * more than the syscalls probe's raw hooks, which run for every call (docs/benchmarks.md).
 * Either way, while attached every task of the machine takes the syscall-tracing path.
 *
 * The call in flight is kept in task-local storage, reused from call to call and freed by the
 * kernel with the task: no hash insert per entry and delete per exit.
 */
#define PROBE_EVENTS 1
#define HOOK_NOW_MAP 1
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* operation classes */
#define IO_READ 0   /* read, pread64, readv, preadv */
#define IO_WRITE 1  /* write, pwrite64, writev, pwritev, sendfile64 (as a write to out_fd) */
#define IO_FSYNC 2  /* fsync, fdatasync */
#define IO_OPEN 3   /* openat; file type of the returned descriptor */
#define IO_DISK_READ 4   /* bios read from a block device on behalf of the thread (ftype FT_OTHER) */
#define IO_DISK_WRITE 5  /* bios written to a block device by the thread (ftype FT_OTHER) */

/* file types, from the inode mode of the descriptor's file */
#define FT_OTHER 0  /* anon inodes (eventfd, epoll, ...), directories, block devices, unknown */
#define FT_REG 1
#define FT_SOCK 2
#define FT_PIPE 3   /* pipes and FIFOs */
#define FT_CHR 4    /* character devices (tty, /dev/null, ...) */

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

/* Reads and writes at least this long become EV_SLOW_IO events (0 disables them) ... */
const volatile __u64 slow_io_ns = 10000000ULL;
/* ... for these file types only (bit 1 << FT_*): sockets and pipes block by design. */
const volatile __u32 slow_io_types = 1 << FT_REG;
/* fsync/fdatasync at least this long become EV_FSYNC events. */
const volatile __u64 fsync_threshold_ns = 1000000ULL;
/* openat calls become EV_OPEN events, at most this many per second (0 disables them). */
const volatile __u32 open_events_per_sec = 200;
/* Keep latency histograms in io_stats. */
const volatile __u8 io_histograms = 1;

#define PATH_MAX_BYTES 256

struct io_inflight {
	__u64 start_ns;  /* 0 when no call is in flight */
	__u64 path;   /* user pointer to the file name (openat) */
	__s32 fd;
	__u32 nr;
	__u8 op;
	__u8 ftype;
	__u8 _pad[6];
};

struct io_key {
	__u32 tid;
	__u8 op;
	__u8 ftype;
	__u16 _pad;
};
_Static_assert(sizeof(struct io_key) == 8, "layout mirrored in PROBES.md");

/* 40 + 512 = 552 bytes */
struct io_stats {
	__u64 calls;
	__u64 bytes;     /* sum of positive return values of reads and writes */
	__u64 errors;
	__u64 total_ns;
	__u64 max_ns;
	struct hist lat;
};
_Static_assert(sizeof(struct io_stats) == 552, "layout mirrored in PROBES.md");

/* EV_SLOW_IO: 56 + 24 = 80 bytes */
struct slow_io_event {
	struct event_hdr hdr;
	__s64 ret;        /* bytes or -errno */
	__s32 fd;
	__u32 nr;         /* syscall number */
	__u8 op;          /* IO_* */
	__u8 ftype;       /* FT_* */
	__u8 _pad[6];
	__u64 ino;        /* inode number of the descriptor's file at the exit, 0 when gone */
};
BTF_EXPORT(slow_io_event);
_Static_assert(sizeof(struct slow_io_event) == 88, "layout mirrored in PROBES.md");

/* EV_FSYNC: 56 + 24 = 80 bytes */
struct fsync_event {
	struct event_hdr hdr;
	__s64 ret;
	__s32 fd;
	__u32 nr;
	__u64 ino;        /* inode number of the descriptor's file at the exit, 0 when gone */
};
BTF_EXPORT(fsync_event);
_Static_assert(sizeof(struct fsync_event) == 80, "layout mirrored in PROBES.md");

/* EV_OPEN: 56 + 16 + 256 = 328 bytes */
struct open_event {
	struct event_hdr hdr;
	__s64 ret;        /* descriptor or -errno */
	__s32 flags;      /* open flags */
	__u32 path_len;   /* bytes of path including the NUL, 0 when unreadable */
	char path[PATH_MAX_BYTES];
};
BTF_EXPORT(open_event);
_Static_assert(sizeof(struct open_event) == 328, "layout mirrored in PROBES.md");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct io_inflight);
} io_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct io_key);
	__type(value, struct io_stats);
} io_stats SEC(".maps");

static const struct io_stats zero_stats;

/* rate limit of EV_OPEN (approximate: no atomics) */
__u64 open_window_start = 0;
__u32 open_window_count = 0;
__u32 open_events_suppressed = 0;

static __always_inline __u8 fd_type(int fd)
{
	struct file *f = current_fd_file(fd);
	__u16 mode;

	if (!f)
		return FT_OTHER;
	mode = BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT;
	switch (mode) {
	case S_IFREG: return FT_REG;
	case S_IFSOCK: return FT_SOCK;
	case S_IFIFO: return FT_PIPE;
	case S_IFCHR: return FT_CHR;
	default: return FT_OTHER;
	}
}

/* Lets user space check that the descriptor it resolves to a path is still the same file. */
static __always_inline __u64 fd_ino(int fd)
{
	struct file *f = current_fd_file(fd);

	return f ? BPF_CORE_READ(f, f_inode, i_ino) : 0;
}

#define IO_NONE 0xff

/* The operation class of system call nr, IO_NONE for a call this probe does not time. */
static __always_inline __u8 io_op(long nr)
{
	switch (nr) {
	case NR_READ: case NR_PREAD64: case NR_READV: case NR_PREADV:
		return IO_READ;
	case NR_WRITE: case NR_PWRITE64: case NR_WRITEV: case NR_PWRITEV: case NR_SENDFILE:
		return IO_WRITE;
	case NR_FSYNC: case NR_FDATASYNC:
		return IO_FSYNC;
	case NR_OPENAT:
		return IO_OPEN;
	default:
		return IO_NONE;
	}
}

/* Set when this object's system-call programs are tail-called from the syscalls probe's: they
 * then time their calls with the clock that probe's program just read (hook_now, its map). */
const volatile __u8 clock_from_syscalls = 0;

static __always_inline __u64 io_now(void)
{
	if (clock_from_syscalls) {
		__u32 zero = 0;
		__u64 *now = bpf_map_lookup_elem(&hook_now, &zero);

		if (now && *now)
			return *now;
	}
	return bpf_ktime_get_ns();
}

static __always_inline int io_enter(long nr, __u8 op, int fd, __u64 path)
{
	struct io_inflight *in;

	in = bpf_task_storage_get(&io_inflight, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!in)
		return 0;
	in->fd = fd;
	in->nr = (__u32)nr;
	in->op = op;
	in->path = path;
	in->ftype = op == IO_OPEN ? FT_OTHER : fd_type(fd);
	in->start_ns = io_now();
	return 0;
}

static __always_inline bool open_allowed(__u64 now)
{
	if (!open_events_per_sec)
		return false;
	if (now - open_window_start >= 1000000000ULL) {
		open_window_start = now;
		open_window_count = 0;
	}
	if (open_window_count >= open_events_per_sec) {
		__sync_fetch_and_add(&open_events_suppressed, 1);
		return false;
	}
	open_window_count++;
	return true;
}

static __always_inline void emit_open(__u32 tid, struct io_inflight *in, long ret, __u64 dur,
				      int flags)
{
	struct open_event *e = event_reserve(sizeof(*e), EV_OPEN, tid, in->start_ns, dur);
	long n;

	if (!e)
		return;
	e->ret = ret;
	e->flags = flags;
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), (const void *)in->path);
	e->path_len = n > 0 ? n : 0;
	if (n <= 0)
		e->path[0] = 0;
	event_submit(e);
}

/* Open flags are only known at entry: kept in the fd field of the in-flight entry. */
static __always_inline int io_exit(__u32 tid, long ret)
{
	struct io_inflight *in;
	struct io_stats *st;
	struct io_key key = {};
	__u64 now, dur;

	in = bpf_task_storage_get(&io_inflight, bpf_get_current_task_btf(), 0, 0);
	/* none: the call started before the probe attached */
	if (!in || !in->start_ns)
		return 0;
	now = io_now();
	dur = now > in->start_ns ? now - in->start_ns : 0;
	key.tid = tid;
	key.op = in->op;
	key.ftype = in->op == IO_OPEN ? (ret >= 0 ? fd_type(ret) : FT_OTHER) : in->ftype;
	st = lookup_or_init(&io_stats, &key, &zero_stats);
	if (st) {
		/* plain adds: only the thread of the key writes its entries, and it is running here */
		st->calls++;
		if (ret < 0)
			st->errors++;
		else if (in->op == IO_READ || in->op == IO_WRITE)
			st->bytes += ret;
		st->total_ns += dur;
		if (dur > st->max_ns)
			st->max_ns = dur;
		if (io_histograms)
			st->lat.slots[hist_slot(dur)]++;
	}

	if (in->op == IO_OPEN) {
		if (open_allowed(now))
			emit_open(tid, in, ret, dur, in->fd);
	} else if (in->op == IO_FSYNC) {
		if (dur >= fsync_threshold_ns) {
			struct fsync_event *e = event_reserve(sizeof(*e), EV_FSYNC, tid, in->start_ns, dur);

			if (e) {
				e->ret = ret;
				e->fd = in->fd;
				e->nr = in->nr;
				e->ino = fd_ino(in->fd);
				event_submit(e);
			}
		}
	} else if (slow_io_ns && dur >= slow_io_ns && ((slow_io_types >> key.ftype) & 1)) {
		struct slow_io_event *e = event_reserve(sizeof(*e), EV_SLOW_IO, tid, in->start_ns, dur);

		if (e) {
			e->ret = ret;
			e->fd = in->fd;
			e->nr = in->nr;
			e->op = in->op;
			e->ftype = key.ftype;
			__builtin_memset(e->_pad, 0, sizeof(e->_pad));
			e->ino = fd_ino(in->fd);
			event_submit(e);
		}
	}
	in->start_ns = 0;
	return 0;
}

/* The descriptor is the first argument of every timed call (sendfile's out_fd included) but
 * openat(dfd, filename, flags, mode), whose flags ride in the fd field until the exit. */
SEC("tp_btf/sys_enter")
int BPF_PROG(on_io_sys_enter, struct pt_regs *regs, long id)
{
	__u32 tid;
	__u8 op;

	if (!current_wanted(&tid))
		return 0;
	op = io_op(id);
	if (op == IO_NONE)
		return 0;
	if (op == IO_OPEN)
		return io_enter(id, op, (int)PT_REGS_PARM3_CORE_SYSCALL(regs), PT_REGS_PARM2_CORE_SYSCALL(regs));
	return io_enter(id, op, (int)PT_REGS_PARM1_CORE_SYSCALL(regs), 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_io_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	/* the call number is still in orig_ax at the exit: no storage lookup for the other calls */
	if (io_op(BPF_CORE_READ(regs, orig_ax)) == IO_NONE)
		return 0;
	return io_exit(tid, ret);
}

/*
 * Storage I/O. block_bio_queue runs in the context of the task that submits the bio: a read
 * that missed the page cache, an O_DIRECT transfer, the writeback an fsync starts. Writeback
 * that the kernel's flusher threads do on their own is not the JVM's and is not counted (as
 * in /proc/<pid>/io, whose write_bytes counts at page dirtying instead). A bio is traced once,
 * with its full size, however the block layer later splits or merges it; a stacked device
 * (device mapper, md) submits bios of its own to the devices below, which count again.
 */
#define REQ_OP_MASK_BITS 0xff
#define REQ_OP_READ_ 0
#define REQ_OP_WRITE_ 1

SEC("tp_btf/block_bio_queue")
int BPF_PROG(on_bio_queue, struct bio *bio)
{
	struct io_key key = {};
	struct io_stats *st;
	__u32 op, bytes, tid;

	if (!current_wanted(&tid))
		return 0;
	op = BPF_CORE_READ(bio, bi_opf) & REQ_OP_MASK_BITS;
	if (op != REQ_OP_READ_ && op != REQ_OP_WRITE_)
		return 0;
	bytes = BPF_CORE_READ(bio, bi_iter.bi_size);
	if (!bytes)
		return 0;
	key.tid = tid;
	key.op = op == REQ_OP_READ_ ? IO_DISK_READ : IO_DISK_WRITE;
	key.ftype = FT_OTHER;
	st = lookup_or_init(&io_stats, &key, &zero_stats);
	if (st) {
		st->calls++;
		st->bytes += bytes;
	}
	return 0;
}
