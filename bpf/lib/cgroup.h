/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The container filters, applied in the kernel: "cgroup PATH" (the
 * sender's cgroup v2 is PATH's or below it) and "container ID" (its cgroup,
 * or one of the two above it, is named the way the runtimes name a
 * container's: ID, docker-ID.scope, libpod-ID.scope, crio-ID.scope,
 * cri-containerd-ID.scope). Both walk the task's cgroup up through kernfs,
 * so a container started after the capture is matched from its first
 * message; the verdict is kept per cgroup id.
 */
#ifndef UDS_BPF_LIB_CGROUP_H
#define UDS_BPF_LIB_CGROUP_H

#include "maps.h"

#define CGROUP_DEPTH_MAX 16   /* levels walked up for "cgroup PATH" */
#define CONTAINER_LEVELS 3    /* levels whose names "container ID" reads */
#define VERDICT_MATCH 1
#define VERDICT_NO 2

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___v615, __parent))
		return BPF_CORE_READ((struct kernfs_node___v615 *)kn, __parent);
	return BPF_CORE_READ(kn, parent);
}

/* Does cfg.container start at name[off], a runtime's prefix ending before it? */
static __always_inline bool container_id_at(const char *name, __u32 off)
{
	if (off && name[(off - 1) & 127] != '-')
		return false;
	for (int j = 0; j < UDS_CONTAINER_ID_LEN; j++) {
		if (j >= cfg.container_len)
			return true;
		if (name[(off + j) & 127] != cfg.container[j])
			return false;
	}
	return true;
}

/* Does the cgroup directory kn name the container cfg.container? */
static __always_inline bool kn_names_container(struct kernfs_node *kn, char *name)
{
	const char *p = BPF_CORE_READ(kn, name);

	if (!p || bpf_probe_read_kernel_str(name, 128, p) <= 0)
		return false;
	/* cgroupfs drivers: ID; crio-ID; docker-ID, libpod-ID; cri-containerd-ID */
	return container_id_at(name, 0) || container_id_at(name, 5) || container_id_at(name, 7) ||
	       container_id_at(name, 15);
}

/* The verdict on the current task's cgroup (worked out, not cached). */
static __noinline __u32 cgroup_verdict_of_current(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	struct data_scratch *s = get_data_scratch();
	bool cg_ok = !cfg.cgroup_id, ct_ok = !cfg.container_len;

	if (!s)
		return VERDICT_NO;
	for (int i = 0; i < CGROUP_DEPTH_MAX; i++) {
		if (!kn || (cg_ok && ct_ok))
			break;
		if (!cg_ok && BPF_CORE_READ(kn, id) == cfg.cgroup_id)
			cg_ok = true;
		if (!ct_ok && i < CONTAINER_LEVELS && kn_names_container(kn, s->cgroup_name))
			ct_ok = true;
		kn = kn_parent(kn);
	}
	return cg_ok && ct_ok ? VERDICT_MATCH : VERDICT_NO;
}

/* Is the current task, in cgroup cgroup_id, filtered out by the container
 * filters? */
static __always_inline bool cgroup_filtered_out(__u64 cgroup_id)
{
	__u32 *v, verdict;

	if (!cfg.cgroup_id && !cfg.container_len)
		return false;
	v = bpf_map_lookup_elem(&cgroup_verdicts, &cgroup_id);
	if (v)
		return *v != VERDICT_MATCH;
	verdict = cgroup_verdict_of_current();
	bpf_map_update_elem(&cgroup_verdicts, &cgroup_id, &verdict, BPF_ANY);
	return verdict != VERDICT_MATCH;
}

/*
 * The cgroup cgrp was made, at path: tell user space, if it is a cgroup v2
 * one (the hierarchy of the current task's own cgroup v2). Not counted as
 * lost when the ring is full: user space then walks the cgroup file system.
 */
static __always_inline void emit_cgroup_made(struct cgroup *cgrp, const char *path)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct uds_cgroup_event *ev;
	long n;

	if (BPF_CORE_READ(cgrp, root) != BPF_CORE_READ(task, cgroups, dfl_cgrp, root))
		return;
	ev = ring_reserve(sizeof(*ev));
	if (!ev)
		return;
	ev->kind = UDS_RING_CGROUP;
	ev->pad = 0;
	ev->cgroup_id = BPF_CORE_READ(cgrp, kn, id);
	n = bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), path);
	ev->path_len = n > 0 && n < (long)sizeof(ev->path) ? (__u16)(n - 1) : UDS_CGROUP_PATH_MAX;
	ring_submit(ev);
}

/* The netns filter on a socket whose names (and namespaces) are in info. */
static __always_inline bool netns_ok(const struct uds_sockinfo_event *info)
{
	return !cfg.netns || info->ns.net_ns == cfg.netns || info->ns.peer_net_ns == cfg.netns;
}

#endif /* UDS_BPF_LIB_CGROUP_H */
