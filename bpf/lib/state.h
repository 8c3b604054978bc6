/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-socket state (in socket storage or in the inode-keyed hash) and the
 * identities a record carries: the task (in every event), SO_PEERCRED and
 * the task last seen on the peer socket (with the socket's names, handed
 * to user space once and again when they change).
 */
#ifndef UDS_BPF_LIB_STATE_H
#define UDS_BPF_LIB_STATE_H

#include "maps.h"
#include "addr.h"
#include "ns.h"

/* The state of socket sk (inode ino), created if new and asked for.
 * With cfg.sk_storage, sk must be a socket pointer the verifier trusts:
 * callers that only have an untrusted one pass trusted_sk = false (a
 * compile-time constant), and those programs only load with the hash. */
static __always_inline bool in_sk_storage(const bool trusted_sk)
{
	return trusted_sk && cfg.sk_storage;
}

static __always_inline struct sock_state *state_of(struct sock *sk, __u64 ino, bool create,
						   const bool trusted_sk)
{
	struct sock_state *st;

	if (in_sk_storage(trusted_sk)) {
		st = bpf_sk_storage_get(&sk_states, sk, 0, create ? BPF_SK_STORAGE_GET_F_CREATE : 0);
		if (st && !st->ino)
			st->ino = ino;
		return st;
	}
	st = bpf_map_lookup_elem(&sock_states, &ino);
	if (!st && create) {
		struct data_scratch *s = get_data_scratch();
		if (!s)
			return NULL;
		__builtin_memset(&s->fresh_state, 0, sizeof(s->fresh_state));
		s->fresh_state.ino = ino;
		bpf_map_update_elem(&sock_states, &ino, &s->fresh_state, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&sock_states, &ino);
	}
	return st;
}

/* The peer's state, if it has one: it is not created here. */
static __always_inline struct sock_state *peer_state_of(struct sock *sk, __u64 peer_ino, const bool trusted_sk)
{
	if (in_sk_storage(trusted_sk)) {
		/* the helper's result is a unix_sock the verifier knows, so its
		 * peer pointer is one bpf_sk_storage_get() accepts */
		struct unix_sock *u = bpf_skc_to_unix_sock(sk);
		if (!u || !u->peer)
			return NULL;
		return bpf_sk_storage_get(&sk_states, u->peer, 0, 0);
	}
	if (!peer_ino)
		return NULL;
	return bpf_map_lookup_elem(&sock_states, &peer_ino);
}

/* The current task remembered as the last one seen using socket state
 * st (read again only when another task, or a cgroup move, changed it). */
static __always_inline void remember_task(struct sock_state *st, __u32 pid, __u32 tid, struct task_struct *task)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();

	if (st->last.pid != pid || st->last.tid != tid || st->last.ns.cgroup_id != cgroup_id) {
		st->last.pid = pid;
		st->last.tid = tid;
		st->last.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
		bpf_get_current_comm(st->last.comm, sizeof(st->last.comm));
		read_task_ns(task, cgroup_id, &st->last.ns);
	}
}

/* The state of socket sk (created if new: that takes the CPU's scratch
 * slot), with the current task remembered as the last one seen using it. */
static __always_inline struct sock_state *touch_state(struct sock *sk, __u64 ino, __u32 pid, __u32 tid,
						      struct task_struct *task, const bool trusted_sk)
{
	struct sock_state *st = state_of(sk, ino, true, trusted_sk);

	if (st)
		remember_task(st, pid, tid, task);
	return st;
}

/* Who did it: the current task, which touch_state() has just made the
 * socket's last. */
static __always_inline void fill_task_ident(struct uds_task_ident *t, const struct sock_state *me, __u64 uid_gid)
{
	t->pid = me->last.pid;
	t->uid = (__u32)uid_gid;
	t->gid = uid_gid >> 32;
	t->ns_pid = me->last.ns.ns_pid;
	t->start_ns = me->last.start_ns;
	__builtin_memcpy(t->comm, me->last.comm, UDS_COMM_LEN);
	t->cgroup_id = me->last.ns.cgroup_id;
	t->pid_ns = me->last.ns.pid_ns;
	t->mnt_ns = me->last.ns.mnt_ns;
}

/* Who is at the other end of socket sk (state me): what SO_PEERCRED says,
 * and the task last seen holding the peer socket. */
static __always_inline void fill_peer_ident(struct uds_peer_ident *pi, struct sock *sk, struct sock_state *me,
					    __u64 peer_ino, const bool trusted_sk)
{
	/* SO_PEERCRED: set at connect and never changed in place, so read
	 * its values again only when the kernel objects change. */
	struct pid *ppid = KREAD(struct sock, sk, sk_peer_pid);
	const struct cred *pcred = KREAD(struct sock, sk, sk_peer_cred);
	if (!me->peercred_pid_ptr || me->peercred_pid_ptr != (__u64)ppid ||
	    me->peercred_cred_ptr != (__u64)pcred) {
		me->peercred_pid = ppid ? BPF_CORE_READ(ppid, numbers[0].nr) : 0;
		me->peercred_uid = pcred ? BPF_CORE_READ(pcred, uid.val) : 0xffffffff;
		me->peercred_gid = pcred ? BPF_CORE_READ(pcred, gid.val) : 0xffffffff;
		/* and as the peer's own pid namespace numbers it (what
		 * SO_PEERCRED says inside its container); the pointer field
		 * is the reads' temporary, in map memory, until set below */
		me->peercred_pid_ptr = (__u64)ppid;
		me->peercred_pid_ns = 0;
		pid_nr_in_own_ns(&me->peercred_pid_ptr, &me->peercred_ns_pid, &me->peercred_pid_ns);
		me->peercred_pid_ptr = ppid ? (__u64)ppid : 1;
		me->peercred_cred_ptr = (__u64)pcred;
	}
	pi->peercred_pid = me->peercred_pid;
	pi->peercred_uid = me->peercred_uid;
	pi->peercred_gid = me->peercred_gid;
	pi->peercred_ns_pid = me->peercred_ns_pid;
	pi->peercred_pid_ns = me->peercred_pid_ns;
	pi->peer_pid = 0;
	pi->peer_tid = 0;
	pi->pad = 0;
	pi->peer_task_start_ns = 0;
	__builtin_memset(pi->peer_comm, 0, UDS_COMM_LEN);
	__builtin_memset(&pi->peer_ns, 0, sizeof(pi->peer_ns));
	if (peer_ino) {
		struct sock_state *ps = peer_state_of(sk, peer_ino, trusted_sk);
		if (ps && ps->last.pid) {
			pi->peer_pid = ps->last.pid;
			pi->peer_tid = ps->last.tid;
			pi->peer_task_start_ns = ps->last.start_ns;
			__builtin_memcpy(pi->peer_comm, ps->last.comm, UDS_COMM_LEN);
			pi->peer_ns = ps->last.ns;
		}
	}
}

/* Is an identity the same as the one user space holds? Word by word:
 * every byte of it is set by its fill_*(), padding included. */
#define IDENT_SAME(a, b)                                                        \
	({                                                                      \
		const __u64 *__x = (const __u64 *)(a), *__y = (const __u64 *)(b); \
		__u64 __diff = 0;                                               \
		_Pragma("unroll") for (int __i = 0; __i < (int)(sizeof(*(a)) / 8); __i++) \
			__diff |= __x[__i] ^ __y[__i];                           \
		__diff == 0;                                                    \
	})

/* Hand user space the socket's names, its task and its peer (s->info, the
 * task under a new task_gen if user space holds another one for the
 * socket); false if the ring was full. */
static __always_inline bool emit_sockinfo(struct data_scratch *s, struct sock_state *state, __u64 ino)
{
	/* (a generation of its own even when two CPUs change the socket's
	 * task at the same moment: each one's events name only its own) */
	if (!IDENT_SAME(&s->info.task, &state->task_sent))
		s->info.task_gen = (__u8)(FETCH_ADD(&state->task_gen, 1) + 1);
	else
		s->info.task_gen = (__u8)state->task_gen;
	s->info.kind = UDS_RING_SOCKINFO;
	s->info.sock_ino = ino;
	if (ring_output(&s->info, sizeof(s->info)) == 0) {
		state->task_sent = s->info.task;
		return true;
	}
	struct uds_kernel_stats *st = get_stats();
	if (st)
		COUNT_ADD(&st->info_lost, 1);
	return false;
}

#endif /* UDS_BPF_LIB_STATE_H */
