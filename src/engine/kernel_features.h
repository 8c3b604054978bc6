/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Probe what the running kernel's BPF offers (src/engine/engine_rungs.h). */
#ifndef UDSDUMP_KERNEL_FEATURES_H
#define UDSDUMP_KERNEL_FEATURES_H

#include <stddef.h>

#include "engine_rungs.h"

/* Fill k from BTF lookups, libbpf's helper and map probes, and, for what
 * only the verifier can tell, small probe programs (bpf/probe.bpf.c).
 * pretend: FEAT_BIT()s to treat as absent (--without). */
void kernel_features_probe(struct kernel_features *k, unsigned pretend);

/* The verifier's last words in a load log, its statistics left out. */
void verifier_last_line(const char *log, char *out, size_t cap);

#endif
