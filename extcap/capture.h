/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture engine: load the BPF programs, drain the ring buffer into
 * pcapng. Used by the standalone CLI and the extcap front end. */
#ifndef UDSDUMP_CAPTURE_H
#define UDSDUMP_CAPTURE_H

#include <stdint.h>
#include <stdbool.h>
#include "udsdump_bpf.h"

#define UDSDUMP_VERSION "0.1.0"

struct capture_options {
	const char *output;      /* "-" for stdout */
	uint64_t count;          /* stop after this many data records, 0 = no limit */
	double duration;         /* seconds, 0 = no limit */
	uint32_t snaplen;        /* 0 = everything */
	bool payload;
	uint32_t recv_mode;      /* enum uds_recv_mode */
	int hook;                /* enum capture_hook */
	bool lifecycle;          /* connect/accept/socketpair/shutdown/close events */
	bool summary;
	bool quiet;
	bool verbose;            /* -v: probes, verifier figures, start-up time */
	unsigned without;        /* --without: features to treat as absent (FEAT_BIT) */
	double isb_interval;     /* also write an ISB this often (s; 0: only at the end) */
	uint32_t ring_mb;
	/* filters */
	bool has_pid;
	uint32_t pid;
	bool has_uid;
	uint32_t uid;
	uint32_t sock_type;
	bool has_comm;
	char comm[UDS_COMM_LEN];
	uint64_t inode;
	const char *paths[UDS_MAX_PATH_FILTERS];
	int n_paths;
	const char *prefixes[UDS_MAX_PREFIX_FILTERS];
	int n_prefixes;
	/* from the capture-filter language (filter.c) */
	const char *filter;      /* the expression as given, NULL if none */
	uint32_t type_mask;      /* 0 = any; else bit (1 << type) must be set */
	bool any_abstract;       /* path filter: every abstract name */
	int n_not_pids;
	uint32_t not_pids[UDS_MAX_NOT_IDS];
	int n_not_uids;
	uint32_t not_uids[UDS_MAX_NOT_IDS];
	int n_not_comms;
	char not_comms[UDS_MAX_NOT_COMMS][UDS_COMM_LEN];
};

enum capture_hook {
	HOOK_AUTO = 0,     /* sock tracepoints where the kernel has them */
	HOOK_SOCK = 1,     /* sock:sock_send_length / sock_recv_length (6.3+) */
	HOOK_SYSCALLS = 2, /* raw sys_exit: older kernels; costs every process */
};

/* Parse "auto", "sock", "syscalls". -1 on error. */
int parse_hook(const char *s);

/* Parse "none", "meta" (or "metadata"), "payload". -1 on error. */
int parse_recv_mode(const char *s);

/* Parse "stream", "dgram", "seqpacket" (or 1, 2, 5). 0 on error. */
uint32_t parse_sock_type(const char *s);

/* Check privileges and kernel support; print one line and return false. */
bool capture_preflight(void);

/* Run a capture writing pcapng to fd. Returns the process exit status. */
int capture_run(const struct capture_options *o, int out_fd, const char *out_name);

/* Ask a running capture to stop (async-signal-safe). */
void capture_request_stop(void);

#endif
