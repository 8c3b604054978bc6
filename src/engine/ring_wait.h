/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Waiting for the kernel's rings (bpf/lib/maps.h) between drains.
 *
 * The programs wake the reader only when a ring is filling up (a wakeup
 * per record costs more than the copy); otherwise the reader drains on a
 * short tick. A ring's poll reports "readable" whenever it holds a single
 * byte, so a level-triggered wait (libbpf's ring_buffer__poll) that is
 * woken once returns at once on every later call while records keep
 * coming: the reader spins, one pass per handful of records, each pass
 * with its own syscalls. Here the rings are watched edge-triggered: a
 * wait returns early only for a wakeup the kernel sent since the last
 * wait, and otherwise at the tick.
 *
 * A burst is the exception: after a wakeup, while each pass still finds
 * a good part of the ring's worth of new events (behind_bytes), the
 * reader goes on at once, as the level-triggered one did; it keeps the
 * ring from filling, which costs the senders more wakeups and spills. A
 * steady flow that only brings as much over a whole tick waits. What a
 * pass read is where the rings' consumer positions moved: no count per
 * event in the writer's loop.
 */
#ifndef UDSDUMP_RING_WAIT_H
#define UDSDUMP_RING_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#define RING_WAIT_MAX 2

struct ring_wait {
	int epfd;
	int n_rings;
	const volatile uint64_t *consumer[RING_WAIT_MAX]; /* each ring's, read-only */
	uint64_t consumed;     /* the positions' sum at the last wait */
	uint64_t behind_bytes; /* a pass that read this much: go on at once */
	bool woken_last;       /* the last wait was ended by the kernel */
	bool behind;	       /* the last wait did not wait: a burst */
	uint64_t passes;       /* waits that returned */
	uint64_t woken;	       /* of them, by a wakeup of the kernel's */
};

/* Watch up to two ring maps (fd -1: none); ring_bytes: the size of the
 * first. 0, or -1 with errno. */
int ring_wait_open(struct ring_wait *w, int ring_fd, int spill_fd, uint64_t ring_bytes);

/* After a pass over the rings: at once in a burst, else at a kernel
 * wakeup or after ms milliseconds, whichever comes first. 0, or a
 * negative errno (-EINTR when a signal came). */
int ring_wait(struct ring_wait *w, int ms);

void ring_wait_close(struct ring_wait *w);

#endif
