// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP connections of the JVM: connect latency and outcome, accept-queue latency, bytes and
 * calls per connection, retransmits and resets. Connections are keyed by their 4-tuple and
 * remember the thread that opened (connect) or accepted them.
 *
 * Many of these hooks run in softirq or timer context, where `current` is unrelated: the process
 * filter there is membership of the socket in `sock_owner`, filled in process context (connect,
 * accept, first send/receive) after the tgid test.
 */
#define PROBE_EVENTS 1
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

/* Accepts whose queue wait plus accept() call is at least this long become EV_ACCEPT events. */
const volatile __u64 accept_threshold_ns = 1000000ULL;
/* Connects at least this long become EV_CONNECT events; failures always do. */
const volatile __u64 connect_threshold_ns = 0;
/* Emit EV_RETRANSMIT events (the counters in conn_stats are always kept). */
const volatile __u8 retransmit_events = 1;
/* Emit EV_RESET events. */
const volatile __u8 reset_events = 1;
/* Remember accepted connections whose handshake completed in accept_pending, for the accept()
 * hooks and the send/receive hooks, which time the accept queue from it: user space clears this
 * when it attaches neither (nothing would read the map). */
const volatile __u8 accept_queue = 1;
/* Keep the per-connection table conn_stats (bytes, calls, connect and accept-queue latency,
 * retransmits and resets per 4-tuple). Off: the events and the membership in sock_owner stay,
 * nothing is written to conn_stats (user space then gives it a single entry). */
const volatile __u8 connection_stats = 1;
/* Take ownership of an accepted connection when its handshake completes (owner thread unknown:
 * tid 0), for user space that leaves out the per-operation send/receive hooks, which would
 * otherwise adopt it at its first send or receive. */
const volatile __u8 adopt_at_handshake = 0;

#define ROLE_UNKNOWN 0  /* first seen sending or receiving (opened before the probe) */
#define ROLE_CLIENT 1   /* connect() */
#define ROLE_SERVER 2   /* accept() */

/* 40 bytes. Addresses in network byte order (IPv4 in the first 4 bytes, the rest zero), ports in
 * host byte order, sport is the local port. */
struct conn_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 _pad;
};
_Static_assert(sizeof(struct conn_key) == 40, "layout mirrored in PROBES.md");

/* 88 bytes */
struct conn_stats {
	__u64 opened_ns;        /* connect() start, accept() return or first sighting */
	__u64 closed_ns;        /* 0 while open; user space removes closed entries after reading */
	__u64 connect_ns;       /* SYN_SENT -> ESTABLISHED, 0 for accepted connections */
	__u64 accept_queue_ns;  /* handshake done -> accept() returned, 0 when unknown */
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 sends;
	__u64 receives;
	__u32 retransmits;
	__u32 resets_sent;
	__u32 resets_received;
	__u32 owner_tid;
	__u32 owner_tgid;
	__u8 role;              /* ROLE_* */
	__u8 _pad[3];
};
_Static_assert(sizeof(struct conn_stats) == 88, "layout mirrored in PROBES.md");

/* private: what we know of a socket of the target process */
struct sock_info {
	struct conn_key key;
	__u64 start_ns;
	__u32 tgid;
	__u32 tid;
	__u8 role;
	__u8 has_key;
	__u8 _pad[6];
};

/* EV_CONNECT: 56 + 48 = 104 bytes. start_ns = SYN_SENT, duration = until ESTABLISHED/CLOSE. */
struct connect_event {
	struct event_hdr hdr;
	struct conn_key key;
	__s32 error;      /* sk_err at failure (ECONNREFUSED, ETIMEDOUT, ...), 0 on success */
	__u32 newstate;   /* TCP_ESTABLISHED (1) or TCP_CLOSE (7) */
};
BTF_EXPORT(connect_event);
_Static_assert(sizeof(struct connect_event) == 104, "layout mirrored in PROBES.md");

/* EV_ACCEPT: 56 + 56 = 112 bytes. start_ns = handshake done (accept() entry when unknown),
 * duration = until accept() returned. tid = accepting thread. */
struct accept_event {
	struct event_hdr hdr;
	struct conn_key key;
	__u64 accept_call_ns;  /* time inside accept() */
	__u64 queue_ns;        /* handshake done -> accept() returned, 0 when unknown */
};
BTF_EXPORT(accept_event);
_Static_assert(sizeof(struct accept_event) == 112, "layout mirrored in PROBES.md");

/* EV_RETRANSMIT and EV_RESET: 56 + 48 = 104 bytes, tid = owner, duration 0. */
struct tcp_event {
	struct event_hdr hdr;
	struct conn_key key;
	__u32 state;      /* TCP state of the socket */
	__u32 direction;  /* EV_RESET: 0 received, 1 sent; EV_RETRANSMIT: 0 */
};
BTF_EXPORT(tcp_event);
_Static_assert(sizeof(struct tcp_event) == 104, "layout mirrored in PROBES.md");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, struct conn_stats);
} conn_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);  /* struct sock * */
	__type(value, struct sock_info);
} sock_owner SEC(".maps");

/* Local ports listened on by the target process (host order, as __u32) -> tgid. Filled at
 * listen(); user space may prefill ports opened before the probe was attached. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} listen_ports SEC(".maps");

/* private: listening struct sock * -> its port (gone from the socket when it closes) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} listeners SEC(".maps");

/* Child sockets of those listeners whose handshake completed: struct sock * -> time. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} accept_pending SEC(".maps");

struct accept_inflight {
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, struct accept_inflight);
} accept_inflight SEC(".maps");

static __always_inline void conn_key_of(const struct sock *sk, struct conn_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (k->family == AF_INET) {
		bpf_core_read(k->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(k->daddr, 4, &sk->__sk_common.skc_daddr);
	} else if (k->family == AF_INET6) {
		bpf_core_read(k->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(k->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline bool is_inet_tcp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	return (family == AF_INET || family == AF_INET6) &&
	       BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

/* Creates the conn_stats entry of a socket that just got its 4-tuple. */
static __always_inline struct conn_stats *conn_open(struct sock_info *si, __u64 now)
{
	struct conn_stats init = {
		.opened_ns = si->start_ns ? si->start_ns : now,
		.owner_tid = si->tid,
		.owner_tgid = si->tgid,
		.role = si->role,
	};

	if (!connection_stats)
		return NULL;
	bpf_map_update_elem(&conn_stats, &si->key, &init, BPF_ANY);
	return bpf_map_lookup_elem(&conn_stats, &si->key);
}

static __always_inline struct conn_stats *conn_of(struct sock_info *si)
{
	return connection_stats && si->has_key ? bpf_map_lookup_elem(&conn_stats, &si->key) : NULL;
}

static __always_inline void emit_tcp_event(__u32 kind, const struct sock *sk, struct sock_info *si,
					   __u32 direction)
{
	struct tcp_event *e = event_reserve(sizeof(*e), kind, si->tid, bpf_ktime_get_ns(), 0);
	__u32 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	if (!e)
		return;
	/* from the socket: a connect still in SYN_SENT has no key in sock_info yet */
	conn_key_of(sk, &e->key);
	e->state = state;
	e->direction = direction;
	event_submit(e);
}

static __always_inline void on_connect_done(const struct sock *sk, __u64 skp, struct sock_info *si,
					    int newstate, __u64 now)
{
	__u64 lat = now > si->start_ns ? now - si->start_ns : 0;
	struct conn_stats *cs;
	__s32 err = 0;

	conn_key_of(sk, &si->key);
	si->has_key = 1;
	if (newstate == TCP_ESTABLISHED) {
		cs = conn_open(si, now);
		if (cs)
			cs->connect_ns = lat;
	} else {
		err = BPF_CORE_READ(sk, sk_err);
	}
	if (newstate != TCP_ESTABLISHED || lat >= connect_threshold_ns) {
		struct connect_event *e = event_reserve(sizeof(*e), EV_CONNECT, si->tid, si->start_ns, lat);

		if (e) {
			__builtin_memcpy(&e->key, &si->key, sizeof(e->key));
			e->error = err;
			e->newstate = newstate;
			event_submit(e);
		}
	}
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 skp = (__u64)sk, now;
	struct sock_info *si;
	__u32 tid;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	now = bpf_ktime_get_ns();

	if (oldstate == TCP_CLOSE || newstate == TCP_SYN_RECV) {
		/* a new socket (passive children are cloned from the listener and start with
		 * LISTEN -> SYN_RECV): forget what a freed socket at this address left */
		bpf_map_delete_elem(&sock_owner, &skp);
		if (accept_queue)
			bpf_map_delete_elem(&accept_pending, &skp);
	}
	if (newstate == TCP_SYN_SENT) {
		/* connect(): process context, the caller is current */
		struct sock_info info = { .role = ROLE_CLIENT, .start_ns = now };
		__u64 id = bpf_get_current_pid_tgid();

		if (!tgid_wanted(id >> 32))
			return 0;
		info.tgid = id >> 32;
		info.tid = (__u32)id;
		bpf_map_update_elem(&sock_owner, &skp, &info, BPF_ANY);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		__u32 port = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (current_wanted(&tid)) {
			bpf_map_update_elem(&listen_ports, &port, &tgid, BPF_ANY);
			bpf_map_update_elem(&listeners, &skp, &port, BPF_ANY);
		}
		return 0;
	}
	if (oldstate == TCP_LISTEN) {
		/* the listener closing, or a child clone entering SYN_RECV */
		if (newstate == TCP_CLOSE) {
			__u32 *port = bpf_map_lookup_elem(&listeners, &skp);

			if (port)
				bpf_map_delete_elem(&listen_ports, port);
			bpf_map_delete_elem(&listeners, &skp);
		}
		return 0;
	}
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
		/* handshake of a passive child done (softirq): keep it when its port is ours */
		__u32 port = BPF_CORE_READ(sk, __sk_common.skc_num);

		__u32 *owner = bpf_map_lookup_elem(&listen_ports, &port);

		if (!owner)
			return 0;
		if (accept_queue)
			bpf_map_update_elem(&accept_pending, &skp, &now, BPF_ANY);
		if (adopt_at_handshake) {
			struct sock_info info = { .role = ROLE_SERVER, .has_key = 1, .start_ns = now,
						  .tgid = *owner };

			conn_key_of(sk, &info.key);
			bpf_map_update_elem(&sock_owner, &skp, &info, BPF_ANY);
			conn_open(&info, now);
		}
		return 0;
	}

	si = bpf_map_lookup_elem(&sock_owner, &skp);
	if (!si) {
		if (newstate == TCP_CLOSE && accept_queue)
			bpf_map_delete_elem(&accept_pending, &skp);
		return 0;
	}
	if (oldstate == TCP_SYN_SENT) {
		on_connect_done(sk, skp, si, newstate, now);
		if (newstate != TCP_CLOSE)
			return 0;
	}
	if (newstate == TCP_CLOSE) {
		struct conn_stats *cs = conn_of(si);

		if (cs)
			cs->closed_ns = now;
		bpf_map_delete_elem(&sock_owner, &skp);
		if (accept_queue)
			bpf_map_delete_elem(&accept_pending, &skp);
	}
	return 0;
}

/* ---------------------------------------------------------------- accept */

static __always_inline int accept_enter(void)
{
	struct accept_inflight in;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	in.start_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&accept_inflight, &tid, &in, BPF_ANY);
	return 0;
}

static __always_inline int accept_exit(long ret)
{
	struct accept_inflight *in;
	struct sock_info info = { .role = ROLE_SERVER, .has_key = 1 };
	struct conn_stats *cs;
	struct file *f;
	struct socket *so;
	struct sock *sk;
	__u64 now, skp, call, queue = 0, start, *done;
	__u32 tid;

	if (!current_wanted(&tid))
		return 0;
	in = bpf_map_lookup_elem(&accept_inflight, &tid);
	if (!in)
		return 0;
	now = bpf_ktime_get_ns();
	start = in->start_ns;
	bpf_map_delete_elem(&accept_inflight, &tid);
	if (ret < 0)
		return 0;
	call = now > start ? now - start : 0;
	f = current_fd_file(ret);
	if (!f)
		return 0;
	so = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(so, sk);
	if (!sk || !is_inet_tcp(sk))
		return 0;
	skp = (__u64)sk;
	done = bpf_map_lookup_elem(&accept_pending, &skp);
	if (done) {
		if (now > *done)
			queue = now - *done;
		if (*done < start)
			start = *done;
		bpf_map_delete_elem(&accept_pending, &skp);
	}
	info.tgid = bpf_get_current_pid_tgid() >> 32;
	info.tid = tid;
	info.start_ns = now;
	conn_key_of(sk, &info.key);
	bpf_map_update_elem(&sock_owner, &skp, &info, BPF_ANY);
	cs = conn_open(&info, now);
	if (cs)
		cs->accept_queue_ns = queue;
	if (now - start >= accept_threshold_ns) {
		struct accept_event *e = event_reserve(sizeof(*e), EV_ACCEPT, tid, start, now - start);

		if (e) {
			__builtin_memcpy(&e->key, &info.key, sizeof(e->key));
			e->accept_call_ns = call;
			e->queue_ns = queue;
			event_submit(e);
		}
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int on_enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return accept_enter();
}

SEC("tracepoint/syscalls/sys_exit_accept")
int on_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int on_enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return accept_enter();
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int on_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

/* ---------------------------------------------------------------- bytes */

/* The two hooks below run for every socket send and receive of the machine (the tgid test is
 * their first work): user space attaches them only when asked for per-connection bytes.
 *
 * Sockets of the process not seen at connect/accept are adopted at their first send or
 * receive, with the current thread as owner: sockets opened before the probe, and accepted ones
 * when the accept() hooks are not attached (user space may leave them out: syscall tracepoints
 * put every task of the machine on the slow syscall path). An accepted socket is known by its
 * entry in accept_pending; its accept-queue latency then runs until this first send or receive. */
static __always_inline struct sock_info *owned(struct sock *sk, __u32 tid)
{
	__u64 skp = (__u64)sk, *done;
	struct sock_info *si = bpf_map_lookup_elem(&sock_owner, &skp);
	struct sock_info info = { .role = ROLE_UNKNOWN, .has_key = 1, .tid = tid };
	struct conn_stats *cs;
	__u64 queue = 0;

	if (si)
		return si;
	if (!is_inet_tcp(sk))
		return NULL;
	/* a socket already closed (e.g. reset) still returns queued data: not a new connection */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_CLOSE)
		return NULL;
	conn_key_of(sk, &info.key);
	if (info.key.dport == 0 || info.key.sport == 0)
		return NULL;
	info.tgid = bpf_get_current_pid_tgid() >> 32;
	info.start_ns = bpf_ktime_get_ns();
	done = bpf_map_lookup_elem(&accept_pending, &skp);
	if (done) {
		info.role = ROLE_SERVER;
		if (info.start_ns > *done)
			queue = info.start_ns - *done;
		bpf_map_delete_elem(&accept_pending, &skp);
	}
	bpf_map_update_elem(&sock_owner, &skp, &info, BPF_NOEXIST);
	si = bpf_map_lookup_elem(&sock_owner, &skp);
	if (si && connection_stats && !bpf_map_lookup_elem(&conn_stats, &si->key)) {
		cs = conn_open(si, info.start_ns);
		if (cs && queue)
			cs->accept_queue_ns = queue;
	}
	return si;
}

static __always_inline void count_bytes(struct sock *sk, int ret, bool sent)
{
	struct sock_info *si;
	struct conn_stats *cs;
	__u32 tid;

	if (!current_wanted(&tid) || ret <= 0 || !sk)
		return;
	si = owned(sk, tid);
	if (!si)
		return;
	cs = conn_of(si);
	if (!cs)
		return;
	if (sent) {
		__sync_fetch_and_add(&cs->bytes_sent, ret);
		__sync_fetch_and_add(&cs->sends, 1);
	} else {
		__sync_fetch_and_add(&cs->bytes_received, ret);
		__sync_fetch_and_add(&cs->receives, 1);
	}
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send_length, struct sock *sk, int ret, int flags)
{
	count_bytes(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv_length, struct sock *sk, int ret, int flags)
{
	/* MSG_PEEK reads are read again later */
	if (!(flags & 2 /* MSG_PEEK */))
		count_bytes(sk, ret, false);
	return 0;
}

/* ---------------------------------------------------------------- retransmits and resets */

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(on_tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	__u64 skp = (__u64)sk;
	struct sock_info *si = bpf_map_lookup_elem(&sock_owner, &skp);
	struct conn_stats *cs;

	if (!si)
		return 0;
	cs = conn_of(si);
	if (cs)
		__sync_fetch_and_add(&cs->retransmits, 1);
	if (retransmit_events)
		emit_tcp_event(EV_RETRANSMIT, sk, si, 0);
	return 0;
}

static __always_inline void on_reset(const struct sock *sk, __u32 direction)
{
	__u64 skp = (__u64)sk;
	struct sock_info *si;
	struct conn_stats *cs;

	if (!sk)
		return;
	si = bpf_map_lookup_elem(&sock_owner, &skp);
	if (!si)
		return;
	cs = conn_of(si);
	if (cs) {
		if (direction)
			__sync_fetch_and_add(&cs->resets_sent, 1);
		else
			__sync_fetch_and_add(&cs->resets_received, 1);
	}
	if (reset_events)
		emit_tcp_event(EV_RESET, sk, si, direction);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(on_tcp_receive_reset, struct sock *sk)
{
	on_reset(sk, 0);
	return 0;
}

/* sk is NULL for resets answering segments of no socket, and may be a timewait or request
 * socket: those never are in sock_owner, so the lookup by address filters them out. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	on_reset(sk, 1);
	return 0;
}
