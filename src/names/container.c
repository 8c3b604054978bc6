// SPDX-License-Identifier: GPL-2.0-or-later
#include "container.h"

#include <stdio.h>
#include <string.h>

#define COMPONENTS_MAX 32

/* systemd scopes: "<prefix><id>.scope" (the systemd cgroup drivers). */
static const struct {
	const char *prefix;
	enum uds_runtime runtime;
	bool monitor;
} scopes[] = {
	{ "docker-", UDS_RUNTIME_DOCKER, false },
	{ "cri-containerd-", UDS_RUNTIME_CONTAINERD, false },
	{ "crio-conmon-", UDS_RUNTIME_CRIO, true },
	{ "crio-", UDS_RUNTIME_CRIO, false },
	{ "libpod-conmon-", UDS_RUNTIME_PODMAN, true },
	{ "libpod-", UDS_RUNTIME_PODMAN, false },
};

const char *uds_runtime_name(enum uds_runtime r)
{
	switch (r) {
	case UDS_RUNTIME_DOCKER: return "docker";
	case UDS_RUNTIME_CONTAINERD: return "containerd";
	case UDS_RUNTIME_CRIO: return "cri-o";
	case UDS_RUNTIME_PODMAN: return "podman";
	case UDS_RUNTIME_CRI: return "cri";
	default: return "";
	}
}

/* A container id: 64 lowercase hex digits, exactly n bytes of s. */
static bool is_id(const char *s, size_t n)
{
	if (n != UDS_CONTAINER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && memcmp(s, prefix, p) == 0;
}

static void set(struct uds_container *out, enum uds_runtime r, bool monitor, const char *id)
{
	out->runtime = r;
	out->monitor = monitor;
	memcpy(out->id, id, UDS_CONTAINER_ID_MAX);
	out->id[UDS_CONTAINER_ID_MAX] = 0;
}

/* A systemd scope of a runtime: "<prefix><64 hex>.scope". */
static bool scope_of(const char *c, size_t n, struct uds_container *out)
{
	const size_t suffix = sizeof(".scope") - 1;

	if (n < suffix || memcmp(c + n - suffix, ".scope", suffix))
		return false;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t p = strlen(scopes[i].prefix);
		if (starts(c, n, scopes[i].prefix) && is_id(c + p, n - p - suffix)) {
			set(out, scopes[i].runtime, scopes[i].monitor, c + p);
			return true;
		}
	}
	return false;
}

/* A Kubernetes pod's UID: "pod<uid>" (cgroupfs) or "kubepods-...-pod<uid
 * with '_' for '-'>.slice" (systemd). */
static void pod_of(const char *c, size_t n, struct uds_container *out)
{
	const char *p = NULL;
	size_t len = 0;

	if (starts(c, n, "pod")) {
		p = c + 3;
		len = n - 3;
	} else if (starts(c, n, "kubepods-") && n > 6 && !memcmp(c + n - 6, ".slice", 6)) {
		for (size_t i = n - 6; i >= 4; i--) {
			if (!memcmp(c + i - 4, "-pod", 4)) {
				p = c + i;
				len = n - 6 - i;
				break;
			}
		}
	}
	if (!p || len == 0 || len > UDS_POD_UID_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		out->pod[i] = p[i] == '_' ? '-' : p[i];
	out->pod[len] = 0;
}

bool uds_container_of_cgroup(const char *path, struct uds_container *out)
{
	const char *comp[COMPONENTS_MAX];
	size_t len[COMPONENTS_MAX], n = 0;
	bool kube = false;

	memset(out, 0, sizeof(*out));
	for (const char *s = path; *s && n < COMPONENTS_MAX;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		comp[n] = s;
		while (*s && *s != '/')
			s++;
		len[n] = (size_t)(s - comp[n]);
		kube |= starts(comp[n], len[n], "kubepods");
		pod_of(comp[n], len[n], out);
		n++;
	}
	/* The deepest component that names a container wins. */
	for (size_t i = n; i-- > 0;) {
		const char *c = comp[i];
		if (scope_of(c, len[i], out))
			return true;
		if (starts(c, len[i], "libpod-") && is_id(c + 7, len[i] - 7)) {
			set(out, UDS_RUNTIME_PODMAN, false, c + 7); /* cgroupfs: libpod_parent/libpod-ID */
			return true;
		}
		if (is_id(c, len[i])) {
			/* cgroupfs drivers: docker/ID, kubepods/.../pod.../ID */
			if (i > 0 && len[i - 1] == 6 && !memcmp(comp[i - 1], "docker", 6))
				set(out, UDS_RUNTIME_DOCKER, false, c);
			else
				set(out, kube ? UDS_RUNTIME_CRI : UDS_RUNTIME_CONTAINERD, false, c);
			return true;
		}
	}
	out->pod[0] = 0;
	return false;
}
