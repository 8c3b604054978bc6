/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What must hold before a capture loads anything, each refusal one line
 * naming the cause and the fix: the privileges, the kernel's BTF (or a
 * --btf file), and no lockdown that forbids reading kernel memory.
 */
#ifndef UDSDUMP_PREFLIGHT_H
#define UDSDUMP_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* Check privileges and kernel support; print one line and return false. */
bool capture_preflight(const struct capture_options *o);

/* The lockdown mode /sys/kernel/security/lockdown shows selected ("none",
 * "integrity", "confidentiality"), or "" when it cannot be read. Pure but
 * for reading path. */
const char *lockdown_mode(const char *path, char *buf, size_t cap);

#endif
