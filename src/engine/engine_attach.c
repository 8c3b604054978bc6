// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine_attach.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "udsdump.skel.h"

/* How long our own syscalls are given to reach a live program: every
 * syscall's end runs it, so the first one normally does. */
#define HOOK_RUN_WAIT_MS 200

/* Has the syscall program run since hook_ran was cleared? Our own
 * syscalls (getppid, nanosleep) end while we wait, so a live program
 * sets it whatever else the machine is doing. */
static bool hook_runs(struct udsdump_bpf *skel)
{
	const struct timespec ms = { .tv_nsec = 1000000 };

	for (int i = 0; i < HOOK_RUN_WAIT_MS; i++) {
		(void)getppid();
		if (__atomic_load_n(&skel->bss->hook_ran, __ATOMIC_ACQUIRE))
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

/* The test build's fault (UDSDUMP_FAULT_DEAD_ATTACHES=N): the first N
 * attaches are undone at once, a program the kernel does not run. */
static int dead_attaches(void)
{
#ifdef UDSDUMP_FAULT_INJECTION
	const char *n = getenv("UDSDUMP_FAULT_DEAD_ATTACHES");
	return n ? atoi(n) : 0;
#else
	return 0;
#endif
}

int engine_attach(struct engine *e, int *reattached)
{
	bool sock_hook = engine_rungs[e->rung].hook == ENGINE_HOOK_SOCK;
	const char *tp = sock_hook ? "sock:sock_send_length" : "raw_syscalls:sys_exit";
	int dead = dead_attaches();

	*reattached = 0;
	for (int try = 0; try < ENGINE_ATTACH_TRIES; try++) {
		e->skel->bss->hook_ran = 0;
		int err = udsdump_bpf__attach(e->skel);
		if (err) {
			fprintf(stderr, "udsdump: cannot attach to %s: %s\n", tp, strerror(-err));
			return -1;
		}
		/* the sock hook runs only when a socket sends: nothing of ours
		 * can show it live without being captured */
		if (sock_hook)
			return 0;
		if (try < dead) {
			udsdump_bpf__detach(e->skel);
			e->skel->bss->hook_ran = 0;
		}
		if (hook_runs(e->skel))
			return 0;
		udsdump_bpf__detach(e->skel);
		++*reattached;
	}
	fprintf(stderr,
		"udsdump: the kernel accepted the capture program on %s but does not run it (%d attaches)\n",
		tp, ENGINE_ATTACH_TRIES);
	return -1;
}
