// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine_rungs.h"

#include <stdio.h>
#include <string.h>

/* Every program but the raw tracepoints' is a tp_btf program, attached by
 * its type id in the kernel's BTF: libbpf must find that BTF. */
#define BTF_NEEDS (FEAT_BIT(FEAT_RINGBUF) | FEAT_BIT(FEAT_KERNEL_BTF))
#define BASE_NEEDS (BTF_NEEDS | FEAT_BIT(FEAT_TASK_BTF) | FEAT_BIT(FEAT_BPF_LOOP) | FEAT_BIT(FEAT_TASK_PT_REGS))
#define KFUNC_NEEDS (BASE_NEEDS | FEAT_BIT(FEAT_KFUNCS))
#define SOCK_NEEDS (KFUNC_NEEDS | FEAT_BIT(FEAT_SOCK_TP))
/* What each hook cannot see (sends with no user buffer that it does see,
 * such as sendfile and splice, are gaps of exact size: not listed). The
 * sock tracepoints fire in sock_sendmsg and sock_recvmsg, which a splice
 * out of a socket does not pass; the syscall exits see no io_uring. */
#define SOCK_BLIND "reads by splice() out of a socket (after one, the reads of that socket are linked to bytes " \
		   "earlier in the stream than the ones they read)"
#define SYSCALLS_BLIND "sends and reads by io_uring (the later records of that socket then have stream " \
		       "offsets short by as many bytes)"

#define LEGACY_BLIND                                                                                           \
	SYSCALLS_BLIND "; the part of a message beyond 2 MiB (one buffer) or beyond 256 iovec loads and 16 KiB " \
		       "copies (several iovecs) is a gap (READ_FAULT); requested_len of a vectored send is the "   \
		       "bytes sent (a partial one is not flagged); two threads sending on one socket at the same " \
		       "moment from two CPUs can be given overlapping stream offsets"

/* Fastest first. The sock tracepoints cost nothing to other traffic and
 * see io_uring sends (as gaps); socket storage saves a hash lookup per
 * message. */
const struct engine_rung engine_rungs[] = {
	{
		.name = "sock+storage",
		.hook = ENGINE_HOOK_SOCK,
		.sk_storage = true,
		.object = ENGINE_OBJ_KFUNCS,
		.needs = SOCK_NEEDS | FEAT_BIT(FEAT_SK_STORAGE),
		.blind = SOCK_BLIND,
	},
	{
		.name = "sock+hash",
		.hook = ENGINE_HOOK_SOCK,
		.object = ENGINE_OBJ_KFUNCS,
		.needs = SOCK_NEEDS,
		.blind = SOCK_BLIND,
	},
	{
		/* Kernel fields read by one helper call each instead of by
		 * direct loads (the object without kfuncs): the syscall path
		 * is the fallback of kernels before 6.3, and the kfunc came
		 * in 6.2 (one release, in no distribution we know of). */
		.name = "syscalls+hash",
		.hook = ENGINE_HOOK_SYSCALLS,
		.object = ENGINE_OBJ_NOKFUNCS,
		.needs = BASE_NEEDS,
		.blind = SYSCALLS_BLIND,
	},
	{
		/* Kernels before 5.17: bounded loops instead of bpf_loop, the
		 * syscall's registers from sys_exit, no atomic fetch-and-add. */
		.name = "syscalls+hash+legacy",
		.hook = ENGINE_HOOK_SYSCALLS,
		.object = ENGINE_OBJ_LEGACY,
		.needs = BTF_NEEDS,
		.blind = LEGACY_BLIND,
	},
	{
		/* A kernel whose BTF libbpf cannot find (built without it, or a
		 * container without /sys/kernel/btf): the legacy programs as raw
		 * tracepoints, their field offsets from the --btf file. */
		.name = "syscalls+hash+legacy+raw",
		.hook = ENGINE_HOOK_SYSCALLS,
		.object = ENGINE_OBJ_RAW,
		.needs = FEAT_BIT(FEAT_RINGBUF),
		.blind = LEGACY_BLIND,
	},
};
const size_t engine_rung_count = sizeof(engine_rungs) / sizeof(engine_rungs[0]);

bool feature_usable(const struct kernel_features *k, enum feature f)
{
	return (k->have & FEAT_BIT(f)) && !(k->pretended & FEAT_BIT(f));
}

enum feature rung_missing(const struct engine_rung *r, const struct kernel_features *k)
{
	for (int f = 0; f < FEAT_COUNT; f++) {
		if ((r->needs & FEAT_BIT(f)) && !feature_usable(k, (enum feature)f))
			return (enum feature)f;
	}
	return FEAT_COUNT;
}

static bool rung_allowed(const struct engine_rung *r, const struct rung_limits *lim)
{
	if (r->hook == ENGINE_HOOK_SOCK && !lim->sock_hook_allowed)
		return false;
	if (r->hook == ENGINE_HOOK_SYSCALLS && !lim->syscall_hook_allowed)
		return false;
	return !r->sk_storage || lim->sk_storage_allowed;
}

int rung_choose(const struct kernel_features *k, const struct rung_limits *lim, size_t from,
		enum feature *skipped)
{
	if (skipped)
		*skipped = FEAT_COUNT;
	for (size_t i = from; i < engine_rung_count; i++) {
		const struct engine_rung *r = &engine_rungs[i];
		if (!rung_allowed(r, lim))
			continue;
		enum feature m = rung_missing(r, k);
		if (m == FEAT_COUNT)
			return (int)i;
		if (skipped && *skipped == FEAT_COUNT)
			*skipped = m;
	}
	return -1;
}
