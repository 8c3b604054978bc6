/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option parsing (pure: no I/O), shared by the CLI and the extcap. */
#ifndef UDSDUMP_OPTIONS_H
#define UDSDUMP_OPTIONS_H

#include <stdbool.h>
#include "capture.h"

enum { OPT_OK = 0, OPT_ERROR = 1, OPT_HELP = 2, OPT_VERSION = 3, OPT_PROBE = 4 };

/* Parse argv into o. On OPT_ERROR, *err is a one-line message. */
int parse_cli_options(int argc, char **argv, struct capture_options *o, const char **err);

/* Individual value parsers; false with *err set on bad input. */
bool parse_u64_value(const char *s, uint64_t max, uint64_t *out);
bool add_path_option(struct capture_options *o, const char *p, bool prefix, const char **err);

/* Extcap front end (extcap.c). */
bool extcap_requested(int argc, char **argv);
int extcap_main(int argc, char **argv);

#endif
