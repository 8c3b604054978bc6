// SPDX-License-Identifier: GPL-2.0-or-later
#include "options.h"
#include "engine_rungs.h"
#include "filter.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char errbuf[256];

static const char *fail(const char *fmt, const char *arg)
{
	snprintf(errbuf, sizeof(errbuf), fmt, arg);
	/* one line, even when it quotes an argument holding control characters */
	for (char *c = errbuf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return errbuf;
}

bool parse_u64_value(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 1e9)
		return false;
	*out = v;
	return true;
}

bool add_path_option(struct capture_options *o, const char *p, bool prefix, const char **err)
{
	size_t n = strlen(p);

	if (n == 0 || (p[0] == '@' && n == 1 && !prefix)) {
		*err = fail("empty socket path in %s", prefix ? "--path-prefix" : "--path");
		return false;
	}
	if ((p[0] == '@' ? n - 1 : n) > 108) {
		*err = fail("socket path too long (at most 108 bytes): %s", p);
		return false;
	}
	if (p[0] != '@' && p[0] != '/' && !prefix) {
		*err = fail("socket path must be absolute or @abstract: %s", p);
		return false;
	}
	if (prefix) {
		if (o->n_prefixes >= UDS_MAX_PREFIX_FILTERS) {
			*err = fail("too many --path-prefix options (at most %s)", "4");
			return false;
		}
		o->prefixes[o->n_prefixes++] = p;
	} else {
		if (o->n_paths >= UDS_MAX_PATH_FILTERS) {
			*err = fail("too many --path options (at most %s)", "16");
			return false;
		}
		o->paths[o->n_paths++] = p;
	}
	return true;
}

enum {
	LO_PATH = 1000,
	LO_PREFIX,
	LO_INODE,
	LO_PID,
	LO_COMM,
	LO_UID,
	LO_TYPE,
	LO_NO_PAYLOAD,
	LO_SUMMARY,
	LO_BUFSIZE,
	LO_RECV,
	LO_HOOK,
	LO_LIFECYCLE,
	LO_WITHOUT,
	LO_PROBE,
};

int parse_cli_options(int argc, char **argv, struct capture_options *o, const char **err)
{
	static const struct option longopts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "filter", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'G' },
		{ "path", required_argument, NULL, LO_PATH },
		{ "path-prefix", required_argument, NULL, LO_PREFIX },
		{ "inode", required_argument, NULL, LO_INODE },
		{ "pid", required_argument, NULL, LO_PID },
		{ "comm", required_argument, NULL, LO_COMM },
		{ "uid", required_argument, NULL, LO_UID },
		{ "type", required_argument, NULL, LO_TYPE },
		{ "no-payload", no_argument, NULL, LO_NO_PAYLOAD },
		{ "summary", no_argument, NULL, LO_SUMMARY },
		{ "buffer-size", required_argument, NULL, LO_BUFSIZE },
		{ "recv", required_argument, NULL, LO_RECV },
		{ "hook", required_argument, NULL, LO_HOOK },
		{ "lifecycle", no_argument, NULL, LO_LIFECYCLE },
		{ "without", required_argument, NULL, LO_WITHOUT },
		{ "probe", no_argument, NULL, LO_PROBE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool probe = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->payload = true;
	o->recv_mode = UDS_RECV_METADATA;
	*err = NULL;
	optind = 0; /* full re-initialisation: the parser may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:c:s:G:f:qhvV", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o->output = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'c':
			if (!parse_u64_value(optarg, UINT64_MAX, &v) || v == 0) {
				*err = fail("bad count for -c: '%s' (a positive number)", optarg);
				return OPT_ERROR;
			}
			o->count = v;
			break;
		case 's':
			if (!parse_u64_value(optarg, UINT32_MAX, &v)) {
				*err = fail("bad snap length for -s: '%s' (bytes, 0 for all)", optarg);
				return OPT_ERROR;
			}
			o->snaplen = (uint32_t)v;
			break;
		case 'G':
			if (!parse_seconds(optarg, &o->duration)) {
				*err = fail("bad duration: '%s' (seconds > 0)", optarg);
				return OPT_ERROR;
			}
			break;
		case LO_PATH:
			if (!add_path_option(o, optarg, false, err))
				return OPT_ERROR;
			break;
		case LO_PREFIX:
			if (!add_path_option(o, optarg, true, err))
				return OPT_ERROR;
			break;
		case LO_INODE:
			if (!parse_u64_value(optarg, UINT64_MAX, &v) || v == 0) {
				*err = fail("bad inode for --inode: '%s'", optarg);
				return OPT_ERROR;
			}
			o->inode = v;
			break;
		case LO_PID:
			if (!parse_u64_value(optarg, 0x3fffffff, &v) || v == 0) {
				*err = fail("bad pid for --pid: '%s'", optarg);
				return OPT_ERROR;
			}
			o->has_pid = true;
			o->pid = (uint32_t)v;
			break;
		case LO_UID:
			if (!parse_u64_value(optarg, UINT32_MAX - 1, &v)) {
				*err = fail("bad uid for --uid: '%s'", optarg);
				return OPT_ERROR;
			}
			o->has_uid = true;
			o->uid = (uint32_t)v;
			break;
		case LO_COMM:
			if (!*optarg || strlen(optarg) >= UDS_COMM_LEN) {
				*err = fail("bad command name for --comm: '%s' (1 to 15 bytes)", optarg);
				return OPT_ERROR;
			}
			o->has_comm = true;
			memset(o->comm, 0, sizeof(o->comm));
			memcpy(o->comm, optarg, strlen(optarg));
			break;
		case LO_TYPE:
			if (!strcmp(optarg, "any")) {
				o->sock_type = 0;
				break;
			}
			o->sock_type = parse_sock_type(optarg);
			if (!o->sock_type) {
				*err = fail("bad socket type for --type: '%s' (stream, dgram or seqpacket)", optarg);
				return OPT_ERROR;
			}
			break;
		case LO_NO_PAYLOAD:
			o->payload = false;
			break;
		case LO_SUMMARY:
			o->summary = true;
			break;
		case LO_BUFSIZE:
			if (!parse_u64_value(optarg, 2048, &v) || v == 0 || (v & (v - 1))) {
				*err = fail("bad --buffer-size: '%s' (MiB, a power of two up to 2048)", optarg);
				return OPT_ERROR;
			}
			o->ring_mb = (uint32_t)v;
			break;
		case LO_LIFECYCLE:
			o->lifecycle = true;
			break;
		case LO_HOOK: {
			int h = parse_hook(optarg);
			if (h < 0) {
				*err = fail("bad --hook: '%s' (auto, sock or syscalls)", optarg);
				return OPT_ERROR;
			}
			o->hook = h;
			break;
		}
		case LO_RECV: {
			int m = parse_recv_mode(optarg);
			if (m < 0) {
				*err = fail("bad --recv mode: '%s' (none, meta or payload)", optarg);
				return OPT_ERROR;
			}
			o->recv_mode = (uint32_t)m;
			break;
		}
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			return OPT_HELP;
		case 'V':
			return OPT_VERSION;
		case 'v':
			o->verbose = true;
			break;
		case LO_PROBE:
			probe = true;
			break;
		case LO_WITHOUT:
			if (!parse_feature_list(optarg, &o->without, err))
				return OPT_ERROR;
			break;
		case ':':
			*err = fail("option %s needs a value", argv[optind - 1]);
			return OPT_ERROR;
		default:
			*err = fail("unknown option %s", argv[optind - 1]);
			return OPT_ERROR;
		}
	}
	/* Like tcpdump: the capture filter as -f EXPR or as the trailing
	 * arguments (joined with spaces). */
	if (optind < argc) {
		static char *joined;
		size_t len = 0;

		if (o->filter) {
			*err = fail("unexpected argument '%s' (the capture filter is already given with -f)",
				    argv[optind]);
			return OPT_ERROR;
		}
		for (int i = optind; i < argc; i++)
			len += strlen(argv[i]) + 1;
		free(joined);
		joined = calloc(1, len + 1);
		if (!joined) {
			*err = "out of memory";
			return OPT_ERROR;
		}
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strcat(joined, " ");
			strcat(joined, argv[i]);
		}
		o->filter = joined;
	}
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
