// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of src/names/container.c on real cgroup paths (as
 * /proc/PID/cgroup's "0::" line shows them), each with where it was seen.
 */
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "runtime_names.h"

#include "check.h"

#define ID_A "e826cdf8f50fc276cf50c96a1ddc6a6eeb0bf063074fd01c1c523de09f733d01"
#define ID_B "4f3c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
#define POD "0f1a2b3c-4d5e-6789-abcd-ef0123456789"
#define POD_ "0f1a2b3c_4d5e_6789_abcd_ef0123456789"

static const struct {
	const char *path, *source;
	enum uds_runtime runtime;
	int monitor;
	const char *id, *pod;
} cases[] = {
	{ "/docker/" ID_A, "docker.io 20.10 on this machine, cgroupfs driver (hybrid)",
	  UDS_RUNTIME_DOCKER, 0, ID_A, "" },
	{ "/system.slice/docker-" ID_A ".scope", "docker, systemd driver (Debian 12 default)",
	  UDS_RUNTIME_DOCKER, 0, ID_A, "" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_ ".slice/"
	  "cri-containerd-" ID_B ".scope", "containerd CRI, kubelet systemd driver, burstable",
	  UDS_RUNTIME_CONTAINERD, 0, ID_B, POD },
	{ "/kubepods/besteffort/pod" POD "/" ID_B, "kubelet cgroupfs driver, besteffort",
	  UDS_RUNTIME_CRI, 0, ID_B, POD },
	{ "/kubepods.slice/kubepods-pod" POD_ ".slice/cri-containerd-" ID_B ".scope",
	  "containerd CRI, guaranteed QoS", UDS_RUNTIME_CONTAINERD, 0, ID_B, POD },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_ ".slice/"
	  "crio-" ID_B ".scope", "cri-o, systemd driver", UDS_RUNTIME_CRIO, 0, ID_B, POD },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_ ".slice/"
	  "crio-conmon-" ID_B ".scope", "cri-o's conmon", UDS_RUNTIME_CRIO, 1, ID_B, POD },
	{ "/machine.slice/libpod-" ID_A ".scope", "podman as root, systemd driver",
	  UDS_RUNTIME_PODMAN, 0, ID_A, "" },
	{ "/machine.slice/libpod-conmon-" ID_A ".scope", "podman's conmon",
	  UDS_RUNTIME_PODMAN, 1, ID_A, "" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_A ".scope",
	  "rootless podman", UDS_RUNTIME_PODMAN, 0, ID_A, "" },
	{ "/libpod_parent/libpod-" ID_A, "podman, cgroupfs driver", UDS_RUNTIME_PODMAN, 0, ID_A, "" },
	{ "/default/" ID_B, "containerd (ctr, nerdctl), namespace default", UDS_RUNTIME_CONTAINERD,
	  0, ID_B, "" },
	/* a process a container's runtime started inside the container's own
	 * sub-cgroup (systemd in a container): still that container */
	{ "/system.slice/docker-" ID_A ".scope/init.scope", "systemd inside a docker container",
	  UDS_RUNTIME_DOCKER, 0, ID_A, "" },
	/* not containers */
	{ "/user.slice/user-1000.slice/session-3.scope", "a login session", UDS_RUNTIME_NONE, 0,
	  "", "" },
	{ "/init.scope", "PID 1 (systemd)", UDS_RUNTIME_NONE, 0, "", "" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service",
	  "a user's session bus", UDS_RUNTIME_NONE, 0, "", "" },
	{ "/system.slice/docker.service", "dockerd itself", UDS_RUNTIME_NONE, 0, "", "" },
	{ "/system.slice/docker-" ID_A "x.scope", "not an id (65 characters)", UDS_RUNTIME_NONE, 0,
	  "", "" },
	{ "/", "the root cgroup", UDS_RUNTIME_NONE, 0, "", "" },
	{ "", "no path", UDS_RUNTIME_NONE, 0, "", "" },
};

/* The container's name in its runtime's JSON (docker's inspect, podman's
 * compat inspect): the top-level "Name" only. */
static void names_from_json(void)
{
	static const struct {
		const char *json, *want; /* want NULL: no name */
		const char *what;
	} cases[] = {
		{ "{\"Id\":\"e8\",\"State\":{\"Status\":\"running\"},\"Name\":\"/web-1\","
		  "\"GraphDriver\":{\"Name\":\"overlay2\"}}",
		  "web-1", "docker's order" },
		{ "{\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\"}},\"Mounts\":[{\"Name\":\"v\"}],"
		  "\"Name\":\"/db\"}",
		  "db", "nested Names first" },
		{ "{\"Args\":[\"\\\"Name\\\":\\\"/evil\\\"\"],\"Name\":\"/good\"}", "good",
		  "a Name in an argument string" },
		{ "{\n  \"Name\" : \"pretty\"\n}", "pretty", "spaces and newlines" },
		{ "{\"Name\":\"podman-name\"}", "podman-name", "no leading slash" },
		{ "{\"State\":{\"Name\":\"x\"}}", NULL, "only a nested Name" },
		{ "{\"Name\":\"/a\\\"b\"}", NULL, "an escaped value" },
		{ "{\"Name\":\"/\"}", NULL, "an empty name" },
		{ "{\"Name\":\"/unterminated", NULL, "cut short" },
		{ "[{\"Name\":\"/list\"}]", NULL, "not an object" },
		{ "", NULL, "empty" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = runtime_name_from_json(cases[i].json, strlen(cases[i].json), out, sizeof(out));
		CHECK(got == (cases[i].want != NULL), "%s: found %d", cases[i].what, got);
		CHECK(!got || !strcmp(out, cases[i].want), "%s: '%s'", cases[i].what, out);
	}
	CHECK(!runtime_name_from_json("{\"Name\":\"/abcdef\"}", 17, out, 4), "a name too long for out");
}

int main(void)
{
	names_from_json();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uds_container c;
		bool found = uds_container_of_cgroup(cases[i].path, &c);
		CHECK(found == (cases[i].runtime != UDS_RUNTIME_NONE), "%s: found %d", cases[i].source,
		      found);
		CHECK(c.runtime == cases[i].runtime, "%s: runtime %s", cases[i].source,
		      uds_runtime_name(c.runtime));
		CHECK(c.monitor == cases[i].monitor, "%s: monitor %d", cases[i].source, c.monitor);
		CHECK(!strcmp(c.id, cases[i].id), "%s: id '%s'", cases[i].source, c.id);
		CHECK(!strcmp(c.pod, cases[i].pod), "%s: pod '%s'", cases[i].source, c.pod);
	}
	CHECK(!strcmp(uds_runtime_name(UDS_RUNTIME_CRIO), "cri-o"), "runtime name");
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
