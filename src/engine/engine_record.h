/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-band ENGINE record (doc/FORMAT.md, "Engine records"): which rung
 * of the load ladder runs, on which kernel, what it does without and what
 * it cannot see. The same facts as the engine line on stderr and
 * `udsdump --probe`, but inside the capture, where a pcap copy or a slice
 * of the file keeps them.
 */
#ifndef UDSDUMP_ENGINE_RECORD_H
#define UDSDUMP_ENGINE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "engine_load.h"

/* Written first in every file, then this often (CLOCK_MONOTONIC ns). */
#define ENGINE_RECORD_INTERVAL_NS (10LL * 1000000000LL)

/* Build the ENGINE record of a loaded engine into out. Returns its length,
 * or 0 if out is too small or no rung is loaded. */
size_t engine_record_build(const struct engine *e, uint8_t *out, size_t cap);

#endif
