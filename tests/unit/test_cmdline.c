// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the option table (src/core/option_table.c) and of the
 * parsers every front end shares (src/core/values.c): the command line's
 * getopt tables, --help and the extcap dialog all come from the table,
 * and one socket-type parser accepts what the four parsers before it
 * accepted, together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "filter.h"
#include "option_table.h"
#include "values.h"

#include "check.h"

/* The text a FILE-writing function writes. */
static char *written(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void usage_of(FILE *f, void *unused)
{
	(void)unused;
	option_table_usage(f);
}

static void config_of(FILE *f, void *number)
{
	option_table_extcap_config(f, number);
}

static int parse(char **argv, struct capture_options *o, const char **err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return parse_cli_options(argc, argv, o, err);
}

static void sock_types(void)
{
	static const struct {
		const char *in;
		uint32_t want;
	} cases[] = {
		{ "stream", 1 }, { "STREAM", 1 }, { "Stream", 1 },   { "1", 1 },     { "dgram", 2 },
		{ "DGRAM", 2 },	 { "datagram", 2 }, { "Datagram", 2 }, { "2", 2 },     { "seqpacket", 5 },
		{ "SeqPacket", 5 }, { "5", 5 },	    { "", 0 },	       { "3", 0 },     { "streams", 0 },
		{ "raw", 0 },	 { "01", 0 },	  { " stream", 0 },   { "any", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(parse_sock_type(cases[i].in) == cases[i].want, "parse_sock_type('%s') = %u, want %u",
		      cases[i].in, parse_sock_type(cases[i].in), cases[i].want);
	for (uint32_t t = 0; t < 8; t++) {
		const char *n = sock_type_name(t);
		CHECK(n ? parse_sock_type(n) == t : (t != 1 && t != 2 && t != 5), "sock_type_name(%u)", t);
	}
	/* the same parser behind --type, the filter language and the extcap */
	struct capture_options o;
	const char *err = NULL;
	char *a1[] = { "udsdump", "--type", "Datagram", "-w", "x", NULL };
	char *a2[] = { "udsdump", "--type", "5", "-w", "x", NULL };
	char *a3[] = { "udsdump", "--type", "raw", "-w", "x", NULL };
	char *a4[] = { "udsdump", "-w", "x", "type", "2", "or", "SEQPACKET", NULL };
	CHECK(parse(a1, &o, &err) == OPT_OK && o.sock_type == 2, "--type Datagram: %s", err);
	CHECK(parse(a2, &o, &err) == OPT_OK && o.sock_type == 5, "--type 5: %s", err);
	CHECK(parse(a3, &o, &err) == OPT_ERROR && strstr(err, "bad socket type"), "--type raw");
	CHECK(parse(a4, &o, &err) == OPT_OK && o.type_mask == ((1u << 2) | (1u << 5)), "type 2 or SEQPACKET: %s",
	      err);
	char *a5[] = { "udsdump", "-w", "x", "5", NULL };
	CHECK(parse(a5, &o, &err) == OPT_ERROR, "a bare number is no type keyword");
}

/* Every option: in --help, unique, and taking a value exactly when the
 * table says so. */
static void table(void)
{
	char *usage = written(usage_of, NULL);

	for (size_t i = 0; i < OPT_ID_COUNT_; i++) {
		const struct option_spec *s = &option_table[i];
		char want[64];
		struct capture_options o;
		const char *err = NULL;

		CHECK(s->id == (enum option_id)i, "option_table[%zu] is option %d", i, s->id);
		snprintf(want, sizeof(want), "--%s%s%s", s->long_name, s->metavar ? " " : "",
			 s->metavar ? s->metavar : "");
		CHECK(strstr(usage, want) != NULL, "--help lacks '%s'", want);
		for (size_t j = 0; j < i; j++) {
			CHECK(strcmp(s->long_name, option_table[j].long_name), "--%s twice", s->long_name);
			CHECK(!s->short_name || s->short_name != option_table[j].short_name, "-%c twice",
			      s->short_name);
		}
		snprintf(want, sizeof(want), "--%s", s->long_name);
		char *alone[] = { "udsdump", want, NULL };
		int rc = parse(alone, &o, &err);
		if (s->metavar)
			CHECK(rc == OPT_ERROR && strstr(err, "needs a value"), "%s without a value: %d %s", want,
			      rc, err ? err : "");
		else
			CHECK(rc != OPT_ERROR, "%s alone refused: %s", want, err ? err : "");
	}
	free(usage);
}

/* The dialog: every offered option complete, each selector with one default. */
static void dialog(void)
{
	int n = 5;
	char *cfg = written(config_of, &n);
	int offered = 0;

	for (size_t i = 0; i < OPT_ID_COUNT_; i++) {
		const struct option_spec *s = &option_table[i];
		char call[64];
		int defaults = 0;

		snprintf(call, sizeof(call), "{call=--%s}", s->long_name);
		CHECK(!s->display == !strstr(cfg, call), "--%s offered %d, displayed %d", s->long_name,
		      strstr(cfg, call) != NULL, s->display != NULL);
		if (!s->display)
			continue;
		offered++;
		CHECK(s->type && s->group && s->tooltip, "--%s lacks type, group or tooltip", s->long_name);
		CHECK(!strcmp(s->type, "selector") == (s->choices != NULL), "--%s choices", s->long_name);
		for (const struct option_choice *c = s->choices; c && c->value; c++)
			defaults += c->is_default;
		CHECK(!s->choices || defaults == 1, "--%s has %d defaults", s->long_name, defaults);
	}
	CHECK(n == 5 + offered, "numbered %d to %d for %d options", 5, n, offered);
	CHECK(strstr(cfg, "arg {number=5}{call=--path}") != NULL, "the dialog starts with the path: %.80s", cfg);
	free(cfg);
}

/* --cgroup, --container, --netns: the same checks as the filter words. */
static void container_options(void)
{
	struct capture_options o;
	const char *err = NULL;
	char *good[] = { "udsdump", "-w", "x", "--cgroup", "/system.slice", "--container", "e826cdf8",
			 "--netns", "net:[4026532174]", NULL };
	CHECK(parse(good, &o, &err) == OPT_OK && !strcmp(o.cgroup, "/system.slice") &&
		      !strcmp(o.container, "e826cdf8") && o.netns == 4026532174u,
	      "container options: %s", err ? err : "");
	char *b1[] = { "udsdump", "-w", "x", "--cgroup", "system.slice", NULL };
	char *b2[] = { "udsdump", "-w", "x", "--container", "E826", NULL };
	char *b3[] = { "udsdump", "-w", "x", "--netns", "-1", NULL };
	CHECK(parse(b1, &o, &err) == OPT_ERROR && strstr(err, "bad cgroup"), "--cgroup relative");
	CHECK(parse(b2, &o, &err) == OPT_ERROR && strstr(err, "bad container id"), "--container E826");
	CHECK(parse(b3, &o, &err) == OPT_ERROR && strstr(err, "bad network namespace"), "--netns -1");
	uint32_t ns = 0;
	CHECK(parse_netns("4026531840", &ns) && ns == 4026531840u, "parse_netns");
	CHECK(!parse_netns("net:[]", &ns) && !parse_netns("4294967296", &ns), "parse_netns bad");
	CHECK(parse_container_id("0123456789abcdef") && !parse_container_id(""), "parse_container_id");
}

/* -C, -G, -W as tcpdump takes them, --duration for the stop. */
static void file_ring_options(void)
{
	struct capture_options o;
	const char *err = NULL;
	uint64_t v = 0;
	char *good[] = { "udsdump", "-w", "r.pcapng", "-C", "2", "-W", "3", "-G", "1.5", "--duration", "9", NULL };
	CHECK(parse(good, &o, &err) == OPT_OK && o.file_bytes == 2000000 && o.file_count == 3 &&
		      o.file_seconds == 1.5 && o.duration == 9,
	      "-C 2 -W 3 -G 1.5 --duration 9: %s", err ? err : "");
	CHECK(parse_file_size("1", &v) && v == 1000000, "-C 1: millions of bytes (%llu)", (unsigned long long)v);
	CHECK(parse_file_size("64k", &v) && v == 65536, "-C 64k");
	CHECK(parse_file_size("3M", &v) && v == 3u << 20, "-C 3M");
	CHECK(parse_file_size("2g", &v) && v == 2ULL << 30, "-C 2g");
	const char *bad_sizes[] = { "", "0", "0k", "-1", "1.5", "1kb", "k", "1x", "1125899907", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(*bad_sizes); i++)
		CHECK(!parse_file_size(bad_sizes[i], &v), "-C '%s' taken", bad_sizes[i]);
	char *w_alone[] = { "udsdump", "-w", "r.pcapng", "-W", "3", NULL };
	CHECK(parse(w_alone, &o, &err) == OPT_ERROR && strstr(err, "-W needs -C or -G"), "-W alone: %s",
	      err ? err : "taken");
	char *stdout_ring[] = { "udsdump", "-w", "-", "-C", "1", NULL };
	CHECK(parse(stdout_ring, &o, &err) == OPT_ERROR && strstr(err, "not -w -"), "-C to stdout: %s",
	      err ? err : "taken");
	char *zero_w[] = { "udsdump", "-w", "r", "-C", "1", "-W", "0", NULL };
	CHECK(parse(zero_w, &o, &err) == OPT_ERROR && strstr(err, "bad file count"), "-W 0");
	char *bad_g[] = { "udsdump", "-w", "r", "-G", "soon", NULL };
	CHECK(parse(bad_g, &o, &err) == OPT_ERROR && strstr(err, "bad seconds for -G"), "-G soon");
}

/* --buffer-size: the steady ring takes up to 8 MiB; above that the
 * buffer is a spill ring of its own. */
static void ring_sizes(void)
{
	static const struct {
		const char *arg; /* NULL: the default */
		uint32_t ring, spill;
	} cases[] = { { NULL, 8, 64 }, { "1", 1, 0 },	    { "4", 4, 0 },	{ "8", 8, 0 },
		      { "16", 8, 16 }, { "1024", 8, 1024 }, { "2048", 8, 2048 } };
	struct capture_options o;
	const char *err = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *arg = cases[i].arg ? cases[i].arg : "(default)";
		char *with[] = { "udsdump", "-w", "x", "--buffer-size", (char *)cases[i].arg, NULL };
		char *without[] = { "udsdump", "-w", "x", NULL };
		CHECK(parse(cases[i].arg ? with : without, &o, &err) == OPT_OK, "--buffer-size %s", arg);
		CHECK(capture_ring_mb(&o) == cases[i].ring && capture_spill_mb(&o) == cases[i].spill,
		      "--buffer-size %s: ring %u, spill %u", arg, capture_ring_mb(&o), capture_spill_mb(&o));
	}
	char *odd[] = { "udsdump", "-w", "x", "--buffer-size", "12", NULL };
	CHECK(parse(odd, &o, &err) == OPT_ERROR && strstr(err, "power of two"), "--buffer-size 12");
}

int main(void)
{
	ring_sizes();
	file_ring_options();
	container_options();
	sock_types();
	table();
	dialog();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
