/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The name a container runtime gives a container, asked of the runtime's
 * own API where it answers on its Unix socket: docker's Engine API and
 * podman's compatible one (GET /containers/ID/json). Asked once per
 * container (again a minute later if the runtime did not answer), with a
 * deadline of 250 ms so a hung daemon costs the capture little. The
 * sockets udsdump asks through are remembered: their traffic is
 * udsdump's, not the user's, and the capture leaves it out.
 */
#ifndef UDSDUMP_RUNTIME_NAMES_H
#define UDSDUMP_RUNTIME_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container.h"

struct runtime_names;

/* Asking docker at /run/docker.sock (or /var/run/docker.sock) and podman
 * at /run/podman/podman.sock (its API service, when it runs). */
struct runtime_names *runtime_names_new(void);
void runtime_names_free(struct runtime_names *rn);

/* The name of container id, or NULL (not docker or podman, no socket, no
 * answer). Valid until the next call. */
const char *runtime_container_name(struct runtime_names *rn, enum uds_runtime runtime, const char *id);

/* Did udsdump ask a runtime through socket inode ino (lately)? */
bool runtime_names_own_socket(const struct runtime_names *rn, uint64_t ino);

/* Pure: the top-level "Name" of a container's JSON, without docker's
 * leading '/'; false if there is none, or it is not a plain name. */
bool runtime_name_from_json(const char *json, size_t len, char *out, size_t cap);

#endif
