/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line of udsdump, shared by the CLI and the extcap (which
 * passes the capture options on to it). Pure: no I/O. */
#ifndef UDSDUMP_CMDLINE_H
#define UDSDUMP_CMDLINE_H

#include "options.h"

enum { OPT_OK = 0, OPT_ERROR = 1, OPT_HELP = 2, OPT_VERSION = 3, OPT_PROBE = 4 };

/* Parse argv into o. On OPT_ERROR, *err is a one-line message. */
int parse_cli_options(int argc, char **argv, struct capture_options *o, const char **err);

#endif
