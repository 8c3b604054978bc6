// SPDX-License-Identifier: GPL-2.0-or-later
/* Waiting for the kernel's rings, edge-triggered: see ring_wait.h. */
#include "ring_wait.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

/* Watch one ring: its wakeups, and its consumer position (the first page
 * of the map; the kernel lets any process that may read the map map it
 * read-only). */
static int watch(struct ring_wait *w, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = fd };
	long page = sysconf(_SC_PAGESIZE);

	if (fd < 0)
		return 0;
	void *pos = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (pos == MAP_FAILED)
		return -1;
	w->consumer[w->n_rings++] = pos;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static uint64_t consumed(const struct ring_wait *w)
{
	uint64_t sum = 0;

	for (int i = 0; i < w->n_rings; i++)
		sum += *w->consumer[i];
	return sum;
}

int ring_wait_open(struct ring_wait *w, int ring_fd, int spill_fd, uint64_t ring_bytes)
{
	*w = (struct ring_wait){ .epfd = -1 };
	/* 64 KiB of the default 8 MiB: far more than arrives in the moment a
	 * pass takes, but in a burst */
	w->behind_bytes = ring_bytes / 128;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0 || watch(w, ring_fd) != 0 || watch(w, spill_fd) != 0) {
		int err = errno;
		ring_wait_close(w);
		errno = err;
		return -1;
	}
	w->consumed = consumed(w);
	return 0;
}

int ring_wait(struct ring_wait *w, int ms)
{
	struct epoll_event evs[RING_WAIT_MAX];
	uint64_t now = consumed(w);

	w->behind = now - w->consumed >= w->behind_bytes && (w->woken_last || w->behind);
	w->consumed = now;
	int n = epoll_wait(w->epfd, evs, RING_WAIT_MAX, w->behind ? 0 : ms);
	if (n < 0)
		return -errno;
	w->woken_last = n > 0;
	w->passes++;
	w->woken += n > 0;
	return 0;
}

void ring_wait_close(struct ring_wait *w)
{
	long page = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < w->n_rings; i++)
		munmap((void *)w->consumer[i], (size_t)page);
	w->n_rings = 0;
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
}
