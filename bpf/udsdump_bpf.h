/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What user space tells the BPF programs before they load (the filter and
 * capture settings in .rodata) and the keys of the path-filter maps. The
 * events they hand back are in udsdump_ring.h, the record layout in
 * include/udsdump/record.h.
 */
#ifndef UDSDUMP_BPF_H
#define UDSDUMP_BPF_H

#include "udsdump_ring.h"

#define UDS_MAX_PATH_FILTERS 16
#define UDS_MAX_PREFIX_FILTERS 4
#define UDS_MAX_NOT_IDS 8   /* "not pid N", "not uid N" in a capture filter */
#define UDS_MAX_NOT_COMMS 4 /* "not comm NAME" */
#define UDS_CONTAINER_ID_LEN 64 /* a container id, hex */
/* Scratch slots per CPU: program runs preempted on one CPU each need their
 * own (bpf/lib/maps.h); the scratch maps hold this many per CPU. */
#define UDS_SCRATCH_SLOTS 4

/* A socket file by identity: matches every path that reaches it. */
struct uds_file_id {
	__u64 dev; /* kernel encoding: major << 20 | minor */
	__u64 ino;
};

/* A socket file by its directory and name: matches every path that
 * reaches it, even when the socket is bound after the capture starts. */
struct uds_dirent_key {
	__u64 dev; /* of the directory, kernel encoding */
	__u64 dir_ino;
	__u32 len;
	__u32 pad;
	char name[UDS_ADDR_MAX];
};

/* An address by value (pathname or abstract), zero-padded. */
struct uds_name_key {
	__u8 kind;
	__u8 pad;
	__u16 len;
	char name[UDS_ADDR_MAX];
};

enum uds_recv_mode {
	UDS_RECV_NONE = 0,     /* sends only */
	UDS_RECV_METADATA = 1, /* who read what, how much, with which cmsgs */
	UDS_RECV_PAYLOAD = 2,  /* and the bytes read */
};

struct uds_bpf_config {
	__u32 self_pid;      /* udsdump itself: never captured */
	__u32 snaplen;       /* bytes kept per message, 0 = all */
	__u32 payload;       /* 0: metadata only */
	__u32 wakeup_bytes;  /* wake the reader once this much is queued */
	__u32 spill;         /* a spill ring takes events while the steady
				ring is full (bpf/lib/maps.h) */
	__u32 recv_mode;     /* receive side: UDS_RECV_* */
	/* Per-socket state in socket local storage (sk_storage), found
	 * through the socket itself, instead of the inode-keyed hash. Only
	 * the sock tracepoints hand us a socket pointer the verifier trusts,
	 * so the syscall programs (--hook=syscalls, --lifecycle) use the
	 * hash, and then every program does. */
	__u32 sk_storage;
	__u32 has_pid, pid;
	__u32 has_uid, uid;
	__u32 sock_type;     /* 0 = any */
	__u32 has_comm;
	char comm[UDS_COMM_LEN];
	__u64 inode;         /* 0 = any */
	__u32 path_filter;   /* any of the path options given */
	__u32 n_path_ids;
	__u32 n_path_names;
	__u32 n_prefixes;
	struct uds_addr prefixes[UDS_MAX_PREFIX_FILTERS];
	/* From the capture-filter language (src/core/filter.c). */
	__u32 type_mask;     /* 0 = any; else bit (1 << type) must be set */
	__u32 any_abstract;  /* path filter: every abstract name matches */
	__u32 n_not_pids;
	__u32 not_pids[UDS_MAX_NOT_IDS];
	__u32 n_not_uids;
	__u32 not_uids[UDS_MAX_NOT_IDS];
	__u32 n_not_comms;
	char not_comms[UDS_MAX_NOT_COMMS][UDS_COMM_LEN];
	/* Containers (bpf/lib/cgroup.h): the sender's cgroup is cgroup_id or
	 * below it; its cgroup (or one of the two above) names a container
	 * whose id starts with container[0..container_len); the socket or its
	 * peer was made in network namespace netns. 0: any. */
	__u64 cgroup_id;
	__u32 container_len;
	__u32 netns;
	char container[UDS_CONTAINER_ID_LEN];
};

#endif /* UDSDUMP_BPF_H */
