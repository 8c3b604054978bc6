/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which container a cgroup path belongs to, the way the runtimes people
 * use name their cgroups (docker with the cgroupfs and systemd drivers,
 * containerd and CRI pods, CRI-O, podman as root and rootless). Pure: a
 * string in, a struct out; tests/unit/test_container.c holds the table of
 * real paths it is checked on.
 */
#ifndef UDSDUMP_CONTAINER_H
#define UDSDUMP_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

/* Who made the cgroup (doc/FORMAT.md, CONTAINER's runtime). */
enum uds_runtime {
	UDS_RUNTIME_NONE = 0,       /* not a container */
	UDS_RUNTIME_DOCKER = 1,
	UDS_RUNTIME_CONTAINERD = 2, /* containerd itself (ctr, nerdctl) or CRI */
	UDS_RUNTIME_CRIO = 3,
	UDS_RUNTIME_PODMAN = 4,
	UDS_RUNTIME_CRI = 5,        /* a Kubernetes pod's, runtime not in the path */
};

#define UDS_CONTAINER_ID_MAX 64
#define UDS_POD_UID_MAX 36

struct uds_container {
	enum uds_runtime runtime;
	bool monitor; /* the runtime's monitor of the container (conmon), not the container */
	char id[UDS_CONTAINER_ID_MAX + 1];
	char pod[UDS_POD_UID_MAX + 1]; /* Kubernetes pod UID, "" if none */
};

/* The container cgroup path (from the cgroup2 root, "/a/b") belongs to;
 * false, with out->runtime UDS_RUNTIME_NONE, when it is none. */
bool uds_container_of_cgroup(const char *path, struct uds_container *out);

/* The runtime's name as the capture writes it ("docker", "containerd",
 * "cri-o", "podman"; "" for none). */
const char *uds_runtime_name(enum uds_runtime r);

#endif /* UDSDUMP_CONTAINER_H */
