/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A ring of capture files, as tcpdump's -C/-W/-G and dumpcap's -b make
 * one: a new file when the current one would pass a size or has been open
 * for a number of seconds, and at most N files kept (the oldest removed).
 *
 * Names: -w ring.pcapng gives ring_00001.pcapng, ring_00002.pcapng, ...
 * (the number before the extension, so every file still opens by type);
 * with strftime conversions in the name (-w cap-%H%M%S.pcapng) each file is
 * named by its start time (local), and numbered too under -C, where two
 * files can start within the name's finest unit.
 */
#ifndef UDSDUMP_FILE_RING_H
#define UDSDUMP_FILE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct file_ring_limits {
	uint64_t max_bytes; /* -C: a new file before one would pass this; 0: no limit */
	double seconds;	    /* -G: a new file after this long; 0: no limit */
	unsigned max_files; /* -W: keep at most this many; 0: keep all */
};

/* Are any of the limits set (a ring, rather than one file)? */
bool file_ring_wanted(const struct file_ring_limits *l);

/* Does the name hold strftime conversions ('%')? */
bool file_ring_name_has_time(const char *name_template);

/* The name of file number n (from 1), started at t (local time): the
 * template through strftime if it has conversions, then "_NNNNN" before
 * the extension when numbered. false if it does not fit in cap. */
bool file_ring_name(const char *name_template, bool numbered, unsigned n, time_t t, char *out, size_t cap);

struct file_ring;

/* A ring over name_template with these limits; NULL when out of memory. */
struct file_ring *file_ring_new(const char *name_template, const struct file_ring_limits *l);
void file_ring_free(struct file_ring *r);

/* Create the next file (started at now), remove the oldest beyond
 * max_files; its descriptor, or -errno (err says which file, one line). */
int file_ring_open_next(struct file_ring *r, time_t now, char *err, size_t errlen);

/* The file last opened ("" before the first). */
const char *file_ring_current(const struct file_ring *r);

/* How many files were opened. */
unsigned file_ring_opened(const struct file_ring *r);

/* Is a new file due: the current one holds bytes_written and would grow
 * by up to next_bytes (a file without records takes one whatever its
 * size), or it has been open since opened_mono_ns (now_mono_ns on the
 * same clock) for the seconds of the limit? */
bool file_ring_due(const struct file_ring *r, uint64_t bytes_written, uint64_t next_bytes, bool holds_records,
		   int64_t opened_mono_ns, int64_t now_mono_ns);

#endif
