// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the capture-filter parser (src/core/filter.c).
 * Input: an expression (up to the first NUL). Checks, besides the
 * sanitizers: a failure leaves a one-line message; a success can be
 * described (filter_describe) and that description parses again to the
 * same description (the language round-trips).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

static const char *const preset = "/preset.sock"; /* a path given by an option */

/* Strings filter_apply stored are heap copies that normally live until exit. */
static void release(struct capture_options *o)
{
	for (int i = 0; i < o->n_paths; i++)
		if (o->paths[i] != preset)
			free((char *)o->paths[i]);
	for (int i = 0; i < o->n_prefixes; i++)
		free((char *)o->prefixes[i]);
	free((char *)o->cgroup);
}

static void check_err(const char *err, size_t cap)
{
	size_t n = strnlen(err, cap);
	if (n == cap || n == 0 || strchr(err, '\n')) {
		fprintf(stderr, "bad error message: '%.*s'\n", (int)n, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = malloc(size + 1);
	struct capture_options o, o2;
	char err[200], d1[4096], d2[4096];
	bool with_preset = size && (data[0] & 1);

	if (!expr)
		return 0;
	memcpy(expr, data, size);
	expr[size] = 0;

	memset(&o, 0, sizeof(o));
	if (with_preset)
		o.paths[o.n_paths++] = preset;
	if (!filter_apply(expr, &o, err, sizeof(err))) {
		check_err(err, sizeof(err));
		release(&o);
		free(expr);
		return 0;
	}
	filter_describe(&o, d1, sizeof(d1));
	if (strlen(d1) < sizeof(d1) - 1) {
		memset(&o2, 0, sizeof(o2));
		if (!filter_apply(d1, &o2, err, sizeof(err))) {
			fprintf(stderr, "expression '%s' described as '%s', which does not parse: %s\n",
				expr, d1, err);
			abort();
		}
		filter_describe(&o2, d2, sizeof(d2));
		if (strcmp(d1, d2)) {
			fprintf(stderr, "'%s' -> '%s' -> '%s': description does not round-trip\n",
				expr, d1, d2);
			abort();
		}
		release(&o2);
	}
	release(&o);
	free(expr);
	return 0;
}
