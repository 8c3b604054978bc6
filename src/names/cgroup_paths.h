/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cgroup v2 id (what bpf_get_current_cgroup_id() returns: the inode of
 * the cgroup's directory) to its path, by walking the cgroup2 mount. The
 * walk is cached; an id not found walks again: at once the first time (a
 * container started during the capture is named from its first record),
 * at most once a second for an id a walk did not find (a cgroup already
 * gone), so a storm of those costs one walk a second. The kernel also
 * names each cgroup as it is made (uds_cgroup_paths_learn): a cgroup gone
 * before its first record is then still named, and a new one costs no walk.
 */
#ifndef UDSDUMP_CGROUP_PATHS_H
#define UDSDUMP_CGROUP_PATHS_H

#include <stddef.h>
#include <stdint.h>

struct uds_cgroup_paths;

/* root: the cgroup2 mount, or NULL to find it in /proc/self/mounts. NULL
 * result: out of memory. A host without cgroup v2 resolves nothing. */
struct uds_cgroup_paths *uds_cgroup_paths_new(const char *root);
void uds_cgroup_paths_free(struct uds_cgroup_paths *p);

/* The path of cgroup id from the cgroup2 root ("/" for the root, "/a/b"),
 * or NULL when it cannot be found. Valid until the next call. */
const char *uds_cgroup_path(struct uds_cgroup_paths *p, uint64_t id);

/* The kernel made cgroup id at path (from the hierarchy's root). Ignored
 * when the cgroup2 mount is not the hierarchy's root (a cgroup namespace's
 * or a bind mount's paths start below it, where the kernel's do not). */
void uds_cgroup_paths_learn(struct uds_cgroup_paths *p, uint64_t id, const char *path);
/* The cgroup2 mount in use, or NULL. */
const char *uds_cgroup_root(const struct uds_cgroup_paths *p);

/* The id of the cgroup at path (from the cgroup2 root; the mount itself
 * may lead it). 0, or -1 with a one-line reason in err. */
int uds_cgroup_id_of(const struct uds_cgroup_paths *p, const char *path, uint64_t *id, char *err,
		     size_t errlen);

#endif /* UDSDUMP_CGROUP_PATHS_H */
