/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture engine: load the BPF programs, drain the ring buffer into
 * pcapng. Used by the standalone CLI and the extcap front end; what it is
 * asked to do is struct capture_options (src/core/options.h). */
#ifndef UDSDUMP_CAPTURE_H
#define UDSDUMP_CAPTURE_H

#include <stdint.h>
#include <stdbool.h>
#include "options.h"

struct file_ring;


/* Run a capture writing pcapng to fd. With ring (NULL: one file), fd is
 * the ring's first file and the capture goes on in its next ones as its
 * limits say. Returns the process exit status. */
int capture_run(const struct capture_options *o, int out_fd, const char *out_name,
		struct file_ring *ring);

/* Has the reader of our pipe or FIFO gone away? Waits up to timeout_ms.
 * (Asked even when nothing is being captured, so Wireshark's stop is
 * prompt.) */
bool capture_output_hung_up(int fd, int timeout_ms);

/* SIGINT, SIGTERM and SIGHUP call handler (which should call
 * capture_request_stop); SIGPIPE is ignored, a closed reader shows up as
 * EPIPE. */
void capture_stop_on_signals(void (*handler)(int));

/* Ask a running capture to stop (async-signal-safe). */
void capture_request_stop(void);

#endif
