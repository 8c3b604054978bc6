/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The load ladder: the engine variants ("rungs"), fastest first, what each
 * needs from the kernel, and the choice among them. Pure: no libbpf, no
 * I/O, so the choice for every kernel of the lab is unit-tested from its
 * probed features alone. Probing is kernel_features.c; loading, capture.c.
 */
#ifndef UDSDUMP_ENGINE_RUNGS_H
#define UDSDUMP_ENGINE_RUNGS_H

#include <stdbool.h>
#include <stddef.h>

#include "feature_names.h"

struct kernel_features {
	char release[65];
	unsigned have;      /* FEAT_BIT()s the kernel has, as probed */
	unsigned pretended; /* FEAT_BIT()s --without hides (tests force rungs) */
	char why_missing[FEAT_COUNT][160]; /* per missing feature, from the probe */
};

enum engine_hook { ENGINE_HOOK_SOCK, ENGINE_HOOK_SYSCALLS };

/* The BPF objects, all built from bpf/udsdump.bpf.c (bpf/CMakeLists.txt). */
enum engine_object {
	ENGINE_OBJ_KFUNCS,   /* direct loads through bpf_rdonly_cast (6.2+) */
	ENGINE_OBJ_NOKFUNCS, /* a helper call per kernel field */
	ENGINE_OBJ_LEGACY,   /* and bounded loops, no late helpers (5.10) */
	ENGINE_OBJ_RAW,      /* the legacy programs as raw tracepoints (no kernel BTF) */
};

struct engine_rung {
	const char *name;     /* as the engine line and the records say */
	enum engine_hook hook;
	bool sk_storage;      /* per-socket state in socket storage, else a hash */
	enum engine_object object;
	unsigned needs;       /* FEAT_BIT()s */
	const char *blind;    /* what a capture does not see on this rung */
};

extern const struct engine_rung engine_rungs[];
extern const size_t engine_rung_count;

/* Usable: probed present and not hidden by --without. */
bool feature_usable(const struct kernel_features *k, enum feature f);

struct rung_limits {
	bool sock_hook_allowed;  /* --hook=syscalls says no */
	bool syscall_hook_allowed; /* --hook=sock says no */
	bool sk_storage_allowed; /* --lifecycle's syscall programs use the hash */
};

/* The first rung at or after index from that the kernel supports within
 * the limits, or -1. *skipped (if not NULL) is the first feature that ruled
 * out a rung before it, or FEAT_COUNT. */
int rung_choose(const struct kernel_features *k, const struct rung_limits *lim, size_t from,
		enum feature *skipped);

/* The first feature rung r needs that k lacks, or FEAT_COUNT. */
enum feature rung_missing(const struct engine_rung *r, const struct kernel_features *k);

#endif
