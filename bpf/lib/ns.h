/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a task and a socket live: the task's cgroup, its pid and mount
 * namespaces and its pid as its own namespace numbers it; the network
 * namespace a socket was made in and the file its path name is bound to.
 * A container user knows processes and sockets by these, and two sockets
 * with one name in two namespaces are told apart by them.
 */
#ifndef UDS_BPF_LIB_NS_H
#define UDS_BPF_LIB_NS_H

#include "common.h"

/*
 * Every read below lands in the caller's map memory (the record or the
 * socket's state), its intermediate pointers too, in a u64 field of the
 * output that is written last: these helpers need no BPF stack, whose
 * deepest call chain on the syscall rung is at 6.1's 512-byte limit.
 */

/* *slot = *(u64 *)(base + off), a pointer read into map memory. */
#define READ_PTR(slot, base, off) \
	bpf_probe_read_kernel((slot), sizeof(__u64), (void *)((__u64)(base) + (off)))

/* numbers[level] of struct pid *pid (read into *slot first): the number the
 * deepest namespace (the one the task was made in) gives it into *nr, and
 * that namespace's inode into *ns_inum (NULL: not wanted). The array is
 * indexed at run time, so its stride is the running kernel's. */
static __always_inline void pid_nr_in_own_ns(__u64 *slot, __u32 *nr, __u32 *ns_inum)
{
	__u64 pid = *slot, up;

	*nr = 0;
	if (!pid)
		return;
	bpf_probe_read_kernel(nr, sizeof(*nr), (void *)(pid + bpf_core_field_offset(struct pid, level)));
	up = pid + bpf_core_field_offset(struct pid, numbers) +
	     (__u64)(*nr & 63) * bpf_core_type_size(struct upid);
	bpf_probe_read_kernel(nr, sizeof(*nr), (void *)(up + bpf_core_field_offset(struct upid, nr)));
	if (!ns_inum)
		return;
	*ns_inum = 0;
	if (READ_PTR(slot, up, bpf_core_field_offset(struct upid, ns)) || !*slot)
		return;
	bpf_probe_read_kernel(ns_inum, sizeof(*ns_inum),
			      (void *)(*slot + bpf_core_field_offset(struct pid_namespace, ns.inum)));
}

/* Where task (the current one) lives; cgroup_id is
 * bpf_get_current_cgroup_id()'s, read by the caller (its cache key).
 * Not inlined, nor read_sock_ns(): one copy of their code serves every
 * caller, and their frames stay off the deepest chain (they call nothing). */
static __noinline void read_task_ns(struct task_struct *task, __u64 cgroup_id,
					 struct uds_task_ns *out)
{
	__u64 *slot = &out->cgroup_id; /* the temporary, until the end */
	__u64 t = (__u64)task;

	out->mnt_ns = 0;
	if (!READ_PTR(slot, t, bpf_core_field_offset(struct task_struct, nsproxy)) && *slot &&
	    !READ_PTR(slot, *slot, bpf_core_field_offset(struct nsproxy, mnt_ns)) && *slot)
		bpf_probe_read_kernel(&out->mnt_ns, sizeof(out->mnt_ns),
				      (void *)(*slot + bpf_core_field_offset(struct mnt_namespace, ns.inum)));
	*slot = 0;
	READ_PTR(slot, t, bpf_core_field_offset(struct task_struct, thread_pid));
	pid_nr_in_own_ns(slot, &out->ns_tid, &out->pid_ns);
	*slot = 0;
	if (!READ_PTR(slot, t, bpf_core_field_offset(struct task_struct, group_leader)) && *slot)
		READ_PTR(slot, *slot, bpf_core_field_offset(struct task_struct, thread_pid));
	pid_nr_in_own_ns(slot, &out->ns_pid, NULL);
	out->cgroup_id = cgroup_id;
}

/* The network namespace sk was made in, into *net (*slot: a temporary). */
static __always_inline void sock_net_ns(struct sock *sk, __u64 *slot, __u32 *net)
{
	*net = 0;
	if (sk && !READ_PTR(slot, sk, bpf_core_field_offset(struct sock, __sk_common.skc_net.net)) &&
	    *slot)
		bpf_probe_read_kernel(net, sizeof(*net),
				      (void *)(*slot + bpf_core_field_offset(struct net, ns.inum)));
}

/* The file sk's path name is bound to (unix_sk(sk)->path.dentry's inode),
 * its inode number into *ino (also the temporary) and device into *dev. */
static __always_inline void sock_bound_file(struct sock *sk, __u64 *ino, __u32 *dev)
{
	*dev = 0;
	*ino = 0;
	if (!sk || READ_PTR(ino, sk, bpf_core_field_offset(struct unix_sock, path.dentry)) || !*ino ||
	    READ_PTR(ino, *ino, bpf_core_field_offset(struct dentry, d_inode)) || !*ino) {
		*ino = 0;
		return;
	}
	__u64 inode = *ino;
	*ino = 0;
	if (!READ_PTR(ino, inode, bpf_core_field_offset(struct inode, i_sb)) && *ino)
		bpf_probe_read_kernel(dev, sizeof(*dev),
				      (void *)(*ino + bpf_core_field_offset(struct super_block, s_dev)));
	*ino = 0;
	bpf_probe_read_kernel(ino, sizeof(*ino), (void *)(inode + bpf_core_field_offset(struct inode, i_ino)));
}

/* Where socket sk and its peer live. */
static __noinline void read_sock_ns(struct sock *sk, struct sock *peer, struct uds_sock_ns *out)
{
	sock_net_ns(sk, &out->file_ino, &out->net_ns);
	sock_net_ns(peer, &out->file_ino, &out->peer_net_ns);
	sock_bound_file(sk, &out->file_ino, &out->file_dev);
	sock_bound_file(peer, &out->peer_file_ino, &out->peer_file_dev);
}

#endif /* UDS_BPF_LIB_NS_H */
