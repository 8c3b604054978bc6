/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets and their names: inodes, the file behind a descriptor, a
 * socket's bound name and the address a sender gave.
 */
#ifndef UDS_BPF_LIB_ADDR_H
#define UDS_BPF_LIB_ADDR_H

#include "maps.h"
#include "ns.h"

static __always_inline __u64 socket_ino(struct socket *sock)
{
	if (!sock)
		return 0;
	return KREAD(struct socket_alloc, sock, vfs_inode.i_ino);
}

static __always_inline __u64 sock_ino(struct sock *sk)
{
	if (!sk)
		return 0;
	return socket_ino(KREAD(struct sock, sk, sk_socket));
}

/* The struct file behind descriptor fd of task, or NULL. */
static __always_inline struct file *task_fd_file(struct task_struct *task, int fd)
{
	struct file **fds;
	struct file *f = NULL;
	struct fdtable *fdt;

	if (fd < 0)
		return NULL;
	fdt = KREAD(struct task_struct, task, files, fdt);
	if (!fdt || (unsigned int)fd >= KREAD(struct fdtable, fdt, max_fds))
		return NULL;
	fds = KREAD(struct fdtable, fdt, fd);
	if (bpf_core_read(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* The AF_UNIX socket behind this task's descriptor fd, or NULL. */
static __always_inline struct sock *fd_unix_sock(int fd)
{
	struct file *f = task_fd_file(CURRENT_TASK(), fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return NULL;
	return sk;
}

/* Copy a socket's bound name (unix_sk(sk)->addr) into out. */
static __always_inline void read_sock_addr(struct sock *sk, struct uds_addr *out)
{
	struct unix_address *addr;
	__u64 len;
	int alen;

	out->kind = UDS_ADDR_UNNAMED;
	out->len = 0;
	if (!sk)
		return;
	addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!addr)
		return;
	alen = BPF_CORE_READ(addr, len) - 2; /* minus sun_family */
	if (alen <= 0)
		return;
	len = alen;
	BOUND_MAX(len, UDS_ADDR_MAX);
	if (len == 0 || bpf_probe_read_kernel(out->name, len, &addr->name[0].sun_path))
		return;
	if (out->name[0] == 0) {
		/* abstract: the name is the bytes after the leading NUL */
		out->kind = UDS_ADDR_ABSTRACT;
		len -= 1;
		BOUND_MAX(len, UDS_ADDR_MAX - 1);
		if (len > 0)
			bpf_probe_read_kernel(out->name, len, &addr->name[0].sun_path[1]);
		out->len = len;
	} else {
		/* pathname: the kernel stores strlen(path) + 1 bytes (bind
		 * NUL-terminates), so no scan for the NUL is needed */
		out->kind = UDS_ADDR_PATHNAME;
		__u64 last = (len - 1) & 0x7f;
		out->len = out->name[last] == 0 ? len - 1 : len;
	}
}

/* Copy a user sockaddr_un (sendto's or msg_name) into out. */
static __always_inline void read_user_addr(__u64 uaddr, int alen, struct uds_addr *out)
{
	__u64 len;

	out->kind = UDS_ADDR_UNNAMED;
	out->len = 0;
	if (!uaddr || alen <= 2)
		return;
	len = alen - 2;
	BOUND_MAX(len, UDS_ADDR_MAX);
	if (bpf_probe_read_user(out->name, len, (void *)(uaddr + 2)))
		return;
	if (out->name[0] == 0) {
		out->kind = UDS_ADDR_ABSTRACT;
		len -= 1;
		BOUND_MAX(len, UDS_ADDR_MAX - 1);
		if (len > 0)
			bpf_probe_read_user(out->name, len, (void *)(uaddr + 3));
		out->len = len;
	} else {
		out->kind = UDS_ADDR_PATHNAME;
		int n = 0;
		for (n = 0; n < UDS_ADDR_MAX; n++) {
			if (n >= len || out->name[n] == 0)
				break;
		}
		out->len = n;
	}
}

/* The names of socket sk and of its peer, and where both live. */
static __always_inline void read_sock_names(struct sock *sk, struct sock *peer,
					    struct uds_sockinfo_event *info)
{
	read_sock_addr(sk, &info->local_addr);
	read_sock_addr(peer, &info->peer_addr);
	read_sock_ns(sk, peer, &info->ns);
}

#endif /* UDS_BPF_LIB_ADDR_H */
