/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-unix.h: what the rooms of the "unix" dissector share.
 *
 * The dissector of udsdump records is split by job, the way Wireshark's own
 * multi-file plugins are (plugins/epan/opcua: a registration file and layer
 * files sharing one header of field ids):
 *
 *   packet-unix.c        registration: fields, subtrees, expert info,
 *                        preferences, Decode As, handoff, plugin entry points
 *   unix-record.c        the record dissector: header, summary, expert info,
 *                        columns, tap; calls the rooms below in order
 *   unix-tlv.c           the record/TLV walker, printable names
 *   unix-engine.c        ENGINE records (not traffic)
 *   unix-analysis.c      first pass: streams, sockets, gaps, labels
 *   unix-reassembly.c    reassembly of byte streams and split messages
 *   unix-handoff.c       the one function that hands bytes to sub-dissectors
 *   unix-heur.c          protocol heuristics (HTTP/1.x starts, RESP framing)
 *   unix-links.c         receive links: who read what was sent
 *   unix-reads.c         a RECV record that stands for several reads (READS)
 *   unix-address.c       the address type of socket ends, keys, labels
 *   unix-conversation.c  conversation and endpoint tables, filter, follow
 *   unix-ns.c            where each end lives: cgroup, namespaces, bound files
 *   unix-cgroup.c        CGROUP records (not traffic): cgroup paths, containers
 *   unix-socket-table.c  well-known socket paths -> dissectors
 *   unix-dbus.c          the D-Bus handshake and the descriptors of messages
 *
 * The record layout is described in doc/FORMAT.md and defined in
 * include/udsdump/record.h; every constant used here comes from that header.
 *
 * Never trust a length from the record: every offset is checked against the
 * header length or the record length before it is used, and everything is
 * read with the tvb accessors (which throw, rather than read past the end).
 */
#ifndef UDSDUMP_PACKET_UNIX_H
#define UDSDUMP_PACKET_UNIX_H

#include <string.h>

#include <wireshark.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/address_types.h>
#include <epan/conversation_table.h>
#include <epan/conversation_filter.h>
#include <epan/follow.h>
#include <epan/tap.h>
#include <epan/proto_data.h>
#include <epan/decode_as.h>
#include <epan/reassemble.h>
#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <epan/dissectors/packet-tcp.h>
#include <wsutil/str_util.h>
#include <wsutil/to_str.h>
#include <wsutil/pint.h>
#include <wiretap/wtap.h>

#include "ws_compat.h"

#include <udsdump/record.h>

/* ------------------------------------------------------------------------ */
/* Registration handles and field ids (defined in packet-unix.c)            */
/* ------------------------------------------------------------------------ */

extern int proto_unix;
extern int unix_tap;
extern int unix_address_type;
extern dissector_table_t unix_path_table;      /* "unix.path": Decode As by socket path */
extern heur_dissector_list_t unix_heur_list;   /* "unix": heuristic payload dissectors */
extern dissector_handle_t http_handle;
extern dissector_handle_t http_tcp_handle; /* "http-over-tcp": honours tcpinfo FIN */
extern dissector_table_t tcp_port_table;
extern int hf_unix_role;

/* Header */
extern int hf_unix_magic;
extern int hf_unix_version;
extern int hf_unix_event;
extern int hf_unix_header_len;
extern int hf_unix_flags;
extern int hf_unix_flags_truncated;
extern int hf_unix_flags_more;
extern int hf_unix_flags_oob;
extern int hf_unix_flags_partial;
extern int hf_unix_flags_first_seen;
extern int hf_unix_flags_joined_midstream;
extern int hf_unix_flags_no_payload_source;
extern int hf_unix_flags_inferred;
extern int hf_unix_flags_cmsg_truncated;
extern int hf_unix_flags_read_fault;
extern int hf_unix_flags_metadata_only;
extern int hf_unix_flags_peer_as_before;
extern int hf_unix_payload_len;

/* Generated summary */
extern int hf_unix_stream;
extern int hf_unix_path;
extern int hf_unix_addr_kind;
extern int hf_unix_src;
extern int hf_unix_dst;
extern int hf_unix_src_inode;
extern int hf_unix_dst_inode;
extern int hf_unix_gap;

/* Stream reassembly */
extern int hf_unix_segments;
extern int hf_unix_segment;
extern int hf_unix_segment_overlap;
extern int hf_unix_segment_overlap_conflict;
extern int hf_unix_segment_multiple_tails;
extern int hf_unix_segment_too_long;
extern int hf_unix_segment_error;
extern int hf_unix_segment_count;
extern int hf_unix_reassembled_in;
extern int hf_unix_reassembled_length;
extern int hf_unix_reassembled_data;
extern int hf_unix_segment_data;

/* Receive side links */
extern int hf_unix_reader;
extern int hf_unix_reader_pid;
extern int hf_unix_reader_comm;
extern int hf_unix_reader_frame;
extern int hf_unix_sent_in;
extern int hf_unix_unread;

/* TLV framing */
extern int hf_unix_tlv_type;
extern int hf_unix_tlv_length;
extern int hf_unix_tlv_value;
extern int hf_unix_tlv_extra;
extern int hf_unix_tlv_socket;
extern int hf_unix_tlv_task;
extern int hf_unix_tlv_peer_cred;
extern int hf_unix_tlv_peer_task;
extern int hf_unix_tlv_local_addr;
extern int hf_unix_tlv_peer_addr;
extern int hf_unix_tlv_dest_addr;
extern int hf_unix_tlv_stream;
extern int hf_unix_tlv_scm_fd;
extern int hf_unix_tlv_scm_creds;
extern int hf_unix_tlv_cmsg;
extern int hf_unix_tlv_loss;

/* SOCKET */
extern int hf_unix_inode;
extern int hf_unix_peer_inode;
extern int hf_unix_sock_type;

/* TASK */
extern int hf_unix_task_pid;
extern int hf_unix_task_tid;
extern int hf_unix_task_uid;
extern int hf_unix_task_gid;
extern int hf_unix_task_start;
extern int hf_unix_task_comm;

/* PEER_CRED */
extern int hf_unix_peer_cred_pid;
extern int hf_unix_peer_cred_uid;
extern int hf_unix_peer_cred_gid;

/* PEER_TASK */
extern int hf_unix_peer_task_pid;
extern int hf_unix_peer_task_tid;
extern int hf_unix_peer_task_start;
extern int hf_unix_peer_task_source;
extern int hf_unix_peer_task_comm;

/* Addresses */
extern int hf_unix_local_addr_kind;
extern int hf_unix_local_addr_name;
extern int hf_unix_peer_addr_kind;
extern int hf_unix_peer_addr_name;
extern int hf_unix_dest_addr_kind;
extern int hf_unix_dest_addr_name;

/* STREAM */
extern int hf_unix_stream_offset;
extern int hf_unix_msg_len;
extern int hf_unix_msg_offset;
extern int hf_unix_requested_len;
extern int hf_unix_syscall;

/* SCM_RIGHTS */
extern int hf_unix_scm_rights;
extern int hf_unix_scm_rights_count;
extern int hf_unix_scm_rights_fd;
extern int hf_unix_scm_rights_kind;
extern int hf_unix_scm_rights_fd_flags;
extern int hf_unix_scm_rights_fd_flags_path_truncated;
extern int hf_unix_scm_rights_fd_flags_unresolved;
extern int hf_unix_scm_rights_sock_type;
extern int hf_unix_scm_rights_mode;
extern int hf_unix_scm_rights_sock_family;
extern int hf_unix_scm_rights_inode;
extern int hf_unix_scm_rights_dev;
extern int hf_unix_scm_rights_dev_major;
extern int hf_unix_scm_rights_dev_minor;
extern int hf_unix_scm_rights_path;

/* SCM_CREDENTIALS */
extern int hf_unix_scm_creds_pid;
extern int hf_unix_scm_creds_uid;
extern int hf_unix_scm_creds_gid;

/* Other control messages */
extern int hf_unix_cmsg_level;
extern int hf_unix_cmsg_type;
extern int hf_unix_cmsg_data;

/* LOSS */
extern int hf_unix_loss_records;
extern int hf_unix_loss_bytes;
extern int hf_unix_loss_total_records;
extern int hf_unix_loss_total_bytes;

extern gint ett_unix;
extern gint ett_unix_flags;
extern gint ett_unix_tlv;
extern gint ett_unix_scm_rights;
extern gint ett_unix_scm_rights_fd;
extern gint ett_unix_scm_rights_fd_flags;
extern gint ett_unix_segments;
extern gint ett_unix_segment;
extern gint ett_unix_reader;

extern expert_field ei_unix_bad_magic;
extern expert_field ei_unix_unknown_version;
extern expert_field ei_unix_bad_header_len;
extern expert_field ei_unix_bad_payload_len;
extern expert_field ei_unix_tlv_overrun;
extern expert_field ei_unix_tlv_short;
extern expert_field ei_unix_tlv_repeated;
extern expert_field ei_unix_tlv_unknown;
extern expert_field ei_unix_bad_addr_kind;
extern expert_field ei_unix_gap;
extern expert_field ei_unix_truncated;
extern expert_field ei_unix_loss;
extern expert_field ei_unix_not_captured;
extern expert_field ei_unix_partial;
extern expert_field ei_unix_cmsg_truncated;
extern expert_field ei_unix_fd_unresolved;
extern expert_field ei_unix_reasm_gap;
extern expert_field ei_unix_reasm_incomplete;
extern expert_field ei_unix_unread;

extern const value_string unix_event_vals[];
extern const value_string unix_tlv_type_vals[];
extern const value_string unix_sock_type_vals[];
extern const value_string unix_syscall_vals[];
extern const value_string unix_file_kind_vals[];

/* What the "unix" tap carries (conversations, endpoints, follow). */
typedef struct {
	address src, dst;   /* socket ends (unix_address_type, inode keys) */
	address conv_src, conv_dst; /* the same ends as (stream, side) keys */
	guint32 stream;     /* unix.stream */
	guint8 event;       /* UDS_EV_* */
	guint32 payload_len; /* payload bytes in this record */
	tvbuff_t *payload;  /* NULL when there is none */
} unix_tap_info_t;

/* ------------------------------------------------------------------------ */
/* Parsed record                                                             */
/* ------------------------------------------------------------------------ */

/* A descriptor passed with SCM_RIGHTS: its number and what it is. */
typedef struct {
	gint32 fd;
	guint8 kind; /* UDS_FILE_* */
} unix_passed_fd_t;

typedef struct {
	gboolean present;
	guint8 kind;
	const char *display; /* "/path", "@name" or "(unnamed)"; never NULL if present */
	gboolean named;
	gboolean display_fs; /* display lives as long as the file (unix_addr_display) */
} unix_addr_t;

typedef struct {
	guint8 version;
	guint8 event;
	guint16 header_len;
	guint32 flags;
	guint32 payload_len;
	guint32 payload_avail; /* payload bytes that really are in the record */
	gboolean malformed;

	gboolean has_socket;
	guint64 inode, peer_inode;
	guint16 sock_type;

	gboolean has_task;
	guint32 pid, tid, uid, gid;
	guint64 start_ns;
	const char *comm;

	gboolean has_peer_cred;
	guint32 pc_pid, pc_uid, pc_gid;

	/* TASK_NS and PEER_TASK_NS (first walk): where the two tasks live */
	guint64 cgroup_id, pt_cgroup_id; /* 0: not known */
	guint32 ns_pid, pt_ns_pid;
	/* SOCK_NS (first walk): where the socket and its peer live */
	gboolean has_sock_ns;
	guint32 net_ns, peer_net_ns, file_dev, peer_file_dev;
	guint64 file_ino, peer_file_ino;

	gboolean has_peer_task;
	guint32 pt_pid, pt_tid;
	guint64 pt_start_ns;
	guint8 pt_source;
	const char *pt_comm;

	unix_addr_t local, peer, dest;

	gboolean has_stream;
	guint64 stream_offset;
	guint32 msg_len, msg_offset, requested_len;
	guint16 syscall;

	guint32 n_reads; /* READS' count (0: none, a record of one read) */

	gboolean has_loss;
	guint64 loss_records, loss_bytes, loss_total_records, loss_total_bytes;

	guint n_fds;
	wmem_array_t *fds;   /* unix_passed_fd_t, in order (first walk) */
	gboolean has_creds;
	guint n_cmsg_raw;

	/* The first walk met something the second one reports (expert info):
	 * it must run even without a tree. */
	gboolean needs_build;
	int comm_off, pt_comm_off; /* where TASK's and PEER_TASK's comm[16] are */
	tvbuff_t *pt_tvb;    /* PEER_TASK's tvb, if not the record's (unix-peer.c) */
	const char *comm_fs; /* comm, file scope (set by unix_analyse) */
	struct unix_sock *sock; /* its socket's cache (first pass, set by unix_analyse) */
} unix_record_t;

/*
 * Per-frame state computed on the first pass, so that a second pass (and
 * random access in the GUI) gives the same answer.
 */
/* What only a few frames have (bytes missing), apart to keep frames small. */
typedef struct {
	guint64 gap;           /* bytes missing before this record; 0: none */
	guint64 gap_expected;  /* offset the previous record ended at */
	guint64 reasm_gap;        /* a pending PDU was dropped: bytes missing */
	guint64 reasm_gap_at;     /* stream offset the missing bytes start at */
	guint32 reasm_gap_frame;  /* first frame of the dropped PDU */
	guint32 reasm_gap_have;   /* bytes it had */
	gboolean reasm_incomplete; /* stream ended inside a PDU */
	guint32 reasm_incomplete_frame;
} unix_frame_extra_t;

extern const unix_frame_extra_t unix_no_extra; /* all zero (unix-record.c) */

typedef struct {
	guint32 stream;
	guint32 seg_id;           /* reassembly this record's bytes (tail) went into */
	guint8 has_stream;
	guint8 payload_planned;
	guint8 payload_as_data;   /* RECV bytes also captured as DATA: not again */
	guint8 links_noted;
	guint32 sent1;            /* RECV: the first send read (0: none) */
	const char *src_key, *dst_key;     /* address keys (unix_new_key) */
	const char *src_label, *dst_label; /* "comm[pid]", "pid:N", "inode:N" */
	const char *path;      /* unix.path, for Decode As */
	const char *conv_src_key, *conv_dst_key; /* "s:<stream>:A|B", for the tap */

	/* Payload handoff, decided on the first pass and replayed after. */
	struct unix_call *calls;  /* subdissector calls, in order */

	/* Receive side (first pass fills them, on earlier frames too). */
	struct unix_reader *readers; /* DATA: the reads of its bytes, in order */
	wmem_array_t *sent_in;       /* RECV: guint32 frames of the sends read after sent1 */

	unix_frame_extra_t *x;    /* NULL: nothing missing (read through UNIX_FX) */
} unix_frame_t;

#define UNIX_FX(fr) ((fr)->x ? (const unix_frame_extra_t *)(fr)->x : &unix_no_extra)

static inline unix_frame_extra_t *
unix_frame_x(unix_frame_t *fr)
{
	if (!fr->x)
		fr->x = wmem_new0(wmem_file_scope(), unix_frame_extra_t);
	return fr->x;
}

typedef struct unix_reader {
	struct unix_reader *next;
	guint32 frame, pid;
	const char *comm;
} unix_reader_t;


/*
 * One call of a payload dissector, recorded on the first pass so that later
 * passes make exactly the same calls on the same bytes (and so build the
 * same tree), whatever the reassembly table holds by then.
 */
/* The dissector a call goes to: how it was chosen (UNIX_HOW_*) and, for a
 * table or a recognised start (UNIX_HOW_HANDLE), which one. */
typedef struct {
	guint8 how;
	dissector_handle_t handle;
} unix_choice_t;

#define UNIX_CALL_DIRECT 0 /* bytes [off, end) of this record's payload */
#define UNIX_CALL_MSP 1    /* the first len bytes of reassembly id */
typedef struct unix_call {
	struct unix_call *next;
	guint8 kind;
	gboolean fin;          /* tcpinfo FIN: the stream ended */
	gboolean can_desegment;
	gboolean consumed;     /* the call dissected at least one PDU */
	gboolean done;         /* MSP: completes the reassembled PDU */
	guint32 off;
	guint32 id, len;
	guint64 seq;           /* stream offset of the first byte handed over */
	unix_choice_t choice;  /* which dissector, decided on the first pass */
	gboolean resync;       /* after a gap: only a recognisable PDU start is dissected */
} unix_call_t;

#define UNIX_HOW_UNDECIDED 0
#define UNIX_HOW_DECODE_AS 1
#define UNIX_HOW_HEUR 2
#define UNIX_HOW_HTTP 3
#define UNIX_HOW_RESP 4
#define UNIX_HOW_DATA 5
#define UNIX_HOW_WAIT 6 /* too few bytes to tell: wait for more */
#define UNIX_HOW_HANDLE 7 /* the socket table or a recognised start chose choice.handle */

/* Which end of a connection a socket is (unix.role), TCP's server port. */
#define UNIX_ROLE_CLIENT 1
#define UNIX_ROLE_SERVER 2
#define UNIX_ROLE_GUESSED 4 /* or'ed in: neither end is named; who spoke first */


/* A connection (unix.stream): the pair of socket keys, once known. */
typedef struct {
	char *key_a, *key_b; /* the two socket keys, once a record names both */
	guint64 first_inode; /* socket of the stream's first record: side A */
	gboolean has_first;
	const char *conv_key[2]; /* "s:<stream>:A" and ":B" (file scope), once made */
	guint8 proto;        /* UNIX_HOW_HTTP, _RESP or _HANDLE once detected */
	dissector_handle_t handle; /* UNIX_HOW_HANDLE: the protocol recognised */
	/* Info texts "[EVENT ]src -> dst path" made for its records (file scope),
	 * by the (file scope) strings they were made of. */
	struct {
		const char *ev, *src, *dst, *path, *text;
	} info[4];
	guint info_next;
} unix_stream_t;


/* Per-socket (sending side) state for gap detection, first pass only. */
typedef struct {
	guint64 expected; /* stream offset the next record should start at */
	gboolean valid;
} unix_sock_state_t;

/*
 * Per socket inode, first pass (file scope): the strings unix_analyse makes
 * for the socket's records, made once and shared by the records while they
 * stay the same, and the state that used to be looked up in several tables.
 */
typedef struct unix_cgroup unix_cgroup_t; /* unix-cgroup.c */
typedef struct unix_sock unix_sock_t;
struct unix_sock {
	guint64 inode;
	const char *key;          /* "i:<inode>" */
	const char *inode_label;  /* "inode:<inode>", once needed */
	/* Label of the task of this socket's last record with a TASK. */
	guint32 task_pid;
	guint8 task_raw[UDS_COMM_LEN];
	const char *task_comm, *task_label;
	const unix_cgroup_t *task_cg; /* the container its label names */
	/* Label made from the last PEER_TASK / PEER_CRED of its records. */
	guint32 pt_pid;
	const unix_cgroup_t *pt_cg;
	guint8 pt_raw[UDS_COMM_LEN];
	const char *pt_comm, *pt_label;
	guint32 pc_pid;
	const char *pc_label;
	/* The task this capture last saw sending on it ("comm[pid]"). */
	const char *sender_label;
	/* The peer of its last record, and the stream of that pair. */
	guint64 peer_inode;
	unix_sock_t *peer;
	gboolean pair_valid;
	guint32 pair_stream;
	/* Gap detection on its byte count. */
	unix_sock_state_t gap;
	/* Its entries in unix_dirs and unix_writers (keyed on the inode), once used. */
	void *dir, *writer;
};

/*
 * Direction keys of reassembly and receive links: the sending socket's
 * inode, or (RECV payloads of an otherwise unseen sender, datagram queues)
 * the reading socket's inode with this bit set.
 */
#define UNIX_DIR_RECV (G_GUINT64_CONSTANT(1) << 63)

/* ------------------------------------------------------------------------ */
/* Between the rooms                                                         */
/* ------------------------------------------------------------------------ */

/* unix-record.c: the dissector of one record; the Info column */
#define UNIX_INFO_NPARTS 16
int dissect_unix(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
void unix_set_info(packet_info *pinfo, const char **parts, const char *tail);

/* unix-tlv.c: the TLV walker and printable names */
void unix_walk_tlvs(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, unix_record_t *rec,
    gboolean build);
char *unix_escape_name(wmem_allocator_t *scope, const guint8 *p, guint len);
const char *unix_task_label(wmem_allocator_t *scope, const char *comm, guint32 pid);
const char *unix_get_comm(wmem_allocator_t *scope, tvbuff_t *tvb, int off);
void unix_names_init(void);

/* One fixed field of a TLV value: its item, offset in the value, width and
 * encoding. Each walker lists its fields in a table and adds them at once. */
typedef struct {
	int *hf;
	int off;
	int len;
	guint enc;
} unix_field_t;
void unix_add_fields(proto_tree *sub, tvbuff_t *tvb, int voff, const unix_field_t *fields,
    size_t n);
gboolean unix_tlv_check_len(packet_info *pinfo, proto_tree *sub, proto_item *ti, tvbuff_t *tvb,
    int voff, guint16 len, guint fixed, gboolean build, unix_record_t *rec);

/* unix-cgroup.c: CGROUP records, and the names of cgroup ids */
struct unix_cgroup {
	guint64 id;
	const char *path;      /* from the cgroup v2 root */
	guint8 runtime, monitor;
	const char *container; /* NULL: no container's */
	const char *pod;
	const char *name;      /* the runtime's name of the container, or NULL */
	const char *label;     /* "name/" or "short-id/" before comm[pid] in columns, or NULL */
};
void unix_cgroups_init(void);
const unix_cgroup_t *unix_cgroup_of(guint64 id);
int dissect_unix_cgroup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *unix_tree, proto_item *ti,
    unix_record_t *rec);
void unix_cgroup_show(proto_tree *sub, proto_item *ti, tvbuff_t *tvb, int voff, guint64 id,
    gboolean peer);
void unix_cgroup_register(int proto);

/* unix-ns.c: where each end lives (TASK_NS, PEER_TASK_NS, SOCK_NS) */
int unix_ns_tlv_hf(guint16 type);
void unix_walk_ns(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    guint16 type, int voff, guint16 len, gboolean build, unix_record_t *rec);
void unix_ns_register(int proto);

/* unix-reads.c: READS, the reads one RECV record stands for */
int unix_reads_tlv_hf(void);
void unix_walk_reads(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti, int voff,
    guint16 len, gboolean build, unix_record_t *rec);
void unix_reads_add_one(tvbuff_t *tvb, proto_tree *unix_tree, const unix_record_t *rec);
void unix_reads_register(int proto);
void unix_ns_add_qualified(packet_info *pinfo, proto_tree *unix_tree, tvbuff_t *tvb,
    const unix_record_t *rec, const unix_addr_t *conn);
const char *unix_ns_column_path(packet_info *pinfo, const unix_record_t *rec,
    const unix_addr_t *conn, const char *path);

/* unix-peer.c: the peer's identity of records that say "as before" */
typedef struct {
	tvbuff_t *tvb;      /* the peer TLVs given (NULL: none) */
	guint32 frame;      /* the record they came from */
	unix_record_t rec;  /* what they say */
} unix_peer_carried_t;
void unix_peer_carry(tvbuff_t *tvb, packet_info *pinfo, unix_record_t *rec, unix_peer_carried_t *out);
void unix_peer_carried_tree(packet_info *pinfo, proto_tree *unix_tree, unix_peer_carried_t *carried);
void unix_peer_register(int proto);

/* unix-engine.c: ENGINE records */
int dissect_unix_engine(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    proto_item *ti, unix_record_t *rec);
void unix_register_engine(void);

/* unix-analysis.c: first pass */
unix_frame_t *unix_analyse(packet_info *pinfo, tvbuff_t *tvb, unix_record_t *rec);
const unix_addr_t *unix_conn_addr(const unix_record_t *rec);
gboolean unix_covers_message(guint32 flags);
unix_stream_t *unix_get_stream(guint32 idx);
guint unix_streams_seen(void);
void unix_analysis_register(void);
void unix_analysis_init(void);

/* unix-reassembly.c: payload, reassembled or not, to the handoff */
void unix_payload(tvbuff_t *tvb, tvbuff_t *payload_tvb, packet_info *pinfo, proto_tree *tree,
    proto_tree *unix_tree, const unix_record_t *rec, unix_frame_t *fr);
void unix_show_reassembly(tvbuff_t *tvb, tvbuff_t *payload_tvb, packet_info *pinfo,
    proto_tree *unix_tree, const unix_record_t *rec, unix_frame_t *fr, const char **ip);
void unix_reassembly_register(void);
void unix_reassembly_init(void);

/* unix-handoff.c: bytes to the next dissector */
void unix_call_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, const unix_frame_t *fr, guint64 seq, gboolean fin,
    gboolean reassembled, gboolean can_desegment, gboolean resync, unix_choice_t *choice,
    guint32 *doff, guint32 *dlen);
guint8 unix_end_role(const unix_record_t *rec, const unix_frame_t *fr);
void unix_handoff_init(void);
extern ws_bool pref_first_speaker_client;

/* unix-dbus.c: the D-Bus handshake, messages and their descriptors */
gboolean unix_is_dbus(dissector_handle_t handle);
void unix_call_dbus(dissector_handle_t dbus, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, guint64 seq, struct tcpinfo *tcpinfo);
void unix_dbus_register(void);
void unix_dbus_handoff(void);

/* unix-socket-table.c: well-known socket paths */
dissector_handle_t unix_socket_table_lookup(const char *path);
void unix_socket_table_register(module_t *unix_module);
void unix_socket_table_handoff(void);
dissector_handle_t unix_find_dissector(const char *name);

/* unix-heur.c: protocol heuristics */
gboolean unix_looks_like_http(tvbuff_t *tvb);
gboolean unix_looks_like_resp(tvbuff_t *tvb);
guint unix_resp_whole_values(tvbuff_t *tvb, guint len);
gboolean unix_maybe_prefix(tvbuff_t *tvb);
dissector_handle_t unix_recognise_start(tvbuff_t *tvb, guint64 seq);
gboolean unix_start_prefix(tvbuff_t *tvb, guint64 seq);
void unix_heur_handoff(void);

/* unix-links.c: receive links */
void unix_note_send(packet_info *pinfo, const unix_record_t *rec, unix_frame_t *fr);
void unix_note_recv(packet_info *pinfo, const unix_record_t *rec, unix_frame_t *fr);
void unix_show_links(tvbuff_t *tvb, packet_info *pinfo, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr);
void unix_links_register(void);
void unix_links_init(void);

/* unix-address.c: socket ends as addresses */
const char *unix_new_key(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void unix_set_end_label(const char *key, const char *label);
void unix_set_address(address *addr, const char *key);
void unix_set_frame_addresses(packet_info *pinfo, const unix_frame_t *fr);
void unix_register_address_type(void);
void unix_address_init(void);
void unix_address_cleanup(void);

/* unix-conversation.c: conversations, endpoints, follow */
void unix_register_conversations(void);

#endif /* UDSDUMP_PACKET_UNIX_H */
