/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a capture is asked to do: struct capture_options, its defaults and
 * its path filters. Pure: no I/O, no libbpf. Filled by the command line
 * (cmdline.h) and the capture-filter language (filter.h). */
#ifndef UDSDUMP_OPTIONS_H
#define UDSDUMP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "udsdump_bpf.h"

struct capture_options {
	const char *output;      /* "-" for stdout */
	uint64_t count;          /* stop after this many data records, 0 = no limit */
	double duration;         /* seconds, 0 = no limit */
	/* a ring of files (-C, -G, -W; src/format/file_ring.h) */
	uint64_t file_bytes;     /* a new file before one passes this, 0 = no limit */
	double file_seconds;     /* a new file this often, 0 = never */
	uint32_t file_count;     /* keep only the last this many files, 0 = all */
	uint32_t snaplen;        /* 0 = everything */
	bool payload;
	uint32_t recv_mode;      /* enum uds_recv_mode */
	bool merge_reads;	 /* --recv merged: a socket's reads in one RECV record */
	int hook;                /* enum capture_hook */
	bool lifecycle;          /* connect/accept/socketpair/shutdown/close events */
	bool summary;
	bool quiet;
	bool verbose;            /* -v: probes, verifier figures, start-up time */
	unsigned without;        /* --without: features to treat as absent (FEAT_BIT) */
	double isb_interval;     /* also write an ISB this often (s; 0: only at the end) */
	uint32_t ring_mb;	 /* --buffer-size (MiB, a power of two), 0: the default */
	const char *btf;         /* --btf: the kernel's BTF from this file, NULL: the kernel's own */
	/* filters */
	bool has_pid;
	uint32_t pid;
	bool has_uid;
	uint32_t uid;
	uint32_t sock_type;
	bool has_comm;
	char comm[UDS_COMM_LEN];
	uint64_t inode;
	/* containers: the sender's cgroup (or an ancestor) is this path, its
	 * cgroup names a container whose id starts so, the socket's (or its
	 * peer's) network namespace */
	const char *cgroup;
	char container[UDS_CONTAINER_ID_LEN + 1];
	uint32_t netns;
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


/* The defaults of every capture, whatever the front end. */
void capture_options_init(struct capture_options *o);

/* Why a socket path or prefix cannot be added to the filters. */
enum path_error {
	PATH_OK = 0,
	PATH_EMPTY,
	PATH_TOO_LONG,    /* over 108 bytes (the name, without the '@') */
	PATH_RELATIVE,    /* neither absolute nor @abstract */
	PATH_TOO_MANY,    /* UDS_MAX_PATH_FILTERS or UDS_MAX_PREFIX_FILTERS */
};

/* Add p to o's paths (or prefixes); p must live as long as o. */
enum path_error add_path_option(struct capture_options *o, const char *p, bool prefix);

/* What the error says, without naming the front end's option or keyword. */
const char *path_error_text(enum path_error e);

/*
 * The kernel's two rings (bpf/lib/maps.h). The steady one takes at most
 * CAPTURE_RING_STEADY_MB: a ring that stays in the CPUs' caches costs each
 * message less. --buffer-size is what a burst can fill: above
 * CAPTURE_RING_STEADY_MB it is the size of the spill ring, which takes
 * the events the steady ring has no room for; at or below it there is
 * one ring of that size and no spill ring (0).
 */
#define CAPTURE_BUFFER_DEFAULT_MB 64
#define CAPTURE_RING_STEADY_MB	  8
uint32_t capture_ring_mb(const struct capture_options *o);
uint32_t capture_spill_mb(const struct capture_options *o);

#endif
