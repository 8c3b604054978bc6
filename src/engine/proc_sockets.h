/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What /proc says of Unix sockets, for what the kernel did not tell: the
 * sockets that existed before the capture (a stream joined midway), and
 * which process holds a socket (like ss -p), for a peer the kernel named
 * by inode only.
 */
#ifndef UDSDUMP_PROC_SOCKETS_H
#define UDSDUMP_PROC_SOCKETS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "udsdump_bpf.h"

/* Inodes (gint64 keys) of the Unix sockets that exist now. */
GHashTable *read_existing_sockets(void);

struct proc_owner {
	uint32_t pid;
	char comm[UDS_COMM_LEN];
};

struct peer_cache {
	GHashTable *owner; /* socket inode -> struct proc_owner */
	struct timespec last_scan;
	bool scanned;
};

/* The first process holding socket ino, from a /proc walk made at most
 * twice a second; NULL if none. pc->owner: a g_int64 table, g_free'd. */
const struct proc_owner *peer_cache_lookup(struct peer_cache *pc, uint64_t ino);

#endif
