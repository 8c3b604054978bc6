/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifecycle events (--lifecycle): connect, accept, socketpair, shutdown and
 * close, observed at the syscalls themselves. Off by default: a syscall
 * tracepoint costs every process on the host while attached.
 */
#ifndef UDS_BPF_LIB_LIFECYCLE_H
#define UDS_BPF_LIB_LIFECYCLE_H

#include "filter.h"
#include "state.h"

static __always_inline void emit_lifecycle_in_slot(struct sock *sk, __u16 event)
{
	struct task_struct *task = CURRENT_TASK();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	__u32 tgid = pid_tgid >> 32;

	if (!sock || tgid == cfg.self_pid)
		return;
	__u16 type = BPF_CORE_READ(sock, type);
	__u64 ino = socket_ino(sock);
	struct sock_state *state = touch_state(sk, ino, tgid, (__u32)pid_tgid, task, false);
	if (!state || task_filtered_out(tgid, (__u32)uid_gid, type, state->last.ns.cgroup_id))
		return;
	struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	__u64 peer_ino = sock_ino(peer);
	if (peer && !peer_ino)
		peer_ino = state->peer_ino;
	if (cfg.inode && ino != cfg.inode && peer_ino != cfg.inode)
		return;
	struct data_scratch *s = get_data_scratch();
	if (!s)
		return;
	struct uds_event *ev = &s->ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	read_sock_names(sk, peer, &s->info);
	if (!sock_path_ok(sk, peer, &s->info) || !netns_ok(&s->info))
		return;
	fill_peer_ident(&s->info.ident, sk, state, peer_ino, false);
	fill_task_ident(&s->info.task, state, uid_gid);
	emit_sockinfo(s, state, ino);
	/* (the next message tells user space the names and identity again:
	 * the kernel's record of what it holds is the messages' own) */
	state->info_sent = 0;
	ev->kind = UDS_RING_DATA;
	ev->event = event;
	ev->sock_type = type;
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->sock_ino = ino;
	ev->peer_ino = peer_ino;
	/* bytes this capture saw sent so far: the final offset on close */
	ev->stream_offset = state->bytes_sent;
	ev->tid = (__u32)pid_tgid;
	ev->ns_tid = state->last.ns.ns_tid;
	ev->task_gen = s->info.task_gen;
	long err = ring_output(ev, sizeof(*ev));
	count_emit(err == 0, 0);
}

static __always_inline void emit_lifecycle(struct sock *sk, __u16 event)
{
	if (!scratch_claim()) {
		count_emit(false, 0);
		return;
	}
	emit_lifecycle_in_slot(sk, event);
	scratch_release();
}

#endif /* UDS_BPF_LIB_LIFECYCLE_H */
