// SPDX-License-Identifier: GPL-2.0-or-later
#include "option_table.h"

#include <string.h>

static const struct option_choice type_choices[] = {
	{ "any", "Any", true },
	{ "stream", "Stream (SOCK_STREAM)", false },
	{ "dgram", "Datagram (SOCK_DGRAM)", false },
	{ "seqpacket", "Sequenced packet (SOCK_SEQPACKET)", false },
	{ NULL, NULL, false },
};

static const struct option_choice recv_choices[] = {
	{ "none", "Nothing", false },
	{ "meta", "Metadata (who read how much)", true },
	{ "merged", "Metadata, a socket's consecutive reads in one record", false },
	{ "payload", "Metadata and payload", false },
	{ NULL, NULL, false },
};

static const struct option_choice hook_choices[] = {
	{ "auto", "Automatic", true },
	{ "sock", "Socket tracepoints (kernel 6.3+)", false },
	{ "syscalls", "Syscall tracepoints (older kernels)", false },
	{ NULL, NULL, false },
};

/* Powers of two; the default is CAPTURE_BUFFER_DEFAULT_MB's 64. */
static const struct option_choice bufsize_choices[] = {
	{ "1", "1 MiB", false },     { "2", "2 MiB", false },	    { "4", "4 MiB", false },
	{ "8", "8 MiB", false },     { "16", "16 MiB", false },	    { "32", "32 MiB", false },
	{ "64", "64 MiB", true },    { "128", "128 MiB", false },   { "256", "256 MiB", false },
	{ "512", "512 MiB", false }, { "1024", "1024 MiB", false }, { "2048", "2048 MiB", false },
	{ NULL, NULL, false },
};

#define FILTER	"Filter"
#define CAPTURE "Capture"
#define DEBUG	"Debug"

/* Designated, so an option not offered in the extcap dialog leaves its
 * extcap fields NULL. */
#define CLI(i, l, s, m, h) .id = (i), .long_name = (l), .short_name = (s), .metavar = (m), .help = (h)
#define EXTCAP(d, t, g, tip, x, c) \
	.display = (d), .type = (t), .group = (g), .tooltip = (tip), .extra = (x), .choices = (c)

/* In --help's order. */
const struct option_spec option_table[OPT_ID_COUNT_] = {
	{ CLI(OPT_ID_WRITE, "write", 'w', "FILE", "write pcapng to FILE ('-' for stdout)") },
	{ CLI(OPT_ID_COUNT, "count", 'c', "COUNT", "stop after COUNT data records") },
	{ CLI(OPT_ID_SNAPLEN, "snaplen", 's', "SNAPLEN",
	      "keep at most SNAPLEN bytes of each message (0: all, default)"),
	  EXTCAP("Snap length", "unsigned", CAPTURE,
		 "Bytes kept of each message; 0 keeps every byte, split into as many records as needed",
		 "{default=0}{range=0,4294967295}", NULL) },
	{ CLI(OPT_ID_DURATION, "duration", 0, "SECS", "stop after SECS seconds") },
	{ CLI(OPT_ID_FILE_SIZE, "file-size", 'C', "SIZE",
	      "start a new file (FILE_00001, _00002...) before one passes\nSIZE million bytes "
	      "(SIZEk, SIZEm, SIZEg: KiB, MiB, GiB)") },
	{ CLI(OPT_ID_ROTATE, "rotate-seconds", 'G', "SECS",
	      "start a new file every SECS seconds; strftime conversions\nin FILE (%H%M%S) name it by "
	      "its start") },
	{ CLI(OPT_ID_FILE_COUNT, "file-count", 'W', "N",
	      "with -C or -G: keep only the newest N files, removing\nthe oldest") },
	{ CLI(OPT_ID_PATH, "path", 0, "PATH", "only sockets named PATH (@name: abstract); repeatable"),
	  EXTCAP("Socket path", "string", FILTER,
		 "Only sockets whose own or peer name is this path (@name: an abstract name); another path "
		 "to the same socket file matches too. For several paths use the capture filter: path /a or "
		 "path /b",
		 "{placeholder=/run/docker.sock}{validation=^([/@].*)?$}", NULL) },
	{ CLI(OPT_ID_PREFIX, "path-prefix", 0, "PREFIX",
	      "only sockets whose name starts with PREFIX; repeatable"),
	  EXTCAP("Path prefix", "string", FILTER,
		 "Only sockets whose name starts with this prefix (@prefix: abstract names)",
		 "{placeholder=/run/}", NULL) },
	{ CLI(OPT_ID_PID, "pid", 0, "PID", "only messages sent by process PID"),
	  EXTCAP("Process ID", "unsigned", FILTER, "Only messages sent by this process (leave empty for all)",
		 "{range=1,1073741823}", NULL) },
	{ CLI(OPT_ID_COMM, "comm", 0, "NAME", "only messages sent by tasks named NAME"),
	  EXTCAP("Command name", "string", FILTER,
		 "Only messages sent by tasks with this command name (1 to 15 bytes, as ps -o comm shows)",
		 "{placeholder=redis-server}", NULL) },
	{ CLI(OPT_ID_UID, "uid", 0, "UID", "only messages sent by user UID"),
	  EXTCAP("User ID", "unsigned", FILTER,
		 "Only messages sent by this numeric user id (leave empty for all)", "{range=0,4294967294}",
		 NULL) },
	{ CLI(OPT_ID_INODE, "inode", 0, "N", "only the socket with inode N and its peer"),
	  EXTCAP("Socket inode", "string", FILTER,
		 "Only the socket with this inode number (as ss -x shows) and its peer",
		 "{validation=^[0-9]*$}{placeholder=123456}", NULL) },
	{ CLI(OPT_ID_TYPE, "type", 0, "TYPE", "only stream, dgram or seqpacket sockets"),
	  EXTCAP("Socket type", "selector", FILTER, "Only sockets of this type", NULL, type_choices) },
	{ CLI(OPT_ID_CGROUP, "cgroup", 0, "PATH",
	      "only messages sent by tasks in cgroup PATH or below (from\nthe cgroup2 root, as "
	      "/proc/PID/cgroup shows it)"),
	  EXTCAP("Cgroup", "string", FILTER,
		 "Only messages sent by tasks in this cgroup v2 or below it (the path from the cgroup2 root, "
		 "as /proc/PID/cgroup shows it, e.g. /system.slice/docker.service)",
		 "{placeholder=/system.slice}{validation=^(/.*)?$}", NULL) },
	{ CLI(OPT_ID_CONTAINER, "container", 0, "ID",
	      "only messages sent by tasks of the container whose id\nstarts with ID (docker, "
	      "containerd/CRI, CRI-O, podman)"),
	  EXTCAP("Container", "string", FILTER,
		 "Only messages sent from the container whose id starts with this (as docker ps, crictl ps "
		 "or podman ps show it), also one started after the capture",
		 "{placeholder=e826cdf8f50f}{validation=^[0-9a-f]{0,64}$}", NULL) },
	{ CLI(OPT_ID_NETNS, "netns", 0, "N",
	      "only sockets in network namespace N (its inode, or net:[N]\nas readlink /proc/PID/ns/net "
	      "shows it) and their peers"),
	  EXTCAP("Network namespace", "string", FILTER,
		 "Only sockets made in this network namespace (its inode, as readlink /proc/PID/ns/net "
		 "shows it) and the sockets connected to them",
		 "{placeholder=4026531840}{validation=^(net:\\[)?[0-9]*\\]?$}", NULL) },
	{ CLI(OPT_ID_NO_PAYLOAD, "no-payload", 0, NULL, "capture metadata only"),
	  EXTCAP("Metadata only (no payload)", "boolflag", CAPTURE,
		 "Record who sent what size on which socket, without the message bytes", "{default=false}",
		 NULL) },
	{ CLI(OPT_ID_LIFECYCLE, "lifecycle", 0, NULL,
	      "also record connect, accept, socketpair, shutdown and close\n(syscall tracepoints: every "
	      "process pays a little)"),
	  EXTCAP("Connections opening and closing", "boolflag", CAPTURE,
		 "Also record connect, accept, socketpair, shutdown and close (watches those syscalls: every "
		 "process on the host pays a little while the capture runs)",
		 "{default=false}", NULL) },
	{ CLI(OPT_ID_RECV, "recv", 0, "MODE",
	      "receive side: none, meta (default: who read what), merged (meta, a socket's reads in one "
	      "record) or payload"),
	  EXTCAP("Receive side", "selector", CAPTURE,
		 "What to record when a message is read: nothing, who read how much (metadata; merged: a "
		 "socket's consecutive reads in one record), or that plus the bytes read",
		 NULL, recv_choices) },
	{ CLI(OPT_ID_HOOK, "hook", 0, "HOOK",
	      "auto (default), sock (kernel 6.3+) or syscalls (older\nkernels; slows every process a little "
	      "while it runs)"),
	  EXTCAP("Kernel hook", "selector", CAPTURE,
		 "Where udsdump's programs attach: auto picks sock_send_length (kernel 6.3 and later) or "
		 "else the syscall tracepoints, which slow every process a little",
		 NULL, hook_choices) },
	{ CLI(OPT_ID_BUFSIZE, "buffer-size", 0, "MB",
	      "kernel ring for bursts (default 64; an 8 MiB ring takes the steady flow)"),
	  EXTCAP("Kernel ring buffer (MiB)", "selector", CAPTURE,
		 "Size of the kernel ring buffer that takes bursts (an 8 MiB one takes the steady flow); "
		 "a larger one loses fewer records in bursts",
		 NULL, bufsize_choices) },
	{ CLI(OPT_ID_BTF, "btf", 0, "FILE",
	      "the kernel's BTF from FILE, where the kernel shows none\n(/sys/kernel/btf/vmlinux): "
	      "BTFHub, or the kernel's debug package"),
	  EXTCAP("Kernel BTF file", "fileselect", CAPTURE,
		 "Only for a kernel without /sys/kernel/btf/vmlinux (or a container without "
		 "/sys/kernel/btf): its BTF, from BTFHub or extracted from the distribution's debug package",
		 "{mustexist=true}", NULL) },
	{ CLI(OPT_ID_SUMMARY, "summary", 0, NULL, "print a per-socket summary on stderr at the end") },
	{ CLI(OPT_ID_FILTER, "filter", 'f', "EXPR",
	      "capture filter, e.g. 'path /run/docker.sock and not pid 1'\n(also accepted as the trailing "
	      "arguments; see README.md)") },
	{ CLI(OPT_ID_QUIET, "quiet", 'q', NULL, "no progress messages") },
	{ CLI(OPT_ID_VERBOSE, "verbose", 'v', NULL,
	      "say how the engine was chosen and loaded, and how long it took") },
	{ CLI(OPT_ID_PROBE, "probe", 0, NULL, "print what this kernel supports and which engine would run") },
	{ CLI(OPT_ID_WITHOUT, "without", 0, "FEATURES",
	      "treat these kernel features as absent (comma-separated,\nfor tests: sk-storage, "
	      "sock-tracepoints, kfuncs, bpf-loop, ...)"),
	  EXTCAP("Pretend the kernel lacks", "string", DEBUG,
		 "Comma-separated kernel features to treat as absent, to force an older engine variant "
		 "(sk-storage, sock-tracepoints, kfuncs, bpf-loop, task-pt-regs, task-btf, ringbuf, "
		 "kernel-btf); udsdump --probe lists them",
		 "{required=false}", NULL) },
	{ CLI(OPT_ID_HELP, "help", 'h', NULL, "this help") },
	{ CLI(OPT_ID_VERSION, "version", 'V', NULL, "print the version") },
};

/* "  -G, --rotate-seconds SECS  help", a continuation line under the help. */
static void usage_line(FILE *f, const struct option_spec *s)
{
	char head[64];
	const char *h = s->help;
	int len = 0;

	if (s->short_name)
		len = snprintf(head, sizeof(head), "-%c, ", s->short_name);
	snprintf(head + len, sizeof(head) - len, "--%s%s%s", s->long_name, s->metavar ? " " : "",
		 s->metavar ? s->metavar : "");
	for (const char *label = head;; label = "") {
		size_t n = strcspn(h, "\n");
		fprintf(f, "  %-25s %.*s\n", label, (int)n, h);
		if (!h[n])
			break;
		h += n + 1;
	}
}

void option_table_usage(FILE *f)
{
	for (size_t i = 0; i < OPT_ID_COUNT_; i++)
		usage_line(f, &option_table[i]);
}

/* One group's options, in the table's order. */
static void extcap_group(FILE *f, const char *group, int *number)
{
	for (size_t i = 0; i < OPT_ID_COUNT_; i++) {
		const struct option_spec *s = &option_table[i];
		int n;

		if (!s->display || strcmp(s->group, group))
			continue;
		n = (*number)++;
		fprintf(f, "arg {number=%d}{call=--%s}{display=%s}{type=%s}%s{tooltip=%s}{group=%s}\n", n,
			s->long_name, s->display, s->type, s->extra ? s->extra : "", s->tooltip, s->group);
		for (const struct option_choice *c = s->choices; c && c->value; c++)
			fprintf(f, "value {arg=%d}{value=%s}{display=%s}{default=%s}\n", n, c->value, c->display,
				c->is_default ? "true" : "false");
	}
}

void option_table_extcap_config(FILE *f, int *number)
{
	extcap_group(f, FILTER, number);
	extcap_group(f, CAPTURE, number);
	extcap_group(f, DEBUG, number);
}
