/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --summary: per socket, what was captured (records, payload bytes), its
 * path, its sender and the process at its other end, printed when the
 * capture ends.
 */
#ifndef UDSDUMP_SOCK_SUMMARY_H
#define UDSDUMP_SOCK_SUMMARY_H

#include <stdio.h>

#include "sock_names.h"
#include "udsdump_ring.h"

struct sock_summaries;

struct sock_summaries *sock_summaries_new(void);
void sock_summaries_free(struct sock_summaries *ss);
/* One record of ev's socket written (names: the socket's, or NULL; dest:
 * a datagram's destination, or NULL). */
void sock_summaries_account(struct sock_summaries *ss, const struct uds_event *ev,
			    const struct uds_sock_names *names, const struct uds_addr *dest);
/* The table, one socket per line, under its heading. */
void sock_summaries_print(const struct sock_summaries *ss, FILE *out);

#endif /* UDSDUMP_SOCK_SUMMARY_H */
