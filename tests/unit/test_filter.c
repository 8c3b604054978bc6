// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the capture-filter parser (src/core/filter.c) and of the
 * command line's filter arguments (src/core/cmdline.c). Each accepted
 * expression is checked through the fields it sets and through
 * filter_describe(), each refused one through its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "cmdline.h"

#include "check.h"

static void fresh(struct capture_options *o)
{
	capture_options_init(o);
}

/* expr must be accepted and describe as want. */
static void ok(const char *expr, const char *want)
{
	struct capture_options o;
	char err[256], desc[1024];

	fresh(&o);
	bool r = filter_apply(expr, &o, err, sizeof(err));
	CHECK(r, "'%s' refused: %s", expr, err);
	if (!r)
		return;
	filter_describe(&o, desc, sizeof(desc));
	CHECK(!strcmp(desc, want), "'%s' describes as '%s', want '%s'", expr, desc, want);
	/* the description is itself a filter meaning the same */
	struct capture_options o2;
	char desc2[1024];
	fresh(&o2);
	r = filter_apply(desc, &o2, err, sizeof(err));
	CHECK(r, "description '%s' of '%s' refused: %s", desc, expr, err);
	if (r) {
		filter_describe(&o2, desc2, sizeof(desc2));
		CHECK(!strcmp(desc, desc2), "'%s' re-describes as '%s'", desc, desc2);
	}
}

/* expr must be refused with a message containing want. */
static void bad(const char *expr, const char *want)
{
	struct capture_options o;
	char err[256];

	fresh(&o);
	bool r = filter_apply(expr, &o, err, sizeof(err));
	CHECK(!r, "'%s' accepted, want an error with '%s'", expr, want);
	if (r)
		return;
	CHECK(strstr(err, want) != NULL, "'%s': message '%s' lacks '%s'", expr, err, want);
	CHECK(strchr(err, '\n') == NULL && *err, "'%s': message is not one line: '%s'", expr, err);
}

static void fields(void)
{
	struct capture_options o;
	char err[256];

	fresh(&o);
	CHECK(filter_apply("path /run/docker.sock and not pid 1", &o, err, sizeof(err)), "%s", err);
	CHECK(o.n_paths == 1 && !strcmp(o.paths[0], "/run/docker.sock"), "path not set");
	CHECK(!o.has_pid && o.n_not_pids == 1 && o.not_pids[0] == 1, "not pid not set");
	CHECK(o.filter && !strcmp(o.filter, "path /run/docker.sock and not pid 1"), "filter text");

	fresh(&o);
	CHECK(filter_apply("abstract", &o, err, sizeof(err)), "%s", err);
	CHECK(o.any_abstract && o.n_paths == 0, "abstract not set");

	fresh(&o);
	CHECK(filter_apply("abstract foo or path @bar", &o, err, sizeof(err)), "%s", err);
	CHECK(!o.any_abstract && o.n_paths == 2 && !strcmp(o.paths[0], "@foo") &&
		      !strcmp(o.paths[1], "@bar"),
	      "abstract names");

	fresh(&o);
	CHECK(filter_apply("type dgram", &o, err, sizeof(err)), "%s", err);
	CHECK(o.type_mask == (1u << 2), "type dgram mask %#x", o.type_mask);

	fresh(&o);
	CHECK(filter_apply("not type stream", &o, err, sizeof(err)), "%s", err);
	CHECK(o.type_mask == ((1u << 2) | (1u << 5)), "not type stream mask %#x", o.type_mask);

	fresh(&o);
	CHECK(filter_apply("comm redis-server and uid 1000 and inode 1234 and prefix /run/", &o, err,
			   sizeof(err)),
	      "%s", err);
	CHECK(o.has_comm && !strcmp(o.comm, "redis-server"), "comm");
	CHECK(o.has_uid && o.uid == 1000, "uid");
	CHECK(o.inode == 1234, "inode");
	CHECK(o.n_prefixes == 1 && !strcmp(o.prefixes[0], "/run/"), "prefix");

	fresh(&o);
	CHECK(filter_apply("not (pid 1 or comm sshd or uid 0)", &o, err, sizeof(err)), "%s", err);
	CHECK(o.n_not_pids == 1 && o.n_not_comms == 1 && o.n_not_uids == 1 && o.not_uids[0] == 0,
	      "De Morgan");

	/* ANDed onto options already set: conflicts are refused */
	fresh(&o);
	o.has_pid = true;
	o.pid = 5;
	CHECK(!filter_apply("pid 6", &o, err, sizeof(err)) && strstr(err, "never both match"),
	      "pid conflict: %s", err);
	fresh(&o);
	o.paths[o.n_paths++] = "/a";
	CHECK(!filter_apply("path /b", &o, err, sizeof(err)) && strstr(err, "--path"),
	      "path with --path: %s", err);
	fresh(&o);
	o.sock_type = 1;
	CHECK(!filter_apply("type dgram", &o, err, sizeof(err)) && strstr(err, "never match"),
	      "type conflict: %s", err);

	fresh(&o);
	CHECK(filter_apply("   ", &o, err, sizeof(err)), "blank refused: %s", err);
	CHECK(!o.has_pid && !o.n_paths && !o.type_mask, "blank set something");
}

static void cli(void)
{
	struct capture_options o;
	const char *err;
	char *a1[] = { "udsdump", "-w", "x", "path", "/run/a.sock", "and", "not", "pid", "1", NULL };
	char *a2[] = { "udsdump", "-f", "type dgram", "-w", "x", NULL };
	char *a3[] = { "udsdump", "-f", "type dgram", "-w", "x", "pid", "3", NULL };
	char *a4[] = { "udsdump", "-w", "x", "pid", "1", "or", "pid", "2", NULL };
	char *a5[] = { "udsdump", "--type", "any", "-w", "x", NULL };

	CHECK(parse_cli_options(9, a1, &o, &err) == OPT_OK, "trailing filter: %s", err);
	CHECK(o.n_paths == 1 && o.n_not_pids == 1 && o.filter &&
		      !strcmp(o.filter, "path /run/a.sock and not pid 1"),
	      "trailing filter fields");
	CHECK(parse_cli_options(5, a2, &o, &err) == OPT_OK, "-f: %s", err);
	CHECK(o.type_mask == (1u << 2), "-f type");
	CHECK(parse_cli_options(7, a3, &o, &err) == OPT_ERROR && strstr(err, "-f"), "both -f and trailing");
	CHECK(parse_cli_options(8, a4, &o, &err) == OPT_ERROR && strstr(err, "bad capture filter"),
	      "bad trailing filter: %s", err ? err : "(none)");
	CHECK(parse_cli_options(5, a5, &o, &err) == OPT_OK && o.sock_type == 0, "--type any");
}

int main(void)
{
	ok("path /run/docker.sock and not pid 1", "not pid 1 and path /run/docker.sock");
	ok("abstract", "abstract");
	ok("type dgram", "type dgram");
	ok("dgram", "type dgram");
	ok("comm redis-server", "comm redis-server");
	ok("uid 1000", "uid 1000");
	ok("uid 0", "uid 0");
	ok("inode 1234", "inode 1234");
	ok("prefix /run/", "prefix /run/");
	ok("path-prefix @dbus", "prefix @dbus");
	ok("path /a or path /b or prefix /c/ or abstract", "path /a or path /b or prefix /c/ or abstract");
	ok("(path /a or path /b) and pid 7", "pid 7 and (path /a or path /b)");
	ok("path /a or path /b and pid 7", "pid 7 and (path /a or path /b)"); /* pcap: left to right */
	ok("PID 7 AND NOT UID 0", "pid 7 and not uid 0");
	ok("! pid 1 && ! pid 2 && !comm sshd", "not pid 1 and not pid 2 and not comm sshd");
	ok("type stream or type seqpacket", "(type stream or type seqpacket)");
	ok("not (type stream or type dgram)", "type seqpacket");
	ok("not not pid 3", "pid 3");
	ok("pid 3 and pid 3", "pid 3");
	ok("path \"/tmp/with space.sock\"", "path \"/tmp/with space.sock\"");
	ok("path '/tmp/q(1).sock'", "path \"/tmp/q(1).sock\"");
	ok("(((pid 9)))", "pid 9");
	ok("", "");
	/* containers (issue 18) */
	ok("cgroup /system.slice/docker.service", "cgroup /system.slice/docker.service");
	ok("container e826cdf8f50f and pid 7", "pid 7 and container e826cdf8f50f");
	ok("netns 4026531840", "netns 4026531840");
	ok("netns net:[4026532174] and path /run/x.sock", "netns 4026532174 and path /run/x.sock");
	ok("cgroup \"/a b\" and container ab and netns 7", "cgroup \"/a b\" and container ab and netns 7");
	ok("netns 5 and netns 5", "netns 5");
	bad("cgroup system.slice", "a path from the cgroup2 root");
	bad("container E826", "1 to 64 lowercase hex digits");
	bad("container 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", "1 to 64");
	bad("netns 0", "its inode number");
	bad("netns net:[x]", "its inode number");
	bad("not container ab", "only pid, uid, comm and type can be negated");
	bad("not cgroup /a", "only pid, uid, comm and type can be negated");
	bad("netns 5 and netns 6", "can never both match");
	bad("container ab and container cd", "one container only");
	bad("cgroup /a and cgroup /b", "one cgroup only");
	bad("container ab or container cd", "'or' may only join");

	bad("pid 1 or pid 2", "'or' may only join");
	bad("pid 1 or path /a", "'or' may only join");
	bad("(path /a and pid 1) or path /b", "cannot be applied in the kernel");
	bad("not path /x", "only pid, uid, comm and type can be negated");
	bad("not abstract", "only pid, uid, comm and type can be negated");
	bad("not inode 5", "only pid, uid, comm and type can be negated");
	bad("path /a and path /b", "joined with 'or'");
	bad("pid", "'pid' needs a number");
	bad("pid x", "bad pid 'x'");
	bad("pid 0", "bad pid '0'");
	bad("pid -1", "bad pid '-1'");
	bad("pid 1073741824", "bad pid");
	bad("uid 4294967295", "bad uid");
	bad("inode 0", "bad inode");
	bad("comm 0123456789abcdef", "bad comm");
	bad("type raw", "bad socket type 'raw'");
	bad("port 80", "unknown condition 'port'");
	bad("pid 1 pid 2", "expected 'and' or 'or' before 'pid'");
	bad("(pid 1", "missing ')'");
	bad("pid 1)", "unbalanced ')'");
	bad("and pid 1", "expected a condition");
	bad("pid 1 and", "expected a condition");
	bad("path relative.sock", "absolute or @abstract");
	bad("path \"/unterminated", "unterminated quoted string");
	bad("pid 1 and pid 2", "never both match");
	bad("type stream and type dgram", "never match");
	bad("path /a or path /b or path /c or path /d or path /e or path /f or path /g or path /h or "
	    "path /i or path /j or path /k or path /l or path /m or path /n or path /o or path /p or path /q",
	    "too many path conditions");
	bad("not pid 1 and not pid 2 and not pid 3 and not pid 4 and not pid 5 and not pid 6 and not pid 7 "
	    "and not pid 8 and not pid 9",
	    "too many 'not pid'");

	fields();
	cli();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
