/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture-filter language (pure: no I/O). An expression such as
 *
 *     path /run/docker.sock and not pid 1
 *
 * is parsed and turned into the filters of struct capture_options, which
 * the BPF programs apply in the kernel. What the kernel cannot apply is
 * refused with a one-line message. The syntax is documented in README.md
 * ("Capture filters").
 */
#ifndef UDSDUMP_FILTER_H
#define UDSDUMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include "options.h"

/*
 * Parse expr and AND its conditions into o (which may already hold filters
 * from command-line options). Returns true on success. On failure o may be
 * partly changed and err holds a one-line message (no trailing newline).
 * Strings stored into o are allocated and live until the process exits.
 * An empty or blank expression is valid and adds nothing.
 */
bool filter_apply(const char *expr, struct capture_options *o, char *err, size_t errlen);

/* Describe the filters in o in the same syntax (for logs and tests). */
void filter_describe(const struct capture_options *o, char *out, size_t outlen);

#endif
