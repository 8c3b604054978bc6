// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: command-line parsing (src/core/cmdline.c,
 * parse_cli_options), argv made of the input's NUL-separated pieces.
 * Checks, besides the sanitizers: OPT_ERROR comes with a one-line message,
 * other results with none; an accepted snap length, count, pid, comm and
 * buffer size are within their documented ranges.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "cmdline.h"

#define MAX_ARGS 32

static int within(const char *p, char *const *args, int n)
{
	for (int i = 0; i < n; i++)
		if (p >= args[i] && p <= args[i] + strlen(args[i]))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *args[MAX_ARGS + 2];
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	struct capture_options o;
	const char *err = NULL;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	args[argc++] = "udsdump";
	for (size_t i = 0, start = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i == size || buf[i] == 0) {
			buf[i] = 0;
			args[argc++] = buf + start;
			start = i + 1;
		}
	}
	args[argc] = NULL;
	memcpy(argv, args, sizeof(args)); /* getopt may permute argv */

	r = parse_cli_options(argc, argv, &o, &err);
	if (r == OPT_ERROR) {
		if (!err || !*err || strchr(err, '\n')) {
			fprintf(stderr, "OPT_ERROR without a one-line message\n");
			abort();
		}
	} else if (r == OPT_OK || r == OPT_PROBE) {
		if (o.has_pid && (o.pid == 0 || o.pid > 0x3fffffff))
			abort();
		if (o.has_comm && (o.comm[0] == 0 || memchr(o.comm, 0, UDS_COMM_LEN) == NULL))
			abort();
		if (o.ring_mb && (o.ring_mb > 2048 || (o.ring_mb & (o.ring_mb - 1))))
			abort();
		if (o.n_paths > UDS_MAX_PATH_FILTERS || o.n_prefixes > UDS_MAX_PREFIX_FILTERS)
			abort();
		if (o.duration < 0)
			abort();
		char d[4096];
		filter_describe(&o, d, sizeof(d));
	} else if (r != OPT_HELP && r != OPT_VERSION) {
		abort();
	}
	/* Paths the filter language added are heap copies kept until exit in
	 * udsdump; the ones from --path point into argv. */
	for (int i = 0; i < o.n_paths; i++)
		if (!within(o.paths[i], args, argc))
			free((char *)o.paths[i]);
	for (int i = 0; i < o.n_prefixes; i++)
		if (!within(o.prefixes[i], args, argc))
			free((char *)o.prefixes[i]);
	if (o.cgroup && !within(o.cgroup, args, argc))
		free((char *)o.cgroup);
	free(buf);
	return 0;
}
