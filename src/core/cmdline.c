// SPDX-License-Identifier: GPL-2.0-or-later
#include "cmdline.h"
#include "feature_names.h"
#include "filter.h"
#include "option_table.h"
#include "values.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char errbuf[256];

__attribute__((format(printf, 1, 2))) static const char *fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	/* one line, even when it quotes an argument holding control characters */
	for (char *c = errbuf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return errbuf;
}

/* add_path_option() for --path or --path-prefix, with its message. */
static bool add_path_arg(struct capture_options *o, const char *p, bool prefix, const char **err)
{
	enum path_error e = add_path_option(o, p, prefix);
	const char *opt = prefix ? "--path-prefix" : "--path";

	if (e == PATH_OK)
		return true;
	if (e == PATH_EMPTY)
		*err = fail("empty socket path in %s", opt);
	else if (e == PATH_TOO_MANY)
		*err = fail("too many %s options (at most %d)", opt,
			    prefix ? UDS_MAX_PREFIX_FILTERS : UDS_MAX_PATH_FILTERS);
	else
		*err = fail("%s: %s", path_error_text(e), p);
	return false;
}

/* A filter option's value into o; NULL, or the one-line error. */
static const char *apply_filter_option(struct capture_options *o, enum option_id id, const char *arg)
{
	const char *err = NULL;
	uint64_t v;

	switch (id) {
	case OPT_ID_PATH:
	case OPT_ID_PREFIX:
		return add_path_arg(o, arg, id == OPT_ID_PREFIX, &err) ? NULL : err;
	case OPT_ID_INODE:
		if (!parse_u64_value(arg, UINT64_MAX, &v) || v == 0)
			return fail("bad inode for --inode: '%s'", arg);
		o->inode = v;
		return NULL;
	case OPT_ID_PID:
		if (!parse_u64_value(arg, 0x3fffffff, &v) || v == 0)
			return fail("bad pid for --pid: '%s'", arg);
		o->has_pid = true;
		o->pid = (uint32_t)v;
		return NULL;
	case OPT_ID_UID:
		if (!parse_u64_value(arg, UINT32_MAX - 1, &v))
			return fail("bad uid for --uid: '%s'", arg);
		o->has_uid = true;
		o->uid = (uint32_t)v;
		return NULL;
	case OPT_ID_COMM:
		if (!*arg || strlen(arg) >= UDS_COMM_LEN)
			return fail("bad command name for --comm: '%s' (1 to 15 bytes)", arg);
		o->has_comm = true;
		memset(o->comm, 0, sizeof(o->comm));
		memcpy(o->comm, arg, strlen(arg));
		return NULL;
	case OPT_ID_TYPE:
		o->sock_type = strcmp(arg, "any") ? parse_sock_type(arg) : 0;
		if (strcmp(arg, "any") && !o->sock_type)
			return fail("bad socket type for --type: '%s' (stream, dgram or seqpacket)", arg);
		return NULL;
	case OPT_ID_CGROUP:
		if (arg[0] != '/')
			return fail("bad cgroup for --cgroup: '%s' (a path from the cgroup2 root, as "
				    "/proc/PID/cgroup shows it)", arg);
		o->cgroup = arg;
		return NULL;
	case OPT_ID_CONTAINER:
		if (!parse_container_id(arg))
			return fail("bad container id for --container: '%s' (1 to 64 lowercase hex digits)",
				    arg);
		snprintf(o->container, sizeof(o->container), "%s", arg);
		return NULL;
	case OPT_ID_NETNS:
		if (!parse_netns(arg, &o->netns))
			return fail("bad network namespace for --netns: '%s' (its inode number, or net:[N])",
				    arg);
		return NULL;
	case OPT_ID_FILTER:
		o->filter = arg;
		return NULL;
	default:
		return fail("internal error: option %s", option_table[id].long_name);
	}
}

/* An option of what and how to capture; NULL, or the one-line error. */
static const char *apply_capture_option(struct capture_options *o, enum option_id id, const char *arg)
{
	const char *err = NULL;
	uint64_t v;
	int m;

	switch (id) {
	case OPT_ID_WRITE:
		o->output = arg;
		return NULL;
	case OPT_ID_COUNT:
		if (!parse_u64_value(arg, UINT64_MAX, &v) || v == 0)
			return fail("bad count for -c: '%s' (a positive number)", arg);
		o->count = v;
		return NULL;
	case OPT_ID_SNAPLEN:
		if (!parse_u64_value(arg, UINT32_MAX, &v))
			return fail("bad snap length for -s: '%s' (bytes, 0 for all)", arg);
		o->snaplen = (uint32_t)v;
		return NULL;
	case OPT_ID_DURATION:
		return parse_seconds(arg, &o->duration) ? NULL
							: fail("bad duration: '%s' (seconds > 0)", arg);
	case OPT_ID_FILE_SIZE:
		return parse_file_size(arg, &o->file_bytes)
			       ? NULL
			       : fail("bad file size for -C: '%s' (millions of bytes, or with k, m or g)", arg);
	case OPT_ID_ROTATE:
		return parse_seconds(arg, &o->file_seconds) ? NULL
							    : fail("bad seconds for -G: '%s' (seconds > 0)", arg);
	case OPT_ID_FILE_COUNT:
		if (!parse_u64_value(arg, 100000, &v) || v == 0)
			return fail("bad file count for -W: '%s' (1 to 100000)", arg);
		o->file_count = (uint32_t)v;
		return NULL;
	case OPT_ID_BUFSIZE:
		if (!parse_u64_value(arg, 2048, &v) || v == 0 || (v & (v - 1)))
			return fail("bad --buffer-size: '%s' (MiB, a power of two up to 2048)", arg);
		o->ring_mb = (uint32_t)v;
		return NULL;
	case OPT_ID_HOOK:
		if ((m = parse_hook(arg)) < 0)
			return fail("bad --hook: '%s' (auto, sock or syscalls)", arg);
		o->hook = m;
		return NULL;
	case OPT_ID_RECV:
		if ((m = parse_recv_mode(arg)) < 0)
			return fail("bad --recv mode: '%s' (none, meta, merged or payload)", arg);
		o->merge_reads = m == RECV_MODE_MERGED;
		o->recv_mode = o->merge_reads ? UDS_RECV_METADATA : (uint32_t)m;
		return NULL;
	case OPT_ID_WITHOUT:
		return parse_feature_list(arg, &o->without, &err) ? NULL : err;
	case OPT_ID_BTF:
		if (!*arg)
			return fail("empty file name for --btf");
		o->btf = arg;
		return NULL;
	default:
		return apply_filter_option(o, id, arg);
	}
}

/* An option without a value; OPT_OK, or what the caller must do instead. */
static int apply_flag(struct capture_options *o, enum option_id id, bool *probe)
{
	switch (id) {
	case OPT_ID_NO_PAYLOAD:
		o->payload = false;
		break;
	case OPT_ID_LIFECYCLE:
		o->lifecycle = true;
		break;
	case OPT_ID_SUMMARY:
		o->summary = true;
		break;
	case OPT_ID_QUIET:
		o->quiet = true;
		break;
	case OPT_ID_VERBOSE:
		o->verbose = true;
		break;
	case OPT_ID_PROBE:
		*probe = true;
		break;
	case OPT_ID_HELP:
		return OPT_HELP;
	case OPT_ID_VERSION:
		return OPT_VERSION;
	default:
		break;
	}
	return OPT_OK;
}

/* getopt's tables from option_table: the option's id is its value. */
static void getopt_tables(struct option *longopts, char *shortopts)
{
	char *s = shortopts;

	*s++ = ':';
	for (size_t i = 0; i < OPT_ID_COUNT_; i++) {
		const struct option_spec *o = &option_table[i];
		longopts[i] = (struct option){ o->long_name, o->metavar ? required_argument : no_argument,
					       NULL, 1000 + (int)o->id };
		if (o->short_name) {
			*s++ = o->short_name;
			if (o->metavar)
				*s++ = ':';
		}
	}
	longopts[OPT_ID_COUNT_] = (struct option){ NULL, 0, NULL, 0 };
	*s = 0;
}

/* The option a getopt_long() result names, or -1. */
static int option_of(int c)
{
	if (c >= 1000 && c < 1000 + OPT_ID_COUNT_)
		return c - 1000;
	for (size_t i = 0; i < OPT_ID_COUNT_; i++)
		if (option_table[i].short_name && option_table[i].short_name == c)
			return (int)i;
	return -1;
}

/* The trailing arguments, joined with spaces, as the capture filter. */
static const char *join_trailing(int argc, char **argv, int first, struct capture_options *o)
{
	static char *joined;
	size_t len = 0;

	if (o->filter)
		return fail("unexpected argument '%s' (the capture filter is already given with -f)",
			    argv[first]);
	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	free(joined);
	joined = calloc(1, len + 1);
	if (!joined)
		return "out of memory";
	for (int i = first; i < argc; i++) {
		if (i > first)
			strcat(joined, " ");
		strcat(joined, argv[i]);
	}
	o->filter = joined;
	return NULL;
}

/* -C, -G and -W together; NULL, or the one-line error. */
static const char *check_file_ring(const struct capture_options *o)
{
	bool ring = o->file_bytes || o->file_seconds > 0;

	if (o->file_count && !ring)
		return fail("-W needs -C or -G: it counts the files they start");
	if (ring && o->output && !strcmp(o->output, "-"))
		return fail("-C and -G write a series of files: give -w FILE, not -w -");
	return NULL;
}

int parse_cli_options(int argc, char **argv, struct capture_options *o, const char **err)
{
	static struct option longopts[OPT_ID_COUNT_ + 1];
	static char shortopts[2 * OPT_ID_COUNT_ + 2];
	bool probe = false;
	int c;

	getopt_tables(longopts, shortopts);
	capture_options_init(o);
	*err = NULL;
	optind = 0; /* full re-initialisation: the parser may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int id = option_of(c);
		if (c == ':') {
			*err = fail("option %s needs a value", argv[optind - 1]);
			return OPT_ERROR;
		}
		if (id < 0) {
			*err = fail("unknown option %s", argv[optind - 1]);
			return OPT_ERROR;
		}
		if (option_table[id].metavar) {
			if ((*err = apply_capture_option(o, (enum option_id)id, optarg)))
				return OPT_ERROR;
		} else if ((c = apply_flag(o, (enum option_id)id, &probe)) != OPT_OK) {
			return c;
		}
	}
	if (optind < argc && (*err = join_trailing(argc, argv, optind, o)))
		return OPT_ERROR;
	if ((*err = check_file_ring(o)))
		return OPT_ERROR;
	if (o->filter) {
		char ferr[200];
		const char *expr = o->filter;
		if (!filter_apply(expr, o, ferr, sizeof(ferr))) {
			*err = fail("bad capture filter: %s", ferr);
			return OPT_ERROR;
		}
		o->filter = expr;
	}
	return probe ? OPT_PROBE : OPT_OK;
}
