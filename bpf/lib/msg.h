/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One message sent or read on a Unix socket, from the moment a program
 * sees it (the sock tracepoints, or the syscall exit) to its records in
 * the ring: state and filters, the syscall being served decoded, the
 * stream offset claimed, the record header, the side events (names,
 * destination, control messages), then the payload. And the end of a
 * stream, seen by its reader.
 */
#ifndef UDS_BPF_LIB_MSG_H
#define UDS_BPF_LIB_MSG_H

#include "filter.h"
#include "payload.h"
#include "cmsg.h"
#include "state.h"

/* The peer's inode. A peer that is closing (or not yet accepted) has
 * none: the one this socket talked to, if it was seen, is still right;
 * a reader that never saw it learns it from the writer's sends. */
static __always_inline __u64 msg_peer_ino(struct sock *sk, struct sock *peer, struct sock_state *state,
					  __u64 ino, const bool trusted_sk)
{
	__u64 peer_ino = sock_ino(peer);

	if (!peer || peer_ino)
		return peer_ino;
	peer_ino = state->peer_ino;
	if (!peer_ino && in_sk_storage(trusted_sk)) {
		struct sock_state *ps = peer_state_of(sk, 0, trusted_sk);
		if (ps)
			peer_ino = ps->ino;
	} else if (!peer_ino) {
		__u64 *w = bpf_map_lookup_elem(&writer_of, &ino);
		if (w)
			peer_ino = *w;
	}
	return peer_ino;
}

/* The socket's names, read only when user space has not been told them or
 * one may have changed (bind, connect, a new peer); the path filter's
 * verdict goes with them. True if they were read into s->info now. */
static __always_inline bool refresh_names(struct data_scratch *s, struct sock_state *state, struct sock *sk,
					  struct sock *peer)
{
	__u64 local_addr_ptr = (__u64)KREAD(struct unix_sock, sk, addr);
	__u64 peer_addr_ptr = peer ? (__u64)KREAD(struct unix_sock, peer, addr) : 0;

	if (state->names_read && state->local_addr_ptr == local_addr_ptr &&
	    state->peer_sk_ptr == (__u64)peer && state->peer_addr_ptr == peer_addr_ptr)
		return false;
	read_sock_names(sk, peer, &s->info);
	state->path_ok = sock_path_ok(sk, peer, &s->info);
	state->netns_ok = netns_ok(&s->info);
	state->local_addr_ptr = local_addr_ptr;
	state->peer_sk_ptr = (__u64)peer;
	state->peer_addr_ptr = peer_addr_ptr;
	state->names_read = 1;
	state->info_sent = 0;
	return true;
}

/* sendmmsg/recvmmsg: the tracepoint fires once per message with no index,
 * so each thread keeps its place in the vector. The user_msghdr of this
 * message (struct mmsghdr is one plus a u32: 64 bytes). */
static __always_inline __u64 mmsg_slot(struct pt_regs *regs, __u32 tid, bool recv)
{
	__u64 vec = SYS_ARG(regs, 1);
	__u32 vlen = SYS_ARG(regs, 2);
	__u32 key = recv ? (tid | RECV_CURSOR_BIT) : tid;
	struct mmsg_cursor *cur = bpf_map_lookup_elem(&mmsg_cursors, &key);
	struct data_scratch *s = get_data_scratch();
	__u32 idx = 0;

	if (cur && cur->vec == vec && cur->vlen == vlen && cur->idx < vlen)
		idx = cur->idx;
	if (idx + 1 >= vlen) {
		bpf_map_delete_elem(&mmsg_cursors, &key);
	} else if (s) {
		s->next_cursor.vec = vec;
		s->next_cursor.vlen = vlen;
		s->next_cursor.idx = idx + 1;
		bpf_map_update_elem(&mmsg_cursors, &key, &s->next_cursor, BPF_ANY);
	}
	return vec + (__u64)idx * 64;
}

/* The message's iovecs, control data and (for a send) destination from a
 * user_msghdr. */
static __always_inline void decode_msghdr(struct msg_call *call, __u64 mh_ptr, bool recv, struct data_scratch *s)
{
	struct user_msghdr_x *mh = &s->mh;

	if (bpf_probe_read_user(mh, sizeof(*mh), (void *)mh_ptr)) {
		call->sys = UDS_SYS_UNKNOWN;
		return;
	}
	call->iov_ptr = mh->msg_iov;
	call->iov_cnt = mh->msg_iovlen > UIO_MAXIOV ? UIO_MAXIOV : mh->msg_iovlen;
	call->control = mh->msg_control;
	call->clen = mh->msg_controllen;
	/* on receive, msg_name is only written after this point */
	if (!recv)
		read_user_addr(mh->msg_name, mh->msg_namelen, &s->dest.dest_addr);
}

/* Decode the syscall being served, if it is a send (or, on the receive
 * side, a read) on this very socket: the registers are trusted only after
 * its fd argument resolves to this socket. */
static __always_inline void decode_call(struct msg_call *call, struct task_struct *task, struct socket *sock,
					__u32 tid, bool recv, struct data_scratch *s, __u64 sys_regs)
{
	/* the syscall programs have the registers; the sock tracepoints ask */
#if UDS_LEGACY
	struct pt_regs *regs = (struct pt_regs *)sys_regs;
#else
	struct pt_regs *regs = sys_regs ? (struct pt_regs *)sys_regs : (struct pt_regs *)bpf_task_pt_regs(task);
#endif
	long nr = SYS_NR(regs);
	bool by_buf, by_iov, by_msg, by_mmsg;

	if (!recv) {
		by_buf = nr == NR_write || nr == NR_sendto;
		by_iov = nr == NR_writev;
		by_msg = nr == NR_sendmsg;
		by_mmsg = nr == NR_sendmmsg;
	} else {
		by_buf = nr == NR_read || nr == NR_recvfrom;
		by_iov = nr == NR_readv;
		by_msg = nr == NR_recvmsg;
		by_mmsg = nr == NR_recvmmsg;
	}
	if (!(by_buf || by_iov || by_msg || by_mmsg))
		return;
	struct file *f = task_fd_file(task, (int)SYS_ARG(regs, 0));
	if (!f || KREAD(struct file, f, private_data) != (void *)sock)
		return; /* registers of something else */
	if (by_buf) {
		call->sys = nr == NR_write ? UDS_SYS_WRITE
			    : nr == NR_sendto ? UDS_SYS_SENDTO
			    : nr == NR_read ? UDS_SYS_READ : UDS_SYS_RECVFROM;
		call->buf = SYS_ARG(regs, 1);
		call->requested = SYS_ARG(regs, 2);
		if (nr == NR_sendto || nr == NR_recvfrom)
			call->msg_flags = SYS_ARG(regs, 3);
		if (nr == NR_sendto)
			read_user_addr(SYS_ARG(regs, 4), SYS_ARG(regs, 5), &s->dest.dest_addr);
	} else if (by_iov) {
		call->sys = recv ? UDS_SYS_READV : UDS_SYS_WRITEV;
		call->iov_ptr = SYS_ARG(regs, 1);
		call->iov_cnt = SYS_ARG(regs, 2);
	} else if (by_msg) {
		call->sys = recv ? UDS_SYS_RECVMSG : UDS_SYS_SENDMSG;
		call->msg_flags = SYS_ARG(regs, 2);
		decode_msghdr(call, SYS_ARG(regs, 1), recv, s);
	} else {
		call->sys = recv ? UDS_SYS_RECVMMSG : UDS_SYS_SENDMMSG;
		call->msg_flags = SYS_ARG(regs, 3);
		decode_msghdr(call, mmsg_slot(regs, tid, recv), recv, s);
	}
}

/* The message's stream offset, claimed before any ring space is reserved
 * so that a record lost afterwards leaves a visible gap; the per-direction
 * FIRST_SEEN flag; the writer of the peer remembered for its end of file. */
static __always_inline __u64 claim_offset(struct sock_state *state, int ret, bool recv, __u64 ino, __u64 peer_ino,
					  __u32 *flags, const bool trusted_sk)
{
	__u32 dir = recv ? SEEN_RECV : SEEN_SEND;
	bool new_peer = true;
	__u64 offset;

	if (recv)
		offset = FETCH_ADD(&state->bytes_read, ret);
	else
		offset = FETCH_ADD(&state->bytes_sent, ret);
	if (peer_ino && state->peer_ino == peer_ino && (state->seen & SEEN_SEND))
		new_peer = false; /* writer_of already says so: skip the update */
	if (peer_ino)
		state->peer_ino = peer_ino;
	if (!(state->seen & dir)) {
		state->seen |= dir; /* a lost race only repeats the flag */
		*flags |= UDS_F_FIRST_SEEN;
	}
	/* (with sk_storage, the reader finds the writer through its peer
	 * pointer instead) */
	if (peer_ino && !recv && new_peer && !in_sk_storage(trusted_sk))
		bpf_map_update_elem(&writer_of, &peer_ino, &ino, BPF_ANY);
	return offset;
}

/* What user space needs before the message's records: the socket's names
 * and who is at its other end (again, if either changed, the last SOCKINFO
 * was lost or user space has since forgotten them: names_epoch), the
 * destination of a datagram, and the control messages. */
static __always_inline void emit_side_events(struct data_scratch *s, struct sock_state *state, struct sock *sk,
					     struct sock *peer, bool names_in_scratch, __u64 ino, __u64 peer_ino,
					     __u32 tid, __u64 uid_gid, const struct msg_call *call, bool recv,
					     const bool trusted_sk)
{
	__u32 epoch = names_epoch;

	fill_peer_ident(&s->info.ident, sk, state, peer_ino, trusted_sk);
	fill_task_ident(&s->info.task, state, uid_gid);
	if (!state->info_sent || state->info_epoch != epoch || !IDENT_SAME(&s->info.ident, &state->ident_sent) ||
	    !IDENT_SAME(&s->info.task, &state->task_sent)) {
		if (!names_in_scratch)
			read_sock_names(sk, peer, &s->info);
		state->info_sent = emit_sockinfo(s, state, ino);
		state->info_epoch = epoch;
		if (state->info_sent)
			state->ident_sent = s->info.ident;
		s->ev.task_gen = s->info.task_gen;
	} else {
		s->ev.task_gen = (__u8)state->task_gen;
	}
	if (s->dest.dest_addr.kind != UDS_ADDR_UNNAMED) {
		s->dest.kind = UDS_RING_DEST;
		s->dest.tid = tid;
		s->dest.sock_ino = ino;
		if (ring_output(&s->dest, sizeof(s->dest))) {
			struct uds_kernel_stats *st = get_stats();
			if (st)
				COUNT_ADD(&st->info_lost, 1);
		}
	}
	if (call->control && call->clen && call->sys != UDS_SYS_UNKNOWN)
		emit_cmsgs(call->control, call->clen, ino, tid, recv);
}

/* The payload (or, when there is none to copy, one record saying why):
 * the header is already in s->ev. */
static __always_inline void emit_payload(int ret, bool recv, __u32 flags, __u64 offset, const struct msg_call *call)
{
	struct data_scratch *s = get_data_scratch();
	__u64 buf = call->buf;

	if (!s)
		return;
	struct payload_ctx *c = &s->pc;
	__builtin_memset(c, 0, sizeof(*c));
	c->stream_off = offset;
	c->remaining = ret;
	if (call->sys == UDS_SYS_UNKNOWN) {
		flags |= UDS_F_NO_PAYLOAD_SOURCE;
		c->remaining = 0;
	} else if (!cfg.payload || (recv && cfg.recv_mode != UDS_RECV_PAYLOAD)) {
		flags |= UDS_F_METADATA_ONLY;
		c->remaining = 0;
	} else if (cfg.snaplen && (__u32)ret > cfg.snaplen) {
		flags |= UDS_F_TRUNCATED;
		c->remaining = cfg.snaplen;
	}
	c->cap = c->remaining;
	c->base_flags = flags;
	c->need_record = 1;
	if (buf) {
		c->cur_base = buf;
		c->cur_left = c->remaining;
	} else {
		c->iov_ptr = call->iov_ptr;
		c->iov_cnt = call->iov_cnt;
	}
	if (c->remaining == 0) {
		emit_chunk(c, s, true);
		return;
	}
	/* The common case, one buffer (or one iovec) and one record: copy it
	 * straight, without the loop. */
	if (!buf && call->iov_cnt == 1) {
		struct user_iovec one;
		if (!bpf_probe_read_user(&one, sizeof(one), (void *)call->iov_ptr) && one.len >= c->remaining)
			buf = one.base;
	}
	if (buf) {
		/* one chunk per step, each copied once, straight into the ring */
		c->cur_base = buf;
#if !UDS_LEGACY
		if (c->remaining <= UDS_CHUNK_MAX)
			direct_step(0, NULL); /* one chunk: no loop to set up */
		else
#endif
			LOOP(c->remaining / UDS_CHUNK_MAX + 1, LEGACY_DIRECT_STEPS, direct_step);
	} else {
		/* one step per iovec load and one per copy, chunk boundaries
		 * included */
		__u32 loops = 2 * call->iov_cnt + 2 * (c->remaining / UDS_CHUNK_MAX) + 4;
		LOOP(loops, LEGACY_IOV_STEPS, payload_step);
	}
	s = get_data_scratch();
	if (!s)
		return;
	if (!s->pc.done) {
		/* the loop bound ran out before the message did: the rest of
		 * it is a gap from here, said so */
		s->pc.fault = 1;
		s->pc.fill = 0;
		emit_chunk(&s->pc, s, true);
	}
}

/* The header of the message's DATA (or RECV) records, in s->ev. */
static __always_inline void fill_msg_header(struct uds_event *ev, struct sock *sk, struct sock_state *state,
					    int ret, bool recv, __u16 type, __u64 ino, __u64 peer_ino,
					    const struct msg_call *call, __u64 pid_tgid, const bool trusted_sk)
{
	__u64 requested = call->requested;

	ev->kind = UDS_RING_DATA;
	ev->event = recv ? UDS_EV_RECV : UDS_EV_DATA;
	ev->sock_type = type;
	ev->syscall = call->sys;
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->sock_ino = ino;
	ev->peer_ino = peer_ino;
	ev->msg_len = ret;
	ev->requested_len = requested > 0xffffffffULL ? 0xffffffff : requested;
	/* touch_state() has just made the current task the socket's last */
	ev->tid = (__u32)pid_tgid;
	ev->ns_tid = state->last.ns.ns_tid;
}

static __always_inline int handle_msg(struct sock *sk, int ret, bool recv, __u64 sys_regs, const bool trusted_sk)
{
	struct task_struct *task = CURRENT_TASK();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct socket *sock = KREAD(struct sock, sk, sk_socket);

	if (!sock)
		return 0;
	__u16 type = KREAD(struct socket, sock, type);
	if ((ret == 0 && type == SOCK_STREAM) || tgid == cfg.self_pid)
		return 0; /* (never capture our own writes, e.g. logging) */
	__u64 ino = socket_ino(sock);
	/* Before any filter: the peer's records name this task as the other
	 * end even when this task's own traffic is filtered out. */
	struct sock_state *state = touch_state(sk, ino, tgid, tid, task, trusted_sk);
	if (!state || task_filtered_out(tgid, (__u32)uid_gid, type, state->last.ns.cgroup_id))
		return 0;
	struct sock *peer = KREAD(struct unix_sock, sk, peer);
	__u64 peer_ino = msg_peer_ino(sk, peer, state, ino, trusted_sk);
	if (cfg.inode && ino != cfg.inode && peer_ino != cfg.inode)
		return 0;
	struct data_scratch *s = get_data_scratch();
	if (!s)
		return 0;
	/* (in scratch: the stack of the whole call chain is 512 bytes) */
	struct msg_call *call = &s->call;
	__builtin_memset(call, 0, sizeof(*call));
	call->requested = ret;
	call->sys = UDS_SYS_UNKNOWN;
	bool names_in_scratch = refresh_names(s, state, sk, peer);
	s->dest.dest_addr.kind = UDS_ADDR_UNNAMED;
	s->dest.dest_addr.len = 0;
	if (cfg.netns && !state->netns_ok)
		return 0;
	/* A connected socket the path filter rejects: done, before decoding
	 * the syscall (only an unconnected datagram socket's destination can
	 * still match). */
	if (cfg.path_filter && !state->path_ok && peer)
		return 0;
	decode_call(call, task, sock, tid, recv, s, sys_regs);
	if (recv && (call->msg_flags & MSG_PEEK))
		return 0; /* a peek consumes nothing: the real read follows */
#if !UDS_LEGACY
	if (call->iov_ptr)
		call->requested = iov_total(call->iov_ptr, call->iov_cnt);
#endif
	/* (without it, requested_len of a vectored send is the bytes sent, and
	 * a partial one is not flagged) */
	if (cfg.path_filter && !state->path_ok && !addr_matches_names(&s->dest.dest_addr))
		return 0;
	struct uds_kernel_stats *st = get_stats();
	if (st)
		COUNT_ADD(&st->sends_seen, 1);

	__u32 flags = 0;
	__u64 offset = claim_offset(state, ret, recv, ino, peer_ino, &flags, trusted_sk);
	fill_msg_header(&s->ev, sk, state, ret, recv, type, ino, peer_ino, call, pid_tgid, trusted_sk);
	if (!recv && (__u64)ret < call->requested)
		flags |= UDS_F_PARTIAL; /* a read of less than the buffer is normal */
	if (call->msg_flags & MSG_OOB)
		flags |= UDS_F_OOB;
	emit_side_events(s, state, sk, peer, names_in_scratch, ino, peer_ino, tid, uid_gid, call, recv, trusted_sk);
	emit_payload(ret, recv, flags, offset, call);
	return 0;
}

/* handle_msg() in a scratch slot of its own. With every slot of the CPU
 * taken, the message is counted as lost (a LOSS record says so). */
static __always_inline int handle_msg_claimed(struct sock *sk, int ret, bool recv, __u64 sys_regs,
					      const bool trusted_sk)
{
	if (!scratch_claim()) {
		count_emit(false, ret);
		return 0;
	}
	handle_msg(sk, ret, recv, sys_regs, trusted_sk);
	scratch_release();
	return 0;
}

/* sys_regs: the user registers where the program has them (sys_exit), else
 * 0 (the sock tracepoints find them with bpf_task_pt_regs). */
static __always_inline int on_send(struct sock *sk, int ret, __u64 sys_regs, const bool trusted_sk)
{
	if (KREAD(struct sock, sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	if (ret < 0) {
		/* sendmmsg stops at an error: its next call starts at 0 */
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		bpf_map_delete_elem(&mmsg_cursors, &tid);
		return 0;
	}
	return handle_msg_claimed(sk, ret, false, sys_regs, trusted_sk);
}

/* End of file seen by the reader of a stream: the writer (the reader's
 * peer) will send no more. Its final offset, as an inferred SHUTDOWN. */
static __always_inline int emit_eof(struct sock *sk, __u64 reader, const bool trusted_sk)
{
	struct sock_state *state;

	if (in_sk_storage(trusted_sk)) {
		/* the writer is the reader's peer: still referenced by it */
		state = peer_state_of(sk, 0, trusted_sk);
	} else {
		__u64 *writer = bpf_map_lookup_elem(&writer_of, &reader);
		if (!writer)
			return 0;
		__u64 wino = *writer;
		state = bpf_map_lookup_elem(&sock_states, &wino);
	}
	/* only a writer whose sends were recorded (past the filters) */
	if (!state || state->eof_reported || !(state->seen & SEEN_SEND))
		return 0;
	__u64 wino = state->ino;
	state->eof_reported = 1;

	struct data_scratch *s = get_data_scratch();
	if (!s)
		return 0;
	struct uds_event *ev = &s->ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->kind = UDS_RING_DATA;
	ev->event = UDS_EV_SHUTDOWN;
	ev->sock_type = SOCK_STREAM;
	ev->flags = UDS_F_INFERRED;
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->sock_ino = wino;
	ev->peer_ino = reader;
	ev->stream_offset = state->bytes_sent;
	/* The task is the writer, as last seen (with the credentials of its
	 * last message, if that was the same process); the reader is its peer. */
	ev->tid = state->last.tid;
	ev->ns_tid = state->last.ns.ns_tid;
	__u64 writer_ids = 0;
	if (state->task_sent.pid == state->last.pid)
		writer_ids = (__u64)state->task_sent.gid << 32 | state->task_sent.uid;
	fill_task_ident(&s->info.task, state, writer_ids);
	struct uds_peer_ident *pi = &s->info.ident;
	__builtin_memset(pi, 0, sizeof(*pi));
	pi->peercred_uid = 0xffffffff;
	pi->peercred_gid = 0xffffffff;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	pi->peer_pid = pid_tgid >> 32;
	pi->peer_tid = (__u32)pid_tgid;
	pi->peer_task_start_ns = BPF_CORE_READ(CURRENT_TASK(), group_leader, start_boottime);
	bpf_get_current_comm(pi->peer_comm, sizeof(pi->peer_comm));
	read_task_ns(CURRENT_TASK(), bpf_get_current_cgroup_id(), &pi->peer_ns);
	/* names of the writer (this record's socket) and of the reader */
	read_sock_names(BPF_CORE_READ((struct unix_sock *)sk, peer), sk, &s->info);
	emit_sockinfo(s, state, wino);
	ev->task_gen = s->info.task_gen;
	/* user space now holds this identity for the writer's socket: its
	 * next message (if any) tells it again */
	state->info_sent = 0;
	long err = ring_output(ev, sizeof(*ev));
	count_emit(err == 0, 0);
	return 0;
}

/* A read; a stream reader's end of file ends its writer's stream. */
static __always_inline int on_recv(struct sock *sk, int ret, __u64 sys_regs, const bool trusted_sk)
{
	if (KREAD(struct sock, sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	if (ret < 0) {
		/* recvmmsg stops at an error: its next call starts at 0 */
		__u32 key = (__u32)bpf_get_current_pid_tgid() | RECV_CURSOR_BIT;
		bpf_map_delete_elem(&mmsg_cursors, &key);
		return 0;
	}
	struct socket *sock = KREAD(struct sock, sk, sk_socket);
	if (!sock)
		return 0;
	__u16 type = KREAD(struct socket, sock, type);
	__u64 reader = socket_ino(sock);
	bool eof = ret == 0 && type == SOCK_STREAM;
	if (cfg.recv_mode != UDS_RECV_NONE && !eof)
		return handle_msg_claimed(sk, ret, true, sys_regs, trusted_sk);
	/* The reader holds this socket: it is "the other end" for the records
	 * of its peer. A socket that has its state needs no scratch slot for
	 * that: only making a new state and reporting end of file take one. */
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!eof) {
		struct sock_state *st = state_of(sk, reader, false, trusted_sk);
		if (st) {
			remember_task(st, pid_tgid >> 32, (__u32)pid_tgid, CURRENT_TASK());
			return 0;
		}
	}
	if (!scratch_claim()) {
		count_emit(false, 0);
		return 0;
	}
	if (eof)
		emit_eof(sk, reader, trusted_sk);
	else
		touch_state(sk, reader, pid_tgid >> 32, (__u32)pid_tgid, CURRENT_TASK(), trusted_sk);
	scratch_release();
	return 0;
}

#endif /* UDS_BPF_LIB_MSG_H */
