/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading the BPF engine along the ladder (engine_rungs.h): probe the
 * kernel, load the fastest rung it supports, and when the verifier still
 * refuses one, the next. Nothing is attached here.
 */
#ifndef UDSDUMP_ENGINE_LOAD_H
#define UDSDUMP_ENGINE_LOAD_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "engine_rungs.h"

struct udsdump_bpf;

#define ENGINE_MAX_PROGS 8

struct engine {
	struct udsdump_bpf *skel;
	struct kernel_features features;
	int rung;             /* index into engine_rungs, -1 before a load */
	char reason[256];     /* why not the fastest rung ("" when it is) */
	char refusal[256];    /* the verifier's last line for a refused rung */
	struct {
		const char *prog;
		unsigned insns;  /* instructions the verifier processed */
	} verified[ENGINE_MAX_PROGS];
	int n_verified;
	int64_t probe_ns, load_ns;
	uint64_t cgroup_filter_id; /* the cgroup filter's cgroup, resolved by the caller
				      before engine_load (0: none) */
};

/* Probe, then load. 0, or -1 after one line on stderr naming what is
 * missing or what the verifier said. */
int engine_load(struct engine *e, const struct capture_options *o);

/* "udsdump: engine sock+hash on 6.18.44 (...)" */
void engine_print_line(const struct engine *e, FILE *f);

/* -v: per-program instruction counts and load times. */
void engine_print_details(const struct engine *e, FILE *f);

void engine_destroy(struct engine *e);

/* udsdump --probe: what this kernel supports, which rung loads, what a
 * capture will not see. The process exit status. */
int engine_probe_report(const struct capture_options *o);

#endif
