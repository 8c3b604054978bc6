/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit tests' one assertion: count the check, and on failure print
 * where and why and go on, so one run lists every failure. main() ends
 * with CHECK_SUMMARY(), whose "N checks, M failures" line
 * tests/extcap/test_unit.py reads.
 */
#ifndef UDSDUMP_TESTS_CHECK_H
#define UDSDUMP_TESTS_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		checks++;                                                    \
		if (!(cond)) {                                               \
			failures++;                                          \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
		}                                                            \
	} while (0)

#endif
