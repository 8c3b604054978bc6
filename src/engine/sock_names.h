/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What user space keeps of the kernel's socket names (UDS_RING_SOCKINFO
 * events): socket inode -> struct uds_sock_names, by generation. The
 * kernel names a socket once per generation it is used in (its .bss
 * names_epoch), so the tables hold the sockets used lately, not every
 * socket a long capture ever saw: the current generation, the one before,
 * and the one before that until the records already in the ring that may
 * need it have been read. Pure (glib only); time is the caller's.
 */
#ifndef UDSDUMP_SOCK_NAMES_H
#define UDSDUMP_SOCK_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include "record_writer.h"

/* Records reserved in the ring before a generation ended are committed
 * within microseconds; a drain that ends this much later has read them. */
#define SOCK_NAMES_RETIRE_NS (100LL * 1000000LL)

struct sock_names;

/* The slot of inode ino in a memo of the last few answers per inode (the
 * names here, --summary's table in the capture): no hashing per record. */
#define INODE_MEMO_SLOTS 256
static inline unsigned inode_memo_slot(uint64_t ino)
{
	return (unsigned)(ino ^ ino >> 8) % INODE_MEMO_SLOTS;
}

/* A generation ends once it holds max sockets, but not within
 * min_period_ns of the last end (sockets that stay busy are named again
 * once per period, not for every new socket), and not while the one two
 * back may still be needed. */
struct sock_names *sock_names_new(unsigned max, int64_t min_period_ns);
void sock_names_free(struct sock_names *t);

/* The names of socket ino, from the newest generation that has them, or
 * NULL. Valid until the next sock_names_keep() or sock_names_retire().
 * The writer marks in it where it last wrote the peer's identity. */
struct uds_sock_names *sock_names_lookup(struct sock_names *t, uint64_t ino);

/* Keeps e's names (encoded once for every record of the socket). True
 * when that ended the generation: the caller tells the kernel (its
 * names_epoch), which then names each socket again at its next use. */
bool sock_names_keep(struct sock_names *t, const struct uds_sockinfo_event *e, int64_t now_ns);

/* After a drain of the ring: drops the generation two back once
 * SOCK_NAMES_RETIRE_NS have passed since it was retired. */
void sock_names_retire(struct sock_names *t, int64_t now_ns);

/* Sockets held in all generations (for tests and the soak). */
unsigned sock_names_held(const struct sock_names *t);

#endif /* UDSDUMP_SOCK_NAMES_H */
