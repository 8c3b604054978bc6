/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What user space tells the BPF programs before they load (the filter and
 * capture settings in .rodata) and the keys of the path-filter maps. The
 * record layout itself is in include/udsdump/record.h.
 */
#ifndef UDSDUMP_BPF_H
#define UDSDUMP_BPF_H

#include "udsdump/record.h"

#define UDS_MAX_PATH_FILTERS 16
#define UDS_MAX_PREFIX_FILTERS 4

/* A socket file by identity: matches every path that reaches it. */
struct uds_file_id {
	__u64 dev; /* kernel encoding: major << 20 | minor */
	__u64 ino;
};

/* An address by value (pathname or abstract), zero-padded. */
struct uds_name_key {
	__u8 kind;
	__u8 pad;
	__u16 len;
	char name[UDS_ADDR_MAX];
};

struct uds_bpf_config {
	__u32 self_pid;      /* udsdump itself: never captured */
	__u32 snaplen;       /* bytes kept per message, 0 = all */
	__u32 payload;       /* 0: metadata only */
	__u32 wakeup_bytes;  /* wake the reader once this much is queued */
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
};

#endif /* UDSDUMP_BPF_H */
