// SPDX-License-Identifier: GPL-2.0
/*
 * udsdump's kernel side: see every message sent on an AF_UNIX socket and
 * hand it to user space through a ring buffer. This file holds only the
 * programs; what they do is in lib/, one header per concern (common, maps,
 * addr, filter, state, payload, fdpath, cmsg, msg, lifecycle).
 *
 * Where we hook, and why (../doc/FORMAT.md, shared notes on the kernel):
 *  - tp_btf/sock_send_length fires inside sock_sendmsg() for every send on
 *    every socket, with the struct sock and the byte count the kernel
 *    accepted, and costs nothing measurable until the program does work.
 *    Syscall tracepoints would move every task on the host onto the slow
 *    syscall path, so none is attached by default.
 *  - The payload is not in the tracepoint's arguments: it is still in the
 *    caller's memory, reached through the user registers of the syscall
 *    being served (bpf_task_pt_regs). We trust those registers only after
 *    the fd argument resolves to this very socket; otherwise (io_uring,
 *    splice, sendfile, kernel sockets) the bytes are recorded as a gap.
 *  - tp_btf/sock_recv_length returning 0 on a stream socket is the reader
 *    seeing end of file: we record it as an inferred SHUTDOWN carrying the
 *    writer's final stream offset.
 *  - Kernels without those tracepoints (before 6.3) use tp_btf/sys_exit,
 *    and user space picks which programs load (src/engine/engine_rungs.c).
 *  - tp_btf/cgroup_mkdir names each new cgroup v2 while it exists, for
 *    the records' cgroup paths and containers.
 */
#include "lib/msg.h"
#include "lib/lifecycle.h"

char LICENSE[] SEC("license") = "GPL";

/* UDS_RAW_TP: the legacy object as raw tracepoints, for a kernel whose BTF
 * libbpf cannot find (no /sys/kernel/btf/vmlinux): a raw tracepoint is
 * attached by name, with no type id to look up, and the field offsets come
 * from the BTF file given with --btf. Only its syscall programs ever load
 * (the sock tracepoints came in 6.3, long after BTF was everywhere); the
 * others are there because every object has the skeleton's programs. */
#ifndef UDS_RAW_TP
#define UDS_RAW_TP 0
#endif
#if UDS_RAW_TP
#define TRACEPOINT(tp) SEC("raw_tp/" tp)
#else
#define TRACEPOINT(tp) SEC("tp_btf/" tp)
#endif

/*
 * The hash-state path as global functions: the verifier checks a global
 * function once, on its own, instead of once per call site and per state
 * of its callers. The syscall program calls it from two places and from
 * the sendmmsg/recvmmsg loop; inlined, that was over the 1,000,000
 * instruction budget. The socket is a plain address here: everything is
 * read through views or probe reads, and the state is found by hashing.
 */
__noinline int uds_send_hashed(__u64 sk, int ret, __u64 sys_regs)
{
	return on_send((struct sock *)sk, ret, sys_regs, false);
}

__noinline int uds_recv_hashed(__u64 sk, int ret, __u64 sys_regs);

/* A typed tracepoint argument as a plain number: a global function takes
 * scalars, and the verifier forbids turning a pointer into one by
 * arithmetic. */
static __always_inline __u64 arg_as_u64(unsigned long long *ctx, int i)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ctx[i]);
	return v;
}

TRACEPOINT("sock_send_length")
int BPF_PROG(uds_send, struct sock *sk, int ret, int flags)
{
	if (cfg.sk_storage)
		return on_send(sk, ret, 0, true);
	return uds_send_hashed(arg_as_u64(ctx, 0), ret, 0);
}

__noinline int uds_recv_hashed(__u64 sk, int ret, __u64 sys_regs)
{
	return on_recv((struct sock *)sk, ret, sys_regs, false);
}

TRACEPOINT("sock_recv_length")
int BPF_PROG(uds_recv, struct sock *sk, int ret, int flags)
{
	if (cfg.sk_storage)
		return on_recv(sk, ret, 0, true);
	return uds_recv_hashed(arg_as_u64(ctx, 0), ret, 0);
}

/*
 * The fallback for kernels without sock:sock_send_length (before 6.3):
 * every syscall exit, filtered down to the send and receive syscalls on
 * AF_UNIX sockets. It costs every process on the host (any syscall
 * tracepoint moves all tasks to the slow syscall path), so it is only
 * attached when asked for or when the sock tracepoints are missing.
 * sendfile and splice into a socket are sends with no user buffer: their
 * bytes become a gap of the size the syscall returned, so the stream's
 * offsets stay true. io_uring sends are not seen here at all.
 */
struct mmsg_walk {
	struct sock *sk;
	__u64 vec;
	__u64 regs;
};

/* The length the kernel wrote into message i's mmsghdr.msg_len, or -1. */
static __always_inline int mmsg_len(const struct mmsg_walk *w, __u32 i)
{
	__u32 len = 0;

	if (bpf_probe_read_user(&len, sizeof(len), (void *)(w->vec + (__u64)i * 64 + 56)))
		return -1;
	return len > 0x7fffffff ? -1 : (int)len;
}

/* One callback per direction: on 6.1, a flag read from the walk in the
 * callback sent every sendmmsg message down the receive path. */
static long mmsg_send_step(__u32 i, struct mmsg_walk *w)
{
	int len = mmsg_len(w, i);

	if (len < 0)
		return 1;
	uds_send_hashed((__u64)w->sk, len, w->regs);
	return 0;
}

static long mmsg_recv_step(__u32 i, struct mmsg_walk *w)
{
	int len = mmsg_len(w, i);

	if (len < 0)
		return 1;
	uds_recv_hashed((__u64)w->sk, len, w->regs);
	return 0;
}

#if UDS_LEGACY
/* The legacy object's walk over a sendmmsg/recvmmsg vector: a global
 * function (checked once, with the least state per step), a bounded loop. */
__noinline int mmsg_walk_legacy(__u64 sk, __u64 vec, __u32 n, __u64 regs, __u32 recv)
{
	for (__u32 i = 0; i < UIO_MAXIOV && i < n; i++) {
		__u32 len = 0;
		if (bpf_probe_read_user(&len, sizeof(len), (void *)(vec + (__u64)i * 64 + 56)) ||
		    len > 0x7fffffff)
			break;
		if (recv)
			uds_recv_hashed(sk, (int)len, regs);
		else
			uds_send_hashed(sk, (int)len, regs);
	}
	return 0;
}
#endif

/* Every message of a sendmmsg/recvmmsg (n <= UIO_MAXIOV). */
static __always_inline void mmsg_walk_all(struct mmsg_walk *w, __u32 n, bool recv)
{
#if UDS_LEGACY
	mmsg_walk_legacy((__u64)w->sk, w->vec, n, w->regs, recv);
#else
	if (recv)
		bpf_loop(n, mmsg_recv_step, w, 0);
	else
		bpf_loop(n, mmsg_send_step, w, 0);
#endif
}

TRACEPOINT("sys_exit")
int BPF_PROG(uds_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = SYS_NR_CORE(regs);
	__u64 user_regs = arg_as_u64(ctx, 0); /* the same registers, as a number */
	struct sock *sk = NULL;
	bool recv;

	if (!hook_ran) /* read, not written, by every later run: no line bouncing */
		hook_ran = 1;
	if (nr == NR_write || nr == NR_writev || nr == NR_sendto || nr == NR_sendmsg || nr == NR_sendmmsg ||
	    nr == NR_sendfile) {
		recv = false;
	} else if (nr == NR_splice) {
		/* splice(fd_in, off_in, fd_out, ...): one end is a pipe, so a
		 * socket at fd_out is a send, else one at fd_in is a read */
		sk = fd_unix_sock((int)SYS_ARG_CORE(regs, 2));
		recv = !sk;
	} else if (nr == NR_read || nr == NR_readv || nr == NR_recvfrom || nr == NR_recvmsg ||
		   nr == NR_recvmmsg) {
		recv = true;
	} else {
		return 0;
	}
	if (!sk)
		sk = fd_unix_sock((int)SYS_ARG_CORE(regs, 0));
	if (!sk)
		return 0;
	if (nr == NR_sendmmsg || nr == NR_recvmmsg) {
		__u32 key = (__u32)bpf_get_current_pid_tgid() | (recv ? RECV_CURSOR_BIT : 0);
		struct mmsg_walk w = { .sk = sk, .vec = SYS_ARG_CORE(regs, 1), .regs = user_regs };
		__u32 n = ret > UIO_MAXIOV ? UIO_MAXIOV : ret;

		bpf_map_delete_elem(&mmsg_cursors, &key);
		if (ret > 0)
			mmsg_walk_all(&w, n, recv);
		bpf_map_delete_elem(&mmsg_cursors, &key);
		return 0;
	}
	if (ret < 0 || ret > 0x7fffffff)
		return 0;
	return recv ? uds_recv_hashed((__u64)sk, (int)ret, user_regs)
		    : uds_send_hashed((__u64)sk, (int)ret, user_regs);
}


TRACEPOINT("sys_exit")
int BPF_PROG(uds_life_exit, struct pt_regs *regs, long ret)
{
	long nr = SYS_NR_CORE(regs);
	struct sock *sk;

	if (ret < 0)
		return 0;
	if (nr == NR_connect || nr == NR_shutdown) {
		if (ret != 0 || !(sk = fd_unix_sock((int)SYS_ARG_CORE(regs, 0))))
			return 0;
		emit_lifecycle(sk, nr == NR_connect ? UDS_EV_CONNECT : UDS_EV_SHUTDOWN);
	} else if (nr == NR_accept || nr == NR_accept4) {
		if ((sk = fd_unix_sock((int)ret)))
			emit_lifecycle(sk, UDS_EV_ACCEPT);
	} else if (nr == NR_socketpair) {
		int sv[2];
		if (ret != 0 || bpf_probe_read_user(sv, sizeof(sv), (void *)SYS_ARG_CORE(regs, 3)))
			return 0;
		if ((sk = fd_unix_sock(sv[0])))
			emit_lifecycle(sk, UDS_EV_SOCKETPAIR);
		if ((sk = fd_unix_sock(sv[1])))
			emit_lifecycle(sk, UDS_EV_SOCKETPAIR);
	}
	return 0;
}

/* A cgroup made: its path for user space while the cgroup exists (a
 * container can send once, exit and have its cgroup removed before user
 * space would look for it). Rare: once per container or service started. */
TRACEPOINT("cgroup_mkdir")
int BPF_PROG(uds_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	emit_cgroup_made(cgrp, path);
	return 0;
}

/* close() is seen on entry, while the descriptor still names the socket. */
TRACEPOINT("sys_enter")
int BPF_PROG(uds_life_enter, struct pt_regs *regs, long id)
{
	struct sock *sk;

	if (id != NR_close)
		return 0;
	if ((sk = fd_unix_sock((int)SYS_ARG_CORE(regs, 0))))
		emit_lifecycle(sk, UDS_EV_CLOSE);
	return 0;
}
