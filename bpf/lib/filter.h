/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The capture filters, applied in the kernel: who sent (pid, uid, comm and
 * their exclusions), the socket type, and the path filter (socket files by
 * identity, names by value or prefix).
 */
#ifndef UDS_BPF_LIB_FILTER_H
#define UDS_BPF_LIB_FILTER_H

#include "addr.h"
#include "cgroup.h"

/* Does a name key of the path filter match this address? */
static __always_inline bool name_in_filter(struct uds_addr *a)
{
	struct data_scratch *s = get_data_scratch();
	struct uds_name_key *key;

	if (!s || a->kind == UDS_ADDR_UNNAMED)
		return false;
	key = &s->name_key;
	__builtin_memset(key, 0, sizeof(*key));
	key->kind = a->kind;
	key->len = a->len;
	if (a->len > UDS_ADDR_MAX)
		return false;
	__u64 l = a->len;
	BOUND_MAX(l, UDS_ADDR_MAX);
	if (l)
		bpf_probe_read_kernel(key->name, l, a->name);
	return bpf_map_lookup_elem(&path_names, key) != NULL;
}

static __always_inline bool prefix_match(struct uds_addr *a, __u32 i)
{
	__u32 plen;

	if (i >= UDS_MAX_PREFIX_FILTERS)
		return false;
	if (a->kind != cfg.prefixes[i].kind)
		return false;
	plen = cfg.prefixes[i].len;
	if (plen > a->len || plen > UDS_ADDR_MAX)
		return false;
	for (int n = 0; n < UDS_ADDR_MAX; n++) {
		if (n >= plen)
			return true;
		if (a->name[n] != cfg.prefixes[i].name[n])
			return false;
	}
	return true;
}

static __always_inline bool addr_matches_names(struct uds_addr *a)
{
	if (cfg.any_abstract && a->kind == UDS_ADDR_ABSTRACT)
		return true; /* capture filter "abstract" */
	if (cfg.n_path_names && name_in_filter(a))
		return true;
	for (__u32 i = 0; i < UDS_MAX_PREFIX_FILTERS; i++) {
		if (i >= cfg.n_prefixes)
			break;
		if (prefix_match(a, i))
			return true;
	}
	return false;
}

/* Is the socket file bound by sk one the user named? By the file's
 * identity, or by its directory's identity and its name. */
static __always_inline bool sock_file_in_filter(struct sock *sk)
{
	struct uds_file_id id = {};
	struct dentry *d;
	struct inode *inode;

	if (!sk)
		return false;
	d = BPF_CORE_READ((struct unix_sock *)sk, path.dentry);
	if (!d)
		return false;
	inode = BPF_CORE_READ(d, d_inode);
	if (inode) {
		id.ino = BPF_CORE_READ(inode, i_ino);
		id.dev = BPF_CORE_READ(inode, i_sb, s_dev);
		if (bpf_map_lookup_elem(&path_ids, &id))
			return true;
	}
	__u32 slot = scratch_index();
	struct uds_dirent_key *key = bpf_map_lookup_elem(&dirent_scratch, &slot);
	if (!key)
		return false;
	struct inode *dir = BPF_CORE_READ(d, d_parent, d_inode);
	struct qstr q = BPF_CORE_READ(d, d_name);
	__u64 l = q.len;
	if (!dir || l > UDS_ADDR_MAX)
		return false;
	__builtin_memset(key, 0, sizeof(*key));
	key->dev = BPF_CORE_READ(dir, i_sb, s_dev);
	key->dir_ino = BPF_CORE_READ(dir, i_ino);
	key->len = l;
	BOUND_MAX(l, UDS_ADDR_MAX);
	if (l)
		bpf_probe_read_kernel(key->name, l, q.name);
	return bpf_map_lookup_elem(&path_dirents, key) != NULL;
}

/* The exclusions of a capture filter: "not pid N", "not uid N", "not comm X". */
static __always_inline bool filter_excludes(__u32 tgid, __u32 uid)
{
	for (__u32 i = 0; i < UDS_MAX_NOT_IDS; i++) {
		if (i < cfg.n_not_pids && tgid == cfg.not_pids[i])
			return true;
		if (i < cfg.n_not_uids && uid == cfg.not_uids[i])
			return true;
	}
	if (cfg.n_not_comms) {
		char comm[UDS_COMM_LEN];
		bpf_get_current_comm(comm, sizeof(comm));
		for (__u32 i = 0; i < UDS_MAX_NOT_COMMS; i++) {
			bool same = true;
			if (i >= cfg.n_not_comms)
				break;
			for (int j = 0; j < UDS_COMM_LEN; j++) {
				if (comm[j] != cfg.not_comms[i][j]) {
					same = false;
					break;
				}
				if (comm[j] == 0)
					break;
			}
			if (same)
				return true;
		}
	}
	return false;
}

/* The filters on who did it (its cgroup_id too) and on the socket type
 * (all cheap, the container filters once per cgroup). */
static __always_inline bool task_filtered_out(__u32 tgid, __u32 uid, __u16 type, __u64 cgroup_id)
{
	if (cfg.has_pid && tgid != cfg.pid)
		return true;
	if (cfg.has_uid && uid != cfg.uid)
		return true;
	if (cfg.sock_type && type != cfg.sock_type)
		return true;
	if (cfg.has_comm) {
		char comm[UDS_COMM_LEN];
		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < UDS_COMM_LEN; i++) {
			if (comm[i] != cfg.comm[i])
				return true;
			if (comm[i] == 0)
				break;
		}
	}
	if (cfg.type_mask && !(cfg.type_mask & (1u << (type & 31))))
		return true;
	return filter_excludes(tgid, uid) || cgroup_filtered_out(cgroup_id);
}

/* The path filter on the socket itself: its file or name, or the peer's
 * (names already read into info). */
static __always_inline bool sock_path_ok(struct sock *sk, struct sock *peer, struct uds_sockinfo_event *info)
{
	if (!cfg.path_filter)
		return true;
	if (cfg.n_path_ids && (sock_file_in_filter(sk) || sock_file_in_filter(peer)))
		return true;
	return addr_matches_names(&info->local_addr) || addr_matches_names(&info->peer_addr);
}

#endif /* UDS_BPF_LIB_FILTER_H */
