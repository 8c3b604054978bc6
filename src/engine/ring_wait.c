// SPDX-License-Identifier: GPL-2.0-or-later
/* Waiting for the kernel's rings, edge-triggered: see ring_wait.h. */
#include "ring_wait.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

static int watch(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = fd };

	return fd < 0 ? 0 : epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int ring_wait_open(struct ring_wait *w, int ring_fd, int spill_fd, uint64_t ring_bytes)
{
	/* 64 KiB of the default 8 MiB: far more than a steady flow brings
	 * in the moment between two passes, less than a burst does */
	w->behind_bytes = ring_bytes / 128;
	w->passes = w->woken = 0;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -1;
	if (watch(w->epfd, ring_fd) != 0 || watch(w->epfd, spill_fd) != 0) {
		int err = errno;
		ring_wait_close(w);
		errno = err;
		return -1;
	}
	return 0;
}

int ring_wait(struct ring_wait *w, uint64_t drained, int ms)
{
	struct epoll_event evs[2];
	int n = epoll_wait(w->epfd, evs, 2, drained >= w->behind_bytes ? 0 : ms);

	if (n < 0)
		return -errno;
	w->passes++;
	if (n > 0)
		w->woken++;
	return 0;
}

void ring_wait_close(struct ring_wait *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
}
