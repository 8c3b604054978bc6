/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When a CGROUP record is due (doc/FORMAT.md, "Cgroup records"): before
 * the first record of a file that carries a cgroup id, and again once
 * 10 s have passed since it was last written; and what it says (the
 * cgroup's path, the container it belongs to and, where its runtime's API
 * answers, the container's name: src/names/runtime_names.h).
 */
#ifndef UDSDUMP_CGROUP_RECORDS_H
#define UDSDUMP_CGROUP_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "record_writer.h"

#define CGROUP_RECORD_INTERVAL_NS (10LL * 1000000000LL)

struct cgroup_records;

/* cgroup_root: the cgroup2 mount, NULL to find it. */
struct cgroup_records *cgroup_records_new(const char *cgroup_root);
void cgroup_records_free(struct cgroup_records *cr);

/* True when a CGROUP record of id is due before a record at now_ns (any
 * clock, the same every call); then *f says what to write (valid until
 * the next call) and the record counts as written. */
bool cgroup_record_due(struct cgroup_records *cr, uint64_t id, int64_t now_ns,
		       struct uds_cgroup_facts *f);

/* Is ino a socket udsdump used to ask a runtime for a container's name?
 * (what went over it is udsdump's traffic, not the user's) */
bool cgroup_records_own_socket(const struct cgroup_records *cr, uint64_t ino);

/* The kernel made cgroup id at path (a UDS_RING_CGROUP event). */
void cgroup_records_learn(struct cgroup_records *cr, uint64_t id, const char *path);
/* A new file begins: every cgroup is due again before its next record. */
void cgroup_records_new_file(struct cgroup_records *cr);

#endif /* UDSDUMP_CGROUP_RECORDS_H */
