/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel features the engine's load ladder depends on, by the names
 * that `--without` takes and `--probe` prints. Pure: the vocabulary of the
 * options; which rung needs what is src/engine/engine_rungs.h.
 */
#ifndef UDSDUMP_FEATURE_NAMES_H
#define UDSDUMP_FEATURE_NAMES_H

#include <stdbool.h>

/* What a kernel may lack. Names (feature_name) are what --without takes. */
enum feature {
	FEAT_RINGBUF,        /* BPF_MAP_TYPE_RINGBUF (5.8) */
	/* Before the others: without it the probes that read the kernel's BTF
	 * fail too, and the reason a rung was skipped must name this one. */
	FEAT_KERNEL_BTF,     /* the kernel's BTF where libbpf finds it (tp_btf needs it) */
	FEAT_TASK_BTF,       /* bpf_get_current_task_btf (5.11) */
	FEAT_BPF_LOOP,       /* bpf_loop (5.17) */
	FEAT_TASK_PT_REGS,   /* bpf_task_pt_regs (5.15) */
	FEAT_KFUNCS,         /* the bpf_rdonly_cast kfunc (6.2) */
	FEAT_SOCK_TP,        /* sock:sock_send_length, sock_recv_length (6.3) */
	FEAT_SK_STORAGE,     /* socket storage reached through a peer pointer */
	FEAT_COUNT
};

#define FEAT_BIT(f) (1u << (f))

const char *feature_name(enum feature f);
const char *feature_description(enum feature f);

/* Parse --without's comma-separated feature names into FEAT_BIT()s.
 * false, with a one-line *err, on an unknown name. */
bool parse_feature_list(const char *list, unsigned *mask, const char **err);

#endif
