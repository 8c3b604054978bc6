/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turning ring-buffer events into on-wire udsdump records
 * (include/udsdump/record.h, doc/FORMAT.md). Pure functions: no I/O.
 */
#ifndef UDSDUMP_RECORD_WRITER_H
#define UDSDUMP_RECORD_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "udsdump_ring.h"

/* Room the TLVs of one record can need, payload excluded. */
#define UDS_RECORD_META_MAX                                                                \
	(UDS_REC_HDR_LEN + 4 * 7 + UDS_TLV_SOCKET_LEN + UDS_TLV_TASK_LEN +                 \
	 UDS_TLV_PEER_CRED_LEN + UDS_TLV_PEER_CRED_NS_LEN + UDS_TLV_PEER_TASK_LEN + 3 * (1 + UDS_ADDR_MAX + 4) +     \
	 UDS_TLV_STREAM_LEN + UDS_TLV_SCM_CREDS_LEN + 4 +                                  \
	 UDS_FD_MAX * (4 + UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN + UDS_FD_PATH_MAX + 32) +       \
	 2 * (4 + UDS_TLV_CMSG_RAW_FIXED_LEN + UDS_CMSG_RAW_MAX) +                          \
	 2 * (4 + UDS_TLV_TASK_NS_LEN) + 4 + UDS_TLV_SOCK_NS_LEN)

/* A socket's names, where it lives and who is at its other end, as the
 * last SOCKINFO event for it said, and their TLVs encoded once
 * (uds_sock_names_encode), since every record of the socket repeats them:
 * PEER_CRED(_NS) and PEER_TASK(_NS) in peer_tlv, LOCAL_ADDR/PEER_ADDR
 * (the first addr_tlv_len bytes) then SOCK_NS in tlv. */
struct uds_sock_names {
	struct uds_addr local;
	struct uds_addr peer;
	struct uds_sock_ns ns;
	struct uds_peer_ident ident;
	struct uds_task_ident task; /* the process of the socket's events of task_gen */
	uint8_t task_gen;
	/* where the writer last wrote peer_tlv: the file (capture's count of
	 * files, 0: not yet) and the record's kernel time */
	uint32_t peer_file;
	uint64_t peer_written_ns;
	uint16_t tlv_len;
	uint16_t addr_tlv_len; /* tlv without SOCK_NS */
	uint16_t peer_tlv_len;
	uint8_t tlv[2 * (UDS_TLV_HDR_LEN + 1 + UDS_ADDR_MAX) + UDS_TLV_HDR_LEN + UDS_TLV_SOCK_NS_LEN];
	uint8_t peer_tlv[4 * UDS_TLV_HDR_LEN + UDS_TLV_PEER_CRED_LEN + UDS_TLV_PEER_CRED_NS_LEN +
			 UDS_TLV_PEER_TASK_LEN + UDS_TLV_TASK_NS_LEN];
};

/* Fill n->tlv/tlv_len and n->peer_tlv/peer_tlv_len from the rest of n. */
void uds_sock_names_encode(struct uds_sock_names *n);

/* The process that made ev, as the socket's names hold it, or NULL: the
 * kernel names it once per socket and again (with the next task_gen) when
 * it changes, so a capture that lost that SOCKINFO does not know it. */
static inline const struct uds_task_ident *uds_sock_names_task_of(const struct uds_sock_names *names,
								  const struct uds_event *ev)
{
	return names && names->task.pid && names->task_gen == ev->task_gen ? &names->task : NULL;
}

/* Peer process learned in user space (like ss -p), when the kernel had none. */
struct uds_peer_hint {
	uint32_t pid;
	char comm[UDS_COMM_LEN];
};

/*
 * Build the record for an event (payload = ev's trailing data_len bytes,
 * passed separately), with the socket's names and peer (NULL: unnamed, the
 * peer unknown), the destination of a sendto (NULL: none), the control
 * messages cm (may be NULL) and a user-space peer hint (may be NULL: used
 * when the kernel knows no peer task). extra_flags are ORed into the
 * record's flags; with UDS_F_PEER_AS_BEFORE among them, the record leaves
 * names' peer identity and SOCK_NS out (doc/FORMAT.md, "Flags"). Returns the record
 * length, or 0 if out is too small.
 */
size_t uds_record_from_event(const struct uds_event *ev, const uint8_t *payload,
			     const struct uds_sock_names *names, const struct uds_addr *dest,
			     const struct uds_cmsg_event *cm, const struct uds_peer_hint *hint,
			     uint32_t extra_flags, uint8_t *out, size_t cap);

/* One read of a RECV record that stands for several (doc/FORMAT.md READS). */
struct uds_read {
	uint32_t ns_before; /* before the record's timestamp, the last read's end */
	uint32_t msg_len;
	uint32_t requested_len;
};

/*
 * Append READS (n >= 2 reads) to the record of len bytes at rec, built by
 * uds_record_from_event from a RECV event without payload whose STREAM
 * covers the n reads: the TLV goes after the others and header_len grows.
 * Returns the new length, or 0 if cap is too small or the record has a
 * payload.
 */
size_t uds_record_add_reads(uint8_t *rec, size_t len, size_t cap, const struct uds_read *reads, uint32_t n);

/* What a CGROUP record says (doc/FORMAT.md, "Cgroup records"). */
struct uds_cgroup_facts {
	uint64_t cgroup_id;
	const char *path;      /* "" when it could not be found */
	uint8_t runtime;       /* CONTAINER's runtime; 0: no CONTAINER TLV */
	uint8_t monitor;
	const char *container; /* the container id */
	const char *pod;       /* NULL or "": no POD TLV */
	const char *name;      /* the runtime's name of the container; NULL or "": none */
};

/* Build a CGROUP record. Returns its length, or 0 if out is too small. */
size_t uds_record_cgroup(const struct uds_cgroup_facts *f, uint8_t *out, size_t cap);

/* Build a LOSS record. */
size_t uds_record_loss(uint64_t records, uint64_t bytes, uint64_t total_records, uint64_t total_bytes,
		       uint8_t *out, size_t cap);

/* One feature the engine runs without (an ENGINE_MISSING TLV). */
struct uds_engine_missing {
	uint8_t source;     /* enum uds_missing_source */
	const char *name;   /* as --probe and --without spell it */
	const char *reason; /* why it is missing */
};

/* What an ENGINE record says (doc/FORMAT.md, "Engine records"). blind and
 * reason: NULL or "" leaves their TLV out. */
struct uds_engine_facts {
	const char *kernel;  /* release */
	const char *rung;    /* rung name */
	const char *version; /* udsdump's */
	const char *blind;   /* what the rung does not see */
	const char *reason;  /* why not the fastest rung */
	const struct uds_engine_missing *missing;
	size_t n_missing;
};

/* Build an ENGINE record. Returns its length, or 0 if out is too small. */
size_t uds_record_engine(const struct uds_engine_facts *f, uint8_t *out, size_t cap);

/* Text form of a file kind + name as FORMAT.md describes it for non-files. */
size_t uds_fd_display_name(const struct uds_fd_info *fi, char *out, size_t cap);

#endif
