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
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "preflight.h"
#include "cmdline.h"
#include "engine_load.h"
#include "extcap.h"
#include "file_ring.h"
#include "option_table.h"
#include "privs.h"

static void on_signal(int sig)
{
	(void)sig;
	capture_request_stop();
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: udsdump -w FILE [options] [FILTER EXPRESSION]\nCapture messages sent on Unix "
		   "domain sockets into pcapng (FILE '-' is stdout).\n\n");
	option_table_usage(f);
	fprintf(f, "\nAs a Wireshark extcap: --extcap-interfaces, --extcap-config, --capture ...\n");
}

/* -C, -G, -W: the capture into a ring of files, its first one made
 * before any BPF is loaded. The exit status. */
static int capture_to_file_ring(const struct capture_options *o, const struct file_ring_limits *limits)
{
	struct file_ring *ring = file_ring_new(o->output, limits);
	char err[512], first[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (!ring) {
		fprintf(stderr, "udsdump: out of memory\n");
		return 1;
	}
	fd = file_ring_open_next(ring, time(NULL), err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "udsdump: %s\n", err);
		file_ring_free(ring);
		return 1;
	}
	snprintf(first, sizeof(first), "%s", file_ring_current(ring));
	if (!capture_preflight(o)) {
		close(fd);
		unlink(first);
		file_ring_free(ring);
		return 1;
	}
	capture_stop_on_signals(on_signal);
	rc = capture_run(o, fd, first, ring); /* closes the ring's last file */
	/* a capture that never started leaves no empty file behind */
	if (rc != 0 && file_ring_opened(ring) == 1 && stat(first, &st) == 0 && st.st_size == 0)
		unlink(first);
	file_ring_free(ring);
	return rc;
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
		if (!privs_run_helper_if_needed(argv) || !capture_preflight(&o))
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
	struct file_ring_limits limits = { o.file_bytes, o.file_seconds, o.file_count };
	if (file_ring_wanted(&limits))
		return capture_to_file_ring(&o, &limits);
	if (!strcmp(o.output, "-")) {
		fd = STDOUT_FILENO;
		if (isatty(fd)) {
			fprintf(stderr,
				"udsdump: refusing to write pcapng to a terminal; use -w FILE or a pipe\n");
			return 2;
		}
	} else {
		fd = open(o.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "udsdump: cannot write %s: %s\n", o.output, strerror(errno));
			return 1;
		}
	}
	if (!capture_preflight(&o)) {
		if (fd != STDOUT_FILENO) {
			close(fd);
			unlink(o.output);
		}
		return 1;
	}

	capture_stop_on_signals(on_signal);

	rc = capture_run(&o, fd, !strcmp(o.output, "-") ? "stdout" : o.output, NULL);
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
