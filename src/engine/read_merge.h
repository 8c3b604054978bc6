/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --recv merged: a stream socket's consecutive reads by one thread written
 * as one RECV record that stands for all of them (doc/FORMAT.md READS),
 * instead of a record per read. The kernel still hands over every read;
 * the writer holds them back for one pass over the rings and writes each
 * socket's reads as one record: less to write and a smaller file, and
 * every read still has its time, offset and size.
 */
#ifndef UDSDUMP_READ_MERGE_H
#define UDSDUMP_READ_MERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "udsdump_ring.h"
#include "record_writer.h"

/* Reads per record at most (READS' entries: 776 bytes of TLV). */
#define READ_MERGE_MAX 64

/* Writes the record of ev (a RECV covering all of reads, n of them: n == 1
 * is a record of one read, without READS). */
typedef void (*read_merge_write_fn)(void *ctx, const struct uds_event *ev, const struct uds_read *reads,
				    uint32_t n);

struct read_merge;

struct read_merge *read_merge_new(read_merge_write_fn write, void *ctx);
void read_merge_free(struct read_merge *m);

/* Whether a read's event can be held at all: metadata of one read of a
 * stream socket, with no control message, not the socket's first. */
bool read_merge_eligible(const struct uds_event *ev, uint32_t extra_flags);

/* Hold ev, an eligible read; the socket's held reads that it cannot join
 * (another thread, a gap, full, a second later) are written first. */
void read_merge_hold(struct read_merge *m, const struct uds_event *ev);

/* Write the socket's held reads now, before something else of it. */
void read_merge_flush(struct read_merge *m, uint64_t ino);

/* Write every socket's held reads, in the order of their last reads. */
void read_merge_flush_all(struct read_merge *m);

#endif /* UDSDUMP_READ_MERGE_H */
