// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udsdump: capture Unix domain socket traffic into pcapng.
 * Standalone command line; the Wireshark extcap front end is in extcap.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "engine_load.h"
#include "options.h"
#include "privs.h"

static void on_signal(int sig)
{
	(void)sig;
	capture_request_stop();
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: udsdump -w FILE [options] [FILTER EXPRESSION]\n"
		"Capture messages sent on Unix domain sockets into pcapng (FILE '-' is stdout).\n"
		"\n"
		"  -w FILE              write pcapng to FILE ('-' for stdout)\n"
		"  -c COUNT             stop after COUNT data records\n"
		"  -s SNAPLEN           keep at most SNAPLEN bytes of each message (0: all, default)\n"
		"  -G, --duration SECS  stop after SECS seconds\n"
		"  --path PATH          only sockets named PATH (@name: abstract); repeatable\n"
		"  --path-prefix PREFIX only sockets whose name starts with PREFIX; repeatable\n"
		"  --inode N            only the socket with inode N and its peer\n"
		"  --pid PID            only messages sent by process PID\n"
		"  --comm NAME          only messages sent by tasks named NAME\n"
		"  --uid UID            only messages sent by user UID\n"
		"  --type TYPE          only stream, dgram or seqpacket sockets\n"
		"  --no-payload         capture metadata only\n"
		"  --recv MODE          receive side: none, meta (default: who read what) or payload\n"
		"  --buffer-size MB     kernel ring buffer size (default 64)\n"
		"  --hook HOOK          auto (default), sock (kernel 6.3+) or syscalls (older\n"
		"                       kernels; slows every process a little while it runs)\n"
		"  --lifecycle          also record connect, accept, socketpair, shutdown and close\n"
		"                       (syscall tracepoints: every process pays a little)\n"
		"  --summary            print a per-socket summary on stderr at the end\n"
		"  -f EXPR              capture filter, e.g. 'path /run/docker.sock and not pid 1'\n"
		"                       (also accepted as the trailing arguments; see README.md)\n"
		"  -q                   no progress messages\n"
		"  -v, --verbose        say how the engine was chosen and loaded, and how long it took\n"
		"  --probe              print what this kernel supports and which engine would run\n"
		"  --without FEATURES   treat these kernel features as absent (comma-separated,\n"
		"                       for tests: sk-storage, sock-tracepoints, kfuncs, bpf-loop, ...)\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n"
		"\n"
		"As a Wireshark extcap: --extcap-interfaces, --extcap-config, --capture ...\n");
}

int main(int argc, char **argv)
{
	struct capture_options o;
	const char *err = NULL;
	int rc;

	if (extcap_requested(argc, argv))
		return extcap_main(argc, argv);

	rc = parse_cli_options(argc, argv, &o, &err);
	if (rc == OPT_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc == OPT_VERSION) {
		printf("udsdump %s\n", UDSDUMP_VERSION);
		return 0;
	}
	if (rc == OPT_ERROR) {
		fprintf(stderr, "udsdump: %s (try --help)\n", err);
		return 2;
	}
	if (rc == OPT_PROBE) {
		if (!privs_run_helper_if_needed(argv) || !capture_preflight())
			return 1;
		return engine_probe_report(&o);
	}
	if (!o.output) {
		fprintf(stderr, "udsdump: no output given: use -w FILE or -w - (try --help)\n");
		return 2;
	}

	/* Without the capabilities, an installed capture helper (see
	 * privs.h) captures instead, or a non-member learns why not. */
	if (!privs_run_helper_if_needed(argv))
		return 1;

	/* Open the output before any BPF is loaded, with the caller's rights:
	 * a capture that cannot be written is not started. */
	int fd;
	if (!strcmp(o.output, "-")) {
		fd = STDOUT_FILENO;
		if (isatty(fd)) {
			fprintf(stderr, "udsdump: refusing to write pcapng to a terminal; use -w FILE or a pipe\n");
			return 2;
		}
	} else {
		fd = open(o.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "udsdump: cannot write %s: %s\n", o.output, strerror(errno));
			return 1;
		}
	}
	if (!capture_preflight()) {
		if (fd != STDOUT_FILENO) {
			close(fd);
			unlink(o.output);
		}
		return 1;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed reader shows up as EPIPE */

	rc = capture_run(&o, fd, !strcmp(o.output, "-") ? "stdout" : o.output);
	if (fd != STDOUT_FILENO) {
		struct stat st;
		/* a capture that never started leaves no empty file behind */
		bool empty = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
		close(fd);
		if (rc != 0 && empty)
			unlink(o.output);
	}
	return rc;
}
