/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control messages: SCM_RIGHTS (described by fdpath.h), SCM_CREDENTIALS and
 * the others raw, parsed from the caller's msg_control and handed to user
 * space as one CMSG event.
 */
#ifndef UDS_BPF_LIB_CMSG_H
#define UDS_BPF_LIB_CMSG_H

#include "fdpath.h"

/* Parse the sender's control messages; emit them as one CMSG event. A
 * global function: the verifier checks it once for sends and reads alike,
 * not once per inlined call site with every state of its caller. Inlined,
 * it was 60% of the syscall program's count on 5.10 (266,203 instructions
 * processed; 97,145 since). */
__noinline int emit_cmsgs(__u64 control, __u64 clen, __u64 ino, __u32 tid, __u32 recv)
{
	__u32 slot = scratch_index();
	struct cmsg_scratch *s = bpf_map_lookup_elem(&cmsg_scratch, &slot);
	struct user_cmsghdr h;
	__u64 off = 0;
	long err;

	if (!s)
		return 0;
	s->ev.kind = UDS_RING_CMSG;
	s->ev.n_fds = 0;
	s->ev.n_fd_info = 0;
	s->ev.has_creds = 0;
	s->ev.n_raw = 0;
	s->ev.flags = 0;
	s->ev.tid = tid;
	s->ev.sock_ino = ino;

	for (int i = 0; i < UDS_CMSG_MAX; i++) {
		if (off + sizeof(h) > clen)
			break;
		if (bpf_probe_read_user(&h, sizeof(h), (void *)(control + off)))
			break;
		if (h.len < sizeof(h) || h.len > clen - off)
			break;
		/* On receive, the caller's msg_controllen still holds its buffer
		 * size: what follows the kernel's cmsgs is stale memory. Stop at
		 * anything the kernel would not have written. */
		if (recv && (h.level != SOL_SOCKET ||
			     (h.type != SCM_RIGHTS && h.type != SCM_CREDENTIALS &&
			      h.type != SCM_SECURITY && h.type != SCM_PIDFD)))
			break;
		__u64 dlen = h.len - sizeof(h);
		__u64 data = control + off + sizeof(h);
		if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS && s->ev.n_fds == 0) {
			__u32 nfd = dlen / 4;
			if (nfd > UDS_FD_MAX) {
				nfd = UDS_FD_MAX;
				s->ev.flags |= UDS_F_CMSG_TRUNCATED;
			}
			__u64 sz = (__u64)nfd * 4;
			BOUND_MAX(sz, UDS_FD_MAX * 4);
			if (sz > 0 && !bpf_probe_read_user(s->ev.all_fds, sz, (void *)data)) {
				s->ev.n_fds = nfd;
				s->ev.n_fd_info = nfd > UDS_FD_INFO_MAX ? UDS_FD_INFO_MAX : nfd;
			}
		} else if (h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS && dlen >= 12) {
			__u32 cr[3];
			if (!bpf_probe_read_user(cr, sizeof(cr), (void *)data)) {
				s->ev.has_creds = 1;
				s->ev.creds_pid = cr[0];
				s->ev.creds_uid = cr[1];
				s->ev.creds_gid = cr[2];
			}
		} else if (s->ev.n_raw < 2) {
			__u32 r = s->ev.n_raw & 1;
			__u64 l = dlen;
			if (dlen > UDS_CMSG_RAW_MAX)
				s->ev.flags |= UDS_F_CMSG_TRUNCATED;
			s->ev.raw[r].level = h.level;
			s->ev.raw[r].type = h.type;
			s->ev.raw[r].len = l;
			BOUND_MAX(l, UDS_CMSG_RAW_MAX);
			if (l)
				bpf_probe_read_user(s->ev.raw[r].data, l, (void *)data);
			s->ev.n_raw++;
		} else {
			s->ev.flags |= UDS_F_CMSG_TRUNCATED;
		}
		off += (h.len + 7) & ~7ULL; /* CMSG_ALIGN */
	}
	/* The kernel accepted every control message of a send: if any is left
	 * after the ones we parse, say that the record does not show them all. */
	if (!recv && off + sizeof(h) <= clen)
		s->ev.flags |= UDS_F_CMSG_TRUNCATED;
	if (!s->ev.n_fds && !s->ev.has_creds && !s->ev.n_raw && !s->ev.flags)
		return 0;
	if (s->ev.n_fd_info)
		LOOP(UDS_FD_INFO_MAX, UDS_FD_INFO_MAX, describe_fd_step);
	__u32 n = s->ev.n_fd_info;
	if (n > UDS_FD_INFO_MAX)
		n = UDS_FD_INFO_MAX;
	err = ring_output(&s->ev, sizeof(struct uds_cmsg_event) - sizeof(s->ev.fds) + n * sizeof(struct uds_fd_info));
	if (err) {
		struct uds_kernel_stats *st = get_stats();
		if (st)
			COUNT_ADD(&st->cmsg_lost, 1);
	}
	return 0;
}

#endif /* UDS_BPF_LIB_CMSG_H */
