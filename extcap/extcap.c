// SPDX-License-Identifier: GPL-2.0-or-later
/* Wireshark extcap front end: placeholder until the extcap issue lands. */
#include <stdio.h>
#include <string.h>
#include "options.h"

bool extcap_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--extcap-", 9) || !strcmp(argv[i], "--capture"))
			return true;
	return false;
}

int extcap_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "udsdump: extcap mode is not available in this build\n");
	return 2;
}
