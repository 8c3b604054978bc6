/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every option of udsdump, once: the command line's getopt tables, its
 * --help text and the extcap's configuration dialog (--extcap-config) are
 * all made from this table, so an option cannot be added to one and
 * forgotten in another. Pure, but for writing to the stream it is given.
 */
#ifndef UDSDUMP_OPTION_TABLE_H
#define UDSDUMP_OPTION_TABLE_H

#include <stdbool.h>
#include <stdio.h>

/* In option_table's order: option_table[id].id == id. */
enum option_id {
	OPT_ID_WRITE,
	OPT_ID_COUNT,
	OPT_ID_SNAPLEN,
	OPT_ID_DURATION,
	OPT_ID_FILE_SIZE,
	OPT_ID_ROTATE,
	OPT_ID_FILE_COUNT,
	OPT_ID_PATH,
	OPT_ID_PREFIX,
	OPT_ID_PID,
	OPT_ID_COMM,
	OPT_ID_UID,
	OPT_ID_INODE,
	OPT_ID_TYPE,
	OPT_ID_CGROUP,
	OPT_ID_CONTAINER,
	OPT_ID_NETNS,
	OPT_ID_NO_PAYLOAD,
	OPT_ID_LIFECYCLE,
	OPT_ID_RECV,
	OPT_ID_HOOK,
	OPT_ID_BUFSIZE,
	OPT_ID_BTF,
	OPT_ID_SUMMARY,
	OPT_ID_FILTER,
	OPT_ID_QUIET,
	OPT_ID_VERBOSE,
	OPT_ID_PROBE,
	OPT_ID_WITHOUT,
	OPT_ID_HELP,
	OPT_ID_VERSION,
	OPT_ID_COUNT_
};

/* One choice of a selector in the extcap dialog. */
struct option_choice {
	const char *value, *display;
	bool is_default;
};

struct option_spec {
	enum option_id id;
	const char *long_name;
	char short_name;     /* or 0 */
	const char *metavar; /* the value's name in --help; NULL: no value */
	const char *help;    /* --help; a '\n' continues on the next line */
	/* The extcap dialog; NULL display: not offered there (output, stop
   * conditions Wireshark has itself, verbosity, the filter box's own). */
	const char *display;
	const char *type;  /* extcap arg type: string, unsigned, selector, boolflag */
	const char *group; /* "Filter", "Capture", "Debug" */
	const char *tooltip;
	const char *extra;		     /* more {key=value} of the arg line, or NULL */
	const struct option_choice *choices; /* a selector's, ended by a NULL value */
};

extern const struct option_spec option_table[OPT_ID_COUNT_];

/* The option lines of --help, from the table. */
void option_table_usage(FILE *f);

/* The extcap dialog's arg and value lines, numbered from *number on;
 * *number is left at the next free one. */
void option_table_extcap_config(FILE *f, int *number);

#endif
