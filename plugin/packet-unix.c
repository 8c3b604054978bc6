/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-unix.c: Wireshark 4.0 dissector for udsdump records ("unix").
 *
 * A udsdump capture holds one record per packet on a USER link type
 * (LINKTYPE_USER12 by default). The record layout is described in
 * doc/FORMAT.md and defined in include/udsdump/record.h; every constant used
 * here comes from that header.
 *
 * Never trust a length from the record: every offset is checked against the
 * header length or the record length before it is used, and everything is
 * read with the tvb accessors (which throw, rather than read past the end).
 */

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

/* What the "unix" tap carries (conversations, endpoints, follow). */
typedef struct {
	address src, dst;   /* socket ends (unix_address_type, inode keys) */
	address conv_src, conv_dst; /* the same ends as (stream, side) keys */
	guint32 stream;     /* unix.stream */
	guint8 event;       /* UDS_EV_* */
	guint32 payload_len; /* payload bytes in this record */
	tvbuff_t *payload;  /* NULL when there is none */
} unix_tap_info_t;

#ifndef VERSION
#define VERSION "0.1.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);
#ifdef WS_PLUGIN_DESCRIBES_ITSELF
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

void proto_register_unix(void);
void proto_reg_handoff_unix(void);

/* ------------------------------------------------------------------------ */
/* Registration handles                                                      */
/* ------------------------------------------------------------------------ */

static int proto_unix = -1;
static int unix_tap = -1;
static int unix_address_type = -1;
static dissector_handle_t unix_handle;
static dissector_table_t unix_path_table;      /* "unix.path": Decode As by socket path */
static heur_dissector_list_t unix_heur_list;   /* "unix": heuristic payload dissectors */
static dissector_handle_t http_handle;
static dissector_handle_t http_tcp_handle; /* "http-over-tcp": honours tcpinfo FIN */
static dissector_table_t tcp_port_table;

/* The "port" RESP (and other tcp.port dissectors) see for the server side. */
#define UNIX_RESP_PORT 6379
#define UNIX_CLIENT_PORT 1

/* Header */
static int hf_unix_magic = -1;
static int hf_unix_version = -1;
static int hf_unix_event = -1;
static int hf_unix_header_len = -1;
static int hf_unix_flags = -1;
static int hf_unix_flags_truncated = -1;
static int hf_unix_flags_more = -1;
static int hf_unix_flags_oob = -1;
static int hf_unix_flags_partial = -1;
static int hf_unix_flags_first_seen = -1;
static int hf_unix_flags_joined_midstream = -1;
static int hf_unix_flags_no_payload_source = -1;
static int hf_unix_flags_inferred = -1;
static int hf_unix_flags_cmsg_truncated = -1;
static int hf_unix_flags_read_fault = -1;
static int hf_unix_flags_metadata_only = -1;
static int hf_unix_payload_len = -1;

/* Generated summary */
static int hf_unix_stream = -1;
static int hf_unix_path = -1;
static int hf_unix_addr_kind = -1;
static int hf_unix_src = -1;
static int hf_unix_dst = -1;
static int hf_unix_src_inode = -1;
static int hf_unix_dst_inode = -1;
static int hf_unix_gap = -1;

/* Stream reassembly */
static int hf_unix_segments = -1;
static int hf_unix_segment = -1;
static int hf_unix_segment_overlap = -1;
static int hf_unix_segment_overlap_conflict = -1;
static int hf_unix_segment_multiple_tails = -1;
static int hf_unix_segment_too_long = -1;
static int hf_unix_segment_error = -1;
static int hf_unix_segment_count = -1;
static int hf_unix_reassembled_in = -1;
static int hf_unix_reassembled_length = -1;
static int hf_unix_reassembled_data = -1;
static int hf_unix_segment_data = -1;

/* Receive side links */
static int hf_unix_reader = -1;
static int hf_unix_reader_pid = -1;
static int hf_unix_reader_comm = -1;
static int hf_unix_reader_frame = -1;
static int hf_unix_sent_in = -1;
static int hf_unix_unread = -1;

/* TLV framing */
static int hf_unix_tlv_type = -1;
static int hf_unix_tlv_length = -1;
static int hf_unix_tlv_value = -1;
static int hf_unix_tlv_extra = -1;
static int hf_unix_tlv_socket = -1;
static int hf_unix_tlv_task = -1;
static int hf_unix_tlv_peer_cred = -1;
static int hf_unix_tlv_peer_task = -1;
static int hf_unix_tlv_local_addr = -1;
static int hf_unix_tlv_peer_addr = -1;
static int hf_unix_tlv_dest_addr = -1;
static int hf_unix_tlv_stream = -1;
static int hf_unix_tlv_scm_fd = -1;
static int hf_unix_tlv_scm_creds = -1;
static int hf_unix_tlv_cmsg = -1;
static int hf_unix_tlv_loss = -1;

/* SOCKET */
static int hf_unix_inode = -1;
static int hf_unix_peer_inode = -1;
static int hf_unix_sock_type = -1;

/* TASK */
static int hf_unix_task_pid = -1;
static int hf_unix_task_tid = -1;
static int hf_unix_task_uid = -1;
static int hf_unix_task_gid = -1;
static int hf_unix_task_start = -1;
static int hf_unix_task_comm = -1;

/* PEER_CRED */
static int hf_unix_peer_cred_pid = -1;
static int hf_unix_peer_cred_uid = -1;
static int hf_unix_peer_cred_gid = -1;

/* PEER_TASK */
static int hf_unix_peer_task_pid = -1;
static int hf_unix_peer_task_tid = -1;
static int hf_unix_peer_task_start = -1;
static int hf_unix_peer_task_source = -1;
static int hf_unix_peer_task_comm = -1;

/* Addresses */
static int hf_unix_local_addr_kind = -1;
static int hf_unix_local_addr_name = -1;
static int hf_unix_peer_addr_kind = -1;
static int hf_unix_peer_addr_name = -1;
static int hf_unix_dest_addr_kind = -1;
static int hf_unix_dest_addr_name = -1;

/* STREAM */
static int hf_unix_stream_offset = -1;
static int hf_unix_msg_len = -1;
static int hf_unix_msg_offset = -1;
static int hf_unix_requested_len = -1;
static int hf_unix_syscall = -1;

/* SCM_RIGHTS */
static int hf_unix_scm_rights = -1;
static int hf_unix_scm_rights_count = -1;
static int hf_unix_scm_rights_fd = -1;
static int hf_unix_scm_rights_kind = -1;
static int hf_unix_scm_rights_fd_flags = -1;
static int hf_unix_scm_rights_fd_flags_path_truncated = -1;
static int hf_unix_scm_rights_fd_flags_unresolved = -1;
static int hf_unix_scm_rights_sock_type = -1;
static int hf_unix_scm_rights_mode = -1;
static int hf_unix_scm_rights_sock_family = -1;
static int hf_unix_scm_rights_inode = -1;
static int hf_unix_scm_rights_dev = -1;
static int hf_unix_scm_rights_dev_major = -1;
static int hf_unix_scm_rights_dev_minor = -1;
static int hf_unix_scm_rights_path = -1;

/* SCM_CREDENTIALS */
static int hf_unix_scm_creds_pid = -1;
static int hf_unix_scm_creds_uid = -1;
static int hf_unix_scm_creds_gid = -1;

/* Other control messages */
static int hf_unix_cmsg_level = -1;
static int hf_unix_cmsg_type = -1;
static int hf_unix_cmsg_data = -1;

/* LOSS */
static int hf_unix_loss_records = -1;
static int hf_unix_loss_bytes = -1;
static int hf_unix_loss_total_records = -1;
static int hf_unix_loss_total_bytes = -1;

static gint ett_unix = -1;
static gint ett_unix_flags = -1;
static gint ett_unix_tlv = -1;
static gint ett_unix_scm_rights = -1;
static gint ett_unix_scm_rights_fd = -1;
static gint ett_unix_scm_rights_fd_flags = -1;
static gint ett_unix_segments = -1;
static gint ett_unix_segment = -1;
static gint ett_unix_reader = -1;

static expert_field ei_unix_bad_magic = EI_INIT;
static expert_field ei_unix_unknown_version = EI_INIT;
static expert_field ei_unix_bad_header_len = EI_INIT;
static expert_field ei_unix_bad_payload_len = EI_INIT;
static expert_field ei_unix_tlv_overrun = EI_INIT;
static expert_field ei_unix_tlv_short = EI_INIT;
static expert_field ei_unix_tlv_repeated = EI_INIT;
static expert_field ei_unix_tlv_unknown = EI_INIT;
static expert_field ei_unix_bad_addr_kind = EI_INIT;
static expert_field ei_unix_gap = EI_INIT;
static expert_field ei_unix_truncated = EI_INIT;
static expert_field ei_unix_loss = EI_INIT;
static expert_field ei_unix_not_captured = EI_INIT;
static expert_field ei_unix_partial = EI_INIT;
static expert_field ei_unix_cmsg_truncated = EI_INIT;
static expert_field ei_unix_fd_unresolved = EI_INIT;
static expert_field ei_unix_reasm_gap = EI_INIT;
static expert_field ei_unix_reasm_incomplete = EI_INIT;
static expert_field ei_unix_unread = EI_INIT;

/* Preference: which LINKTYPE_USERn (0..15) carries udsdump records. */
static guint pref_user_index = UDS_WTAP_ENCAP_USER_INDEX;

/* ------------------------------------------------------------------------ */
/* Value strings                                                             */
/* ------------------------------------------------------------------------ */

static const value_string unix_event_vals[] = {
	{ UDS_EV_DATA, "DATA" },
	{ UDS_EV_CONNECT, "CONNECT" },
	{ UDS_EV_ACCEPT, "ACCEPT" },
	{ UDS_EV_SOCKETPAIR, "SOCKETPAIR" },
	{ UDS_EV_SHUTDOWN, "SHUTDOWN" },
	{ UDS_EV_CLOSE, "CLOSE" },
	{ UDS_EV_LOSS, "LOSS" },
	{ UDS_EV_RECV, "RECV" },
	{ UDS_EV_ENGINE, "ENGINE" },
	{ 0, NULL }
};

static const value_string unix_tlv_type_vals[] = {
	{ UDS_TLV_SOCKET, "Socket" },
	{ UDS_TLV_TASK, "Task" },
	{ UDS_TLV_PEER_CRED, "Peer credentials" },
	{ UDS_TLV_PEER_TASK, "Peer task" },
	{ UDS_TLV_LOCAL_ADDR, "Local address" },
	{ UDS_TLV_PEER_ADDR, "Peer address" },
	{ UDS_TLV_DEST_ADDR, "Destination address" },
	{ UDS_TLV_STREAM, "Stream" },
	{ UDS_TLV_SCM_RIGHTS_FD, "SCM_RIGHTS descriptor" },
	{ UDS_TLV_SCM_CREDS, "SCM_CREDENTIALS" },
	{ UDS_TLV_CMSG_RAW, "Control message" },
	{ UDS_TLV_LOSS, "Loss" },
	{ 0, NULL }
};

/* SOCK_* values from <linux/net.h>. */
static const value_string unix_sock_type_vals[] = {
	{ 1, "STREAM" },
	{ 2, "DGRAM" },
	{ 3, "RAW" },
	{ 4, "RDM" },
	{ 5, "SEQPACKET" },
	{ 6, "DCCP" },
	{ 10, "PACKET" },
	{ 0, NULL }
};

static const value_string unix_addr_kind_vals[] = {
	{ UDS_ADDR_UNNAMED, "unnamed" },
	{ UDS_ADDR_PATHNAME, "pathname" },
	{ UDS_ADDR_ABSTRACT, "abstract" },
	{ 0, NULL }
};

static const value_string unix_peer_src_vals[] = {
	{ UDS_PEER_SRC_KERNEL_LAST_SEEN, "kernel: last task seen on the peer socket" },
	{ UDS_PEER_SRC_PROCFS, "user space: /proc scan" },
	{ 0, NULL }
};

static const value_string unix_syscall_vals[] = {
	{ UDS_SYS_UNKNOWN, "unknown" },
	{ UDS_SYS_WRITE, "write" },
	{ UDS_SYS_WRITEV, "writev" },
	{ UDS_SYS_SENDTO, "sendto" },
	{ UDS_SYS_SENDMSG, "sendmsg" },
	{ UDS_SYS_SENDMMSG, "sendmmsg" },
	{ UDS_SYS_READ, "read" },
	{ UDS_SYS_READV, "readv" },
	{ UDS_SYS_RECVFROM, "recvfrom" },
	{ UDS_SYS_RECVMSG, "recvmsg" },
	{ UDS_SYS_RECVMMSG, "recvmmsg" },
	{ 0, NULL }
};

static const value_string unix_file_kind_vals[] = {
	{ UDS_FILE_UNKNOWN, "unknown" },
	{ UDS_FILE_REGULAR, "regular file" },
	{ UDS_FILE_DIRECTORY, "directory" },
	{ UDS_FILE_SOCKET, "socket" },
	{ UDS_FILE_PIPE, "pipe/FIFO" },
	{ UDS_FILE_CHARDEV, "character device" },
	{ UDS_FILE_BLOCKDEV, "block device" },
	{ UDS_FILE_SYMLINK, "symlink" },
	{ UDS_FILE_ANON, "anonymous inode" },
	{ UDS_FILE_MEMFD, "memfd" },
	{ 0, NULL }
};

/* AF_* values from <linux/socket.h>. */
static const value_string unix_sock_family_vals[] = {
	{ 0, "AF_UNSPEC" },
	{ 1, "AF_UNIX" },
	{ 2, "AF_INET" },
	{ 10, "AF_INET6" },
	{ 16, "AF_NETLINK" },
	{ 17, "AF_PACKET" },
	{ 38, "AF_ALG" },
	{ 40, "AF_VSOCK" },
	{ 44, "AF_XDP" },
	{ 0, NULL }
};

/* ------------------------------------------------------------------------ */
/* Parsed record                                                             */
/* ------------------------------------------------------------------------ */

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

	gboolean has_loss;
	guint64 loss_records, loss_bytes, loss_total_records, loss_total_bytes;

	guint n_fds;
	gboolean has_creds;
	guint n_cmsg_raw;

	/* The first walk met something the second one reports (expert info):
	 * it must run even without a tree. */
	gboolean needs_build;
	int comm_off, pt_comm_off; /* where TASK's and PEER_TASK's comm[16] are */
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

static const unix_frame_extra_t unix_no_extra; /* all zero */

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

static unix_frame_extra_t *
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

/* A send, for matching reads (first pass). */
typedef struct {
	guint64 start, end; /* stream offsets covered */
	guint32 frame;
	void *fr;           /* its unix_frame_t */
} unix_sent_t;

/* Per writer socket: its sends, and how far readers read. */
typedef struct {
	GArray *sent;     /* unix_sent_t, in offset order */
	guint cursor;     /* first send not wholly read */
	guint64 read_end; /* highest offset read */
	gboolean read_any;
} unix_writer_t;

/*
 * One call of a payload dissector, recorded on the first pass so that later
 * passes make exactly the same calls on the same bytes (and so build the
 * same tree), whatever the reassembly table holds by then.
 */
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
	guint8 how;            /* UNIX_HOW_*: which dissector, decided on the first pass */
	gboolean resync;       /* after a gap: only a recognisable PDU start is dissected */
} unix_call_t;

#define UNIX_HOW_UNDECIDED 0
#define UNIX_HOW_DECODE_AS 1
#define UNIX_HOW_HEUR 2
#define UNIX_HOW_HTTP 3
#define UNIX_HOW_RESP 4
#define UNIX_HOW_DATA 5
#define UNIX_HOW_WAIT 6 /* too few bytes to tell: wait for more */

/*
 * One direction of a connection, for reassembly (first pass only): keyed on
 * the sending socket's inode (RECV payloads of an otherwise unseen sender:
 * the reading socket's inode with UNIX_DIR_RECV set).
 */
#define UNIX_DIR_RECV (G_GUINT64_CONSTANT(1) << 63)
#define UNIX_MSP_EXACT 0     /* until stream offset need */
#define UNIX_MSP_ONE_MORE 1  /* until the next record ends a message */
#define UNIX_MSP_UNTIL_FIN 2 /* until the stream ends */
#define UNIX_MSP_MESSAGE 3   /* datagram split by the engine: until no MORE */
typedef struct {
	guint64 next;        /* stream offset the next record should start at */
	gboolean next_valid;
	gboolean msp;        /* a PDU is pending */
	guint8 mode;
	guint32 id;          /* its reassembly id */
	guint32 first_frame;
	guint64 start;       /* stream offset of its first byte */
	guint32 have;        /* bytes it has */
	guint64 need;        /* UNIX_MSP_EXACT: stream offset it must reach */
	gboolean resync;     /* bytes went missing: wait for a PDU start */
} unix_dir_t;

/* A connection (unix.stream): the pair of socket keys, once known. */
typedef struct {
	char *key_a, *key_b; /* the two socket keys, once a record names both */
	guint64 first_inode; /* socket of the stream's first record: side A */
	gboolean has_first;
	const char *conv_key[2]; /* "s:<stream>:A" and ":B" (file scope), once made */
	guint8 proto;        /* UNIX_HOW_HTTP or UNIX_HOW_RESP once detected */
	/* Info texts "[EVENT ]src -> dst path" made for its records (file scope),
	 * by the (file scope) strings they were made of. */
	struct {
		const char *ev, *src, *dst, *path, *text;
	} info[4];
	guint info_next;
} unix_stream_t;

/* Which stream a socket inode belongs to. */
typedef struct {
	guint32 stream;
	gboolean paired; /* FALSE: seen only in records without a peer inode */
} unix_inode_stream_t;

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
typedef struct unix_sock unix_sock_t;
struct unix_sock {
	guint64 inode;
	const char *key;          /* "i:<inode>" */
	const char *inode_label;  /* "inode:<inode>", once needed */
	/* Label of the task of this socket's last record with a TASK. */
	guint32 task_pid;
	guint8 task_raw[UDS_COMM_LEN];
	const char *task_comm, *task_label;
	/* Label made from the last PEER_TASK / PEER_CRED of its records. */
	guint32 pt_pid;
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
 * File-scoped tables. They are GLib tables (not wmem file scope) because the
 * address-type callbacks may be called after the last packet (conversation
 * and endpoint tables are printed at the end); they are emptied when a new
 * file is opened.
 */
/*
 * Displayed socket names, kept for the file: a socket's records repeat its
 * names, so the few names of a capture are escaped once, not per record.
 * A small most-recently-used list; names longer than a sun_path are not
 * kept (the caller escapes them into pinfo->pool).
 */
#define UNIX_NAME_CACHE 8
#define UNIX_NAME_CACHE_MAX 128
typedef struct {
	guint8 kind;
	guint len;
	guint8 *bytes;
	const char *display;
} unix_name_cache_t;
static unix_name_cache_t unix_name_cache[UNIX_NAME_CACHE];
static guint unix_name_cache_n;

static GHashTable *unix_streams;     /* "keyA|keyB" -> stream index + 1 */
static wmem_map_t *unix_socks;       /* inode (guint64 *) -> unix_sock_t, file scope */
static wmem_map_t *unix_labels;      /* label text -> its one copy, file scope */
static GHashTable *unix_end_labels;  /* address key -> label for columns */
static guint unix_end_gen = 1;       /* changes whenever unix_end_labels does */

/* An address key string (see unix_new_key) and its label memo. */
typedef struct {
	const char *label; /* the (file scope) label last set or found equal */
	guint gen;         /* unix_end_gen then */
	char str[];
} unix_key_t;
#define UNIX_KEY(s) ((unix_key_t *)(void *)((char *)(s) - offsetof(unix_key_t, str)))

/* The keys of the frame dissected last (file scope; NULL outside a file). */
static const char *unix_cur_keys[2];
static GHashTable *unix_inode_streams; /* inode -> unix_inode_stream_t */
static GPtrArray *unix_stream_list;  /* stream index -> unix_stream_t */
static guint32 unix_stream_count;
static GHashTable *unix_dirs;        /* direction key (guint64 *) -> unix_dir_t */
static GHashTable *unix_msp_done;    /* reassembly id -> frame that completed it */
static guint32 unix_msp_count;       /* last reassembly id handed out */
static reassembly_table unix_reassembly_table;
static GHashTable *unix_writers;     /* writer inode -> unix_writer_t */
static gboolean unix_seen_recv;      /* the capture has receive records */

static void
unix_stream_free(gpointer p)
{
	unix_stream_t *st = (unix_stream_t *)p;
	g_free(st->key_a);
	g_free(st->key_b);
	g_free(st);
}

/* Before the file's memory goes: no pointer into it may stay. */
static void
unix_cleanup(void)
{
	unix_cur_keys[0] = unix_cur_keys[1] = NULL;
	unix_name_cache_n = 0;
}

static void
unix_init(void)
{
	g_hash_table_remove_all(unix_streams);
	unix_name_cache_n = 0;
	g_hash_table_remove_all(unix_end_labels);
	unix_end_gen++;
	unix_cur_keys[0] = unix_cur_keys[1] = NULL;
	g_hash_table_remove_all(unix_inode_streams);
	g_ptr_array_set_size(unix_stream_list, 0);
	unix_stream_count = 0;
	g_hash_table_remove_all(unix_dirs);
	g_hash_table_remove_all(unix_msp_done);
	unix_msp_count = 0;
	g_hash_table_remove_all(unix_writers);
	unix_seen_recv = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Printable form of socket name bytes: printable ASCII as is, valid UTF-8
 * sequences as is, everything else (NULs, control bytes, invalid UTF-8,
 * backslash) escaped as \xNN so that abstract names holding NULs stay
 * readable and distinct.
 */
static char *
unix_escape_name(wmem_allocator_t *scope, const guint8 *p, guint len)
{
	wmem_strbuf_t *sb = wmem_strbuf_new_sized(scope, len + 1);
	guint i = 0;

	while (i < len) {
		guint8 c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			wmem_strbuf_append_c(sb, (char)c);
			i++;
		} else if (c >= 0x80) {
			const gchar *end;
			guint seqlen = 1;
			/* Length of a valid UTF-8 sequence starting here, if any. */
			if (c >= 0xc2 && c <= 0xdf)
				seqlen = 2;
			else if (c >= 0xe0 && c <= 0xef)
				seqlen = 3;
			else if (c >= 0xf0 && c <= 0xf4)
				seqlen = 4;
			if (seqlen > 1 && i + seqlen <= len &&
			    g_utf8_validate((const gchar *)p + i, seqlen, &end)) {
				wmem_strbuf_append_len(sb, (const gchar *)p + i, seqlen);
				i += seqlen;
			} else {
				wmem_strbuf_append_printf(sb, "\\x%02x", c);
				i++;
			}
		} else {
			wmem_strbuf_append_printf(sb, "\\x%02x", c);
			i++;
		}
	}
	return wmem_strbuf_finalize(sb);
}

static const char *
unix_task_label(wmem_allocator_t *scope, const char *comm, guint32 pid)
{
	return wmem_strdup_printf(scope, "%s[%u]", comm ? comm : "", pid);
}

/*
 * A comm[16] field as tvb_get_stringzpad(ENC_ASCII) returns it (the bytes up
 * to the first NUL; a byte >= 0x80 becomes U+FFFD): plain ASCII, the usual
 * case, is copied without going through a string buffer byte by byte.
 */
static const char *
unix_get_comm(wmem_allocator_t *scope, tvbuff_t *tvb, int off)
{
	const guint8 *p = tvb_get_ptr(tvb, off, UDS_COMM_LEN);
	guint n;

	for (n = 0; n < UDS_COMM_LEN && p[n]; n++)
		if (p[n] >= 0x80)
			return (const char *)tvb_get_stringzpad(scope, tvb, off, UDS_COMM_LEN, ENC_ASCII);
	return wmem_strndup(scope, (const char *)p, n);
}


static const char *
unix_make_display(wmem_allocator_t *scope, guint8 kind, const guint8 *p, guint nlen)
{
	char *esc = unix_escape_name(scope, p, nlen);
	if (kind == UDS_ADDR_ABSTRACT) {
		const char *d = wmem_strdup_printf(scope, "@%s", esc);
		wmem_free(scope, esc);
		return d;
	}
	return esc;
}

/* The display of a named address (kind pathname or abstract). */
static const char *
unix_addr_display(packet_info *pinfo, guint8 kind, const guint8 *p, guint nlen,
    gboolean *file_scope)
{
	unix_name_cache_t e;

	if (nlen > UNIX_NAME_CACHE_MAX) {
		*file_scope = FALSE;
		return unix_make_display(pinfo->pool, kind, p, nlen);
	}
	for (guint i = 0; i < unix_name_cache_n; i++) {
		unix_name_cache_t *c = &unix_name_cache[i];
		if (c->kind == kind && c->len == nlen && (nlen == 0 || memcmp(c->bytes, p, nlen) == 0)) {
			if (i) { /* to the front */
				e = *c;
				memmove(&unix_name_cache[1], &unix_name_cache[0], i * sizeof e);
				unix_name_cache[0] = e;
			}
			*file_scope = TRUE;
			return unix_name_cache[0].display;
		}
	}
	e.kind = kind;
	e.len = nlen;
	e.bytes = (guint8 *)wmem_memdup(wmem_file_scope(), p, nlen);
	e.display = unix_make_display(wmem_file_scope(), kind, p, nlen);
	if (unix_name_cache_n < UNIX_NAME_CACHE)
		unix_name_cache_n++;
	memmove(&unix_name_cache[1], &unix_name_cache[0], (unix_name_cache_n - 1) * sizeof e);
	unix_name_cache[0] = e;
	*file_scope = TRUE;
	return e.display;
}

/* ------------------------------------------------------------------------ */
/* Address type for socket ends                                              */
/* ------------------------------------------------------------------------ */

/*
 * An address of this type is a NUL-terminated key string (the NUL is part of
 * the address bytes):
 *   "i:<inode>"  a socket, identified by its inode (as ss -x shows)
 *   "p:<name>"   a socket known only by its name (an unconnected datagram
 *                destination), name as unix.path shows it
 *   "s:<stream>:<A|B>"  one end of a connection, for the conversation and
 *                endpoint tables (A: the socket of the connection's first
 *                record), known even before the peer socket has an inode
 * The key says nothing about the process, so that a fork or a descriptor
 * passed to another process does not split a conversation. Columns show a
 * label ("curl[4242]") through the name-resolution callback.
 */

static int
unix_addr_to_str(const address *addr, gchar *buf, int buf_len)
{
	const char *key = (const char *)addr->data;

	if (buf_len <= 0)
		return 0;
	if (addr->len < 3 || key[addr->len - 1] != '\0')
		g_strlcpy(buf, "?", buf_len);
	else if (key[0] == 's') {
		/* "s:<stream>:<side>": the stream index, usable in a filter. */
		const char *colon = strchr(key + 2, ':');
		int n = colon ? (int)(colon - (key + 2)) : (int)strlen(key + 2);
		g_snprintf(buf, buf_len, "%.*s", n, key + 2);
	} else {
		/* "i:<inode>": the inode, usable in a filter; "p:<name>": the name. */
		g_strlcpy(buf, key + 2, buf_len);
	}
	return (int)strlen(buf) + 1;
}

static int
unix_addr_str_len(const address *addr)
{
	/* The inode or the name, plus the NUL. */
	return addr->len;
}

static const char *
unix_addr_col_filter(const address *addr, ws_addr_col_filter_bool is_src)
{
	const char *key = (const char *)addr->data;
	if (addr->len >= 3 && key[0] == 'i')
		return is_src ? "unix.src_inode" : "unix.dst_inode";
	return NULL;
}

/*
 * The last labels looked up (columns ask for the same two ends again and
 * again), valid while unix_end_labels has not changed.
 */
#define UNIX_RES_CACHE 4
#define UNIX_RES_KEY_MAX 32
static struct {
	guint gen;
	int len;
	char key[UNIX_RES_KEY_MAX];
	const char *label;
} unix_res_cache[UNIX_RES_CACHE];
static guint unix_res_next;

static const gchar *
unix_addr_name_res(const address *addr)
{
	const char *key = (const char *)addr->data;
	const char *label;

	if (addr->len < 3 || key[addr->len - 1] != '\0')
		return "?";
	/* The ends of the frame just dissected (the columns ask right after). */
	if (key == unix_cur_keys[0] || key == unix_cur_keys[1]) {
		unix_key_t *k = UNIX_KEY(key);
		if (k->label && k->gen == unix_end_gen)
			return k->label;
	}
	if (addr->len <= UNIX_RES_KEY_MAX) {
		for (guint i = 0; i < UNIX_RES_CACHE; i++)
			if (unix_res_cache[i].gen == unix_end_gen && unix_res_cache[i].len == addr->len &&
			    memcmp(unix_res_cache[i].key, key, addr->len) == 0)
				return unix_res_cache[i].label;
	}
	label = (const char *)g_hash_table_lookup(unix_end_labels, key);
	if (!label) {
		/* Not seen (yet): fall back to a stable string kept in the table. */
		label = key[0] == 'i' ? g_strdup_printf("inode:%s", key + 2) : g_strdup(key + 2);
		g_hash_table_insert(unix_end_labels, g_strdup(key), (gpointer)label);
		unix_end_gen++;
	}
	if (addr->len <= UNIX_RES_KEY_MAX) {
		guint i = unix_res_next++ % UNIX_RES_CACHE;
		unix_res_cache[i].gen = unix_end_gen;
		unix_res_cache[i].len = addr->len;
		memcpy(unix_res_cache[i].key, key, addr->len);
		unix_res_cache[i].label = label;
	}
	return label;
}

static int
unix_addr_name_res_len(void)
{
	return 256;
}

/*
 * An address key (file scope) that remembers which label it last saw in
 * unix_end_labels: while the table has not changed since, setting the same
 * label again costs nothing. Every key a unix_frame_t holds is one of these.
 */

static const char *
unix_new_key(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static const char *
unix_new_key(const char *fmt, ...)
{
	va_list ap;
	char *tmp;
	size_t n;
	unix_key_t *k;

	va_start(ap, fmt);
	tmp = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	n = strlen(tmp) + 1;
	k = (unix_key_t *)wmem_alloc(wmem_file_scope(), sizeof *k + n);
	k->label = NULL;
	k->gen = 0;
	memcpy(k->str, tmp, n);
	g_free(tmp);
	return k->str;
}

/* The label columns show for an address key (kept unless it changed). */
static void
unix_set_end_label(const char *key, const char *label)
{
	unix_key_t *k = UNIX_KEY(key);
	const char *cur;

	if (k->label == label && k->gen == unix_end_gen)
		return;
	cur = (const char *)g_hash_table_lookup(unix_end_labels, key);
	if (!cur || strcmp(cur, label) != 0) {
		g_hash_table_replace(unix_end_labels, g_strdup(key), g_strdup(label));
		unix_end_gen++;
	}
	k->label = label;
	k->gen = unix_end_gen;
}

static void
unix_set_address(address *addr, const char *key)
{
	set_address(addr, unix_address_type, (int)strlen(key) + 1, key);
}

/* ------------------------------------------------------------------------ */
/* TLV walker                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Walk the TLVs between UDS_REC_HDR_LEN and header_len. Called twice per
 * record: first with tree == NULL and build == FALSE to fill *rec (so that
 * the summary fields can go at the top of the tree), then with build == TRUE
 * to add the items and the expert info. Both walks see the same bytes and
 * make the same decisions.
 */

static int
unix_tlv_hf(guint16 type)
{
	switch (type) {
	case UDS_TLV_SOCKET: return hf_unix_tlv_socket;
	case UDS_TLV_TASK: return hf_unix_tlv_task;
	case UDS_TLV_PEER_CRED: return hf_unix_tlv_peer_cred;
	case UDS_TLV_PEER_TASK: return hf_unix_tlv_peer_task;
	case UDS_TLV_LOCAL_ADDR: return hf_unix_tlv_local_addr;
	case UDS_TLV_PEER_ADDR: return hf_unix_tlv_peer_addr;
	case UDS_TLV_DEST_ADDR: return hf_unix_tlv_dest_addr;
	case UDS_TLV_STREAM: return hf_unix_tlv_stream;
	case UDS_TLV_SCM_RIGHTS_FD: return hf_unix_tlv_scm_fd;
	case UDS_TLV_SCM_CREDS: return hf_unix_tlv_scm_creds;
	case UDS_TLV_CMSG_RAW: return hf_unix_tlv_cmsg;
	case UDS_TLV_LOSS: return hf_unix_tlv_loss;
	default: return hf_unix_tlv_value;
	}
}

static proto_item *
unix_tlv_tree(proto_tree *tree, tvbuff_t *tvb, int off, guint16 type, guint16 len,
    proto_tree **sub)
{
	proto_item *ti = proto_tree_add_none_format(tree, unix_tlv_hf(type), tvb, off,
	    UDS_TLV_HDR_LEN + len, "%s", val_to_str_const(type, unix_tlv_type_vals, "Unknown TLV"));
	*sub = proto_item_add_subtree(ti, ett_unix_tlv);
	proto_tree_add_item(*sub, hf_unix_tlv_type, tvb, off, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(*sub, hf_unix_tlv_length, tvb, off + 2, 2, ENC_LITTLE_ENDIAN);
	return ti;
}

/* Returns FALSE when the value is shorter than its fixed part. */
static gboolean
unix_tlv_check_len(packet_info *pinfo, proto_tree *sub, proto_item *ti, tvbuff_t *tvb,
    int voff, guint16 len, guint fixed, gboolean build, unix_record_t *rec)
{
	if (len < fixed) {
		rec->malformed = TRUE;
		if (build) {
			expert_add_info_format(pinfo, ti, &ei_unix_tlv_short,
			    "TLV value is %u bytes, shorter than its fixed size %u", len, fixed);
			if (len)
				proto_tree_add_item(sub, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		}
		return FALSE;
	}
	if (build && len > fixed)
		proto_tree_add_item(sub, hf_unix_tlv_extra, tvb, voff + fixed, len - fixed, ENC_NA);
	return TRUE;
}

static void
unix_walk_addr(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    int voff, guint16 len, int hf_kind, int hf_name, unix_addr_t *a, gboolean build,
    unix_record_t *rec)
{
	guint8 kind;
	guint nlen;

	if (len < 1) {
		/* No kind byte. */
		unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, 1, build, rec);
		return;
	}
	kind = tvb_get_uint8(tvb, voff);
	nlen = len - 1u;
	if (!build) {
		/* The second walk (build) sees the same bytes: *a is set by then. */
		a->present = TRUE;
		a->kind = kind;
		a->named = FALSE;
		a->display_fs = FALSE;
		/* An empty pathname is no name at all. */
		if (kind == UDS_ADDR_ABSTRACT || (kind == UDS_ADDR_PATHNAME && nlen > 0)) {
			const guint8 *p = tvb_get_ptr(tvb, voff + 1, nlen);
			a->display = unix_addr_display(pinfo, kind, p, nlen, &a->display_fs);
			a->named = TRUE;
		} else {
			a->display = "(unnamed)";
		}
		if (kind > UDS_ADDR_ABSTRACT || (kind == UDS_ADDR_UNNAMED && nlen > 0))
			rec->needs_build = TRUE;
		return;
	}
	proto_tree_add_item(sub, hf_kind, tvb, voff, 1, ENC_NA);
	proto_tree_add_string(sub, hf_name, tvb, voff + 1, nlen, a->display);
	proto_item_append_text(ti, ": %s", a->display);
	if (kind > UDS_ADDR_ABSTRACT)
		expert_add_info_format(pinfo, ti, &ei_unix_bad_addr_kind,
		    "Unknown address kind %u", kind);
	else if (kind == UDS_ADDR_UNNAMED && nlen > 0)
		expert_add_info_format(pinfo, ti, &ei_unix_bad_addr_kind,
		    "Unnamed address with %u name bytes", nlen);
}

static void
unix_walk_fd(tvbuff_t *tvb, packet_info *pinfo, proto_tree *rights_tree, int off,
    guint16 len, unix_record_t *rec)
{
	int voff = off + UDS_TLV_HDR_LEN;
	proto_item *ti;
	proto_tree *sub;
	gint32 fd;
	guint8 kind, fd_flags;
	guint64 dev;
	guint plen;
	static int * const fd_flag_fields[] = {
		&hf_unix_scm_rights_fd_flags_path_truncated,
		&hf_unix_scm_rights_fd_flags_unresolved,
		NULL
	};

	ti = proto_tree_add_none_format(rights_tree, hf_unix_tlv_scm_fd, tvb, off,
	    UDS_TLV_HDR_LEN + len, "Descriptor");
	sub = proto_item_add_subtree(ti, ett_unix_scm_rights_fd);
	proto_tree_add_item(sub, hf_unix_tlv_type, tvb, off, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(sub, hf_unix_tlv_length, tvb, off + 2, 2, ENC_LITTLE_ENDIAN);

	if (len < UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN) {
		rec->malformed = TRUE;
		expert_add_info_format(pinfo, ti, &ei_unix_tlv_short,
		    "SCM_RIGHTS descriptor is %u bytes, shorter than its fixed size %u",
		    len, UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN);
		if (len)
			proto_tree_add_item(sub, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		return;
	}
	fd = tvb_get_letohil(tvb, voff);
	kind = tvb_get_uint8(tvb, voff + 4);
	fd_flags = tvb_get_uint8(tvb, voff + 5);
	dev = tvb_get_letoh64(tvb, voff + 24);
	plen = len - UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN;

	proto_tree_add_item(sub, hf_unix_scm_rights_fd, tvb, voff, 4, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(sub, hf_unix_scm_rights_kind, tvb, voff + 4, 1, ENC_NA);
	proto_tree_add_bitmask(sub, tvb, voff + 5, hf_unix_scm_rights_fd_flags,
	    ett_unix_scm_rights_fd_flags, fd_flag_fields, ENC_NA);
	proto_tree_add_item(sub, hf_unix_scm_rights_sock_type, tvb, voff + 6, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(sub, hf_unix_scm_rights_mode, tvb, voff + 8, 4, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(sub, hf_unix_scm_rights_sock_family, tvb, voff + 12, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(sub, hf_unix_scm_rights_inode, tvb, voff + 16, 8, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(sub, hf_unix_scm_rights_dev, tvb, voff + 24, 8, ENC_LITTLE_ENDIAN);
	proto_item_set_generated(proto_tree_add_uint(sub, hf_unix_scm_rights_dev_major, tvb,
	    voff + 24, 8, (guint32)(dev >> 20)));
	proto_item_set_generated(proto_tree_add_uint(sub, hf_unix_scm_rights_dev_minor, tvb,
	    voff + 24, 8, (guint32)(dev & 0xfffff)));

	proto_item_set_text(ti, "Descriptor %d: %s", fd,
	    val_to_str_const(kind, unix_file_kind_vals, "unknown"));
	if (plen > 0 || !(fd_flags & UDS_FD_UNRESOLVED)) {
		const guint8 *p = tvb_get_ptr(tvb, voff + UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN, plen);
		char *path = unix_escape_name(pinfo->pool, p, plen);
		proto_tree_add_string(sub, hf_unix_scm_rights_path, tvb,
		    voff + UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN, plen, path);
		if (plen)
			proto_item_append_text(ti, " %s%s", path,
			    (fd_flags & UDS_FD_PATH_TRUNCATED) ? " (path cut short)" : "");
	}
	if (fd_flags & UDS_FD_UNRESOLVED) {
		proto_item_append_text(ti, " (not described)");
		expert_add_info(pinfo, ti, &ei_unix_fd_unresolved);
	}
}

static void
unix_walk_tlvs(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, unix_record_t *rec,
    gboolean build)
{
	int off = UDS_REC_HDR_LEN;
	int end = rec->header_len;
	guint32 seen = 0; /* bit per non-repeating TLV type seen */
	proto_item *rights_item = NULL;
	proto_tree *rights_tree = NULL;
	int rights_start = 0;
	guint n_fds = 0;
	/* The header is in the record (header_len <= captured length, checked
	 * by the caller), and every read below is inside a length checked
	 * against header_len first: read it directly. */
	const guint8 *hp = tvb_get_ptr(tvb, 0, end);

	while (off < end) {
		guint16 type, len;
		int voff;
		proto_item *ti = NULL;
		proto_tree *sub = NULL;
		gboolean repeated = FALSE;

		if (end - off < UDS_TLV_HDR_LEN) {
			rec->malformed = TRUE;
			if (build) {
				ti = proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, off, end - off, ENC_NA);
				expert_add_info_format(pinfo, ti, &ei_unix_tlv_overrun,
				    "%d bytes before header_len are too few for a TLV header", end - off);
			}
			break;
		}
		type = pletohu16(hp + off);
		len = pletohu16(hp + off + 2);
		voff = off + UDS_TLV_HDR_LEN;
		if (len > end - voff) {
			rec->malformed = TRUE;
			if (build) {
				proto_tree *t;
				ti = unix_tlv_tree(tree, tvb, off, type, (guint16)(end - voff), &t);
				expert_add_info_format(pinfo, ti, &ei_unix_tlv_overrun,
				    "TLV length %u runs past header_len (%d bytes left)", len, end - voff);
			}
			break;
		}

		if (type != UDS_TLV_SCM_RIGHTS_FD && type != UDS_TLV_CMSG_RAW && type <= 31) {
			if (seen & (1u << type))
				repeated = TRUE;
			seen |= 1u << type;
		}

		if (type == UDS_TLV_SCM_RIGHTS_FD) {
			n_fds++;
			rec->n_fds = n_fds;
			rec->needs_build = TRUE; /* descriptors may be unresolved */
			if (build) {
				if (!rights_item) {
					rights_start = off;
					rights_item = proto_tree_add_item(tree, hf_unix_scm_rights, tvb, off,
					    UDS_TLV_HDR_LEN + len, ENC_NA);
					rights_tree = proto_item_add_subtree(rights_item, ett_unix_scm_rights);
				} else {
					/* Extend the subtree over this descriptor too. */
					proto_item_set_len(rights_item, voff + len - rights_start);
				}
				unix_walk_fd(tvb, pinfo, rights_tree, off, len, rec);
			} else if (len < UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN) {
				rec->malformed = TRUE;
			}
			off = voff + len;
			continue;
		}

		if (build)
			ti = unix_tlv_tree(tree, tvb, off, type, len, &sub);
		if (repeated) {
			/* Only the first one counts. */
			rec->needs_build = TRUE;
			if (build)
				expert_add_info_format(pinfo, ti, &ei_unix_tlv_repeated,
				    "%s TLV repeated; only the first is used",
				    val_to_str_const(type, unix_tlv_type_vals, "Unknown"));
			off = voff + len;
			continue;
		}

		switch (type) {
		case UDS_TLV_SOCKET:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_SOCKET_LEN, build, rec))
				break;
			rec->has_socket = TRUE;
			rec->inode = pletohu64(hp + voff);
			rec->peer_inode = pletohu64(hp + voff + 8);
			rec->sock_type = pletohu16(hp + voff + 16);
			if (build) {
				proto_tree_add_item(sub, hf_unix_inode, tvb, voff, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_peer_inode, tvb, voff + 8, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_sock_type, tvb, voff + 16, 2, ENC_LITTLE_ENDIAN);
				proto_item_append_text(ti, ": inode %" PRIu64 ", peer %" PRIu64 ", %s",
				    rec->inode, rec->peer_inode,
				    val_to_str(pinfo->pool, rec->sock_type, unix_sock_type_vals, "type %u"));
			}
			break;

		case UDS_TLV_TASK:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_TASK_LEN, build, rec))
				break;
			rec->has_task = TRUE;
			rec->pid = pletohu32(hp + voff);
			rec->tid = pletohu32(hp + voff + 4);
			rec->uid = pletohu32(hp + voff + 8);
			rec->gid = pletohu32(hp + voff + 12);
			rec->start_ns = pletohu64(hp + voff + 16);
			/* comm: made into a string only when needed (tree, labels). */
			if (!build)
				rec->comm_off = voff + 24;
			else if (!rec->comm)
				rec->comm = unix_get_comm(pinfo->pool, tvb, voff + 24);
			if (build) {
				proto_tree_add_item(sub, hf_unix_task_pid, tvb, voff, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_task_tid, tvb, voff + 4, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_task_uid, tvb, voff + 8, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_task_gid, tvb, voff + 12, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_task_start, tvb, voff + 16, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_task_comm, tvb, voff + 24, UDS_COMM_LEN, ENC_ASCII);
				proto_item_append_text(ti, ": %s[%u] tid %u uid %u gid %u",
				    rec->comm, rec->pid, rec->tid, rec->uid, rec->gid);
			}
			break;

		case UDS_TLV_PEER_CRED:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_PEER_CRED_LEN, build, rec))
				break;
			rec->has_peer_cred = TRUE;
			rec->pc_pid = pletohu32(hp + voff);
			rec->pc_uid = pletohu32(hp + voff + 4);
			rec->pc_gid = pletohu32(hp + voff + 8);
			if (build) {
				proto_tree_add_item(sub, hf_unix_peer_cred_pid, tvb, voff, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_peer_cred_uid, tvb, voff + 4, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_peer_cred_gid, tvb, voff + 8, 4, ENC_LITTLE_ENDIAN);
				proto_item_append_text(ti, ": pid %u uid %u gid %u",
				    rec->pc_pid, rec->pc_uid, rec->pc_gid);
			}
			break;

		case UDS_TLV_PEER_TASK:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_PEER_TASK_LEN, build, rec))
				break;
			rec->has_peer_task = TRUE;
			rec->pt_pid = pletohu32(hp + voff);
			rec->pt_tid = pletohu32(hp + voff + 4);
			rec->pt_start_ns = pletohu64(hp + voff + 8);
			rec->pt_source = hp[voff + 16];
			if (!build)
				rec->pt_comm_off = voff + 20;
			else if (!rec->pt_comm)
				rec->pt_comm = unix_get_comm(pinfo->pool, tvb, voff + 20);
			if (build) {
				proto_tree_add_item(sub, hf_unix_peer_task_pid, tvb, voff, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_peer_task_tid, tvb, voff + 4, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_peer_task_start, tvb, voff + 8, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_peer_task_source, tvb, voff + 16, 1, ENC_NA);
				proto_tree_add_item(sub, hf_unix_peer_task_comm, tvb, voff + 20, UDS_COMM_LEN, ENC_ASCII);
				proto_item_append_text(ti, ": %s[%u]", rec->pt_comm, rec->pt_pid);
			}
			break;

		case UDS_TLV_LOCAL_ADDR:
			unix_walk_addr(tvb, pinfo, sub, ti, voff, len, hf_unix_local_addr_kind,
			    hf_unix_local_addr_name, &rec->local, build, rec);
			break;
		case UDS_TLV_PEER_ADDR:
			unix_walk_addr(tvb, pinfo, sub, ti, voff, len, hf_unix_peer_addr_kind,
			    hf_unix_peer_addr_name, &rec->peer, build, rec);
			break;
		case UDS_TLV_DEST_ADDR:
			unix_walk_addr(tvb, pinfo, sub, ti, voff, len, hf_unix_dest_addr_kind,
			    hf_unix_dest_addr_name, &rec->dest, build, rec);
			break;

		case UDS_TLV_STREAM:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_STREAM_LEN, build, rec))
				break;
			rec->has_stream = TRUE;
			rec->stream_offset = pletohu64(hp + voff);
			rec->msg_len = pletohu32(hp + voff + 8);
			rec->msg_offset = pletohu32(hp + voff + 12);
			rec->requested_len = pletohu32(hp + voff + 16);
			rec->syscall = pletohu16(hp + voff + 20);
			if (build) {
				proto_tree_add_item(sub, hf_unix_stream_offset, tvb, voff, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_msg_len, tvb, voff + 8, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_msg_offset, tvb, voff + 12, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_requested_len, tvb, voff + 16, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_syscall, tvb, voff + 20, 2, ENC_LITTLE_ENDIAN);
				proto_item_append_text(ti, ": offset %" PRIu64 ", message %u bytes (this part at %u), %s",
				    rec->stream_offset, rec->msg_len, rec->msg_offset,
				    val_to_str(pinfo->pool, rec->syscall, unix_syscall_vals, "syscall %u"));
			}
			break;

		case UDS_TLV_SCM_CREDS:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_SCM_CREDS_LEN, build, rec))
				break;
			rec->has_creds = TRUE;
			if (build) {
				proto_tree_add_item(sub, hf_unix_scm_creds_pid, tvb, voff, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_scm_creds_uid, tvb, voff + 4, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_scm_creds_gid, tvb, voff + 8, 4, ENC_LITTLE_ENDIAN);
				proto_item_append_text(ti, ": pid %u uid %u gid %u",
				    tvb_get_letohl(tvb, voff), tvb_get_letohl(tvb, voff + 4),
				    tvb_get_letohl(tvb, voff + 8));
			}
			break;

		case UDS_TLV_CMSG_RAW:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_CMSG_RAW_FIXED_LEN, FALSE, rec)) {
				if (build)
					unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len,
					    UDS_TLV_CMSG_RAW_FIXED_LEN, TRUE, rec);
				break;
			}
			rec->n_cmsg_raw++;
			if (build) {
				proto_tree_add_item(sub, hf_unix_cmsg_level, tvb, voff, 4, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_cmsg_type, tvb, voff + 4, 4, ENC_LITTLE_ENDIAN);
				if (len > UDS_TLV_CMSG_RAW_FIXED_LEN)
					proto_tree_add_item(sub, hf_unix_cmsg_data, tvb, voff + 8,
					    len - UDS_TLV_CMSG_RAW_FIXED_LEN, ENC_NA);
				proto_item_append_text(ti, ": level %d type %d, %u bytes",
				    tvb_get_letohil(tvb, voff), tvb_get_letohil(tvb, voff + 4),
				    len - UDS_TLV_CMSG_RAW_FIXED_LEN);
			}
			break;

		case UDS_TLV_LOSS:
			if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_LOSS_LEN, build, rec))
				break;
			rec->has_loss = TRUE;
			rec->loss_records = pletohu64(hp + voff);
			rec->loss_bytes = pletohu64(hp + voff + 8);
			rec->loss_total_records = pletohu64(hp + voff + 16);
			rec->loss_total_bytes = pletohu64(hp + voff + 24);
			if (build) {
				proto_tree_add_item(sub, hf_unix_loss_records, tvb, voff, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_loss_bytes, tvb, voff + 8, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_loss_total_records, tvb, voff + 16, 8, ENC_LITTLE_ENDIAN);
				proto_tree_add_item(sub, hf_unix_loss_total_bytes, tvb, voff + 24, 8, ENC_LITTLE_ENDIAN);
				proto_item_append_text(ti, ": %" PRIu64 " records, %" PRIu64 " bytes",
				    rec->loss_records, rec->loss_bytes);
			}
			break;

		default:
			/* Unknown types are skipped by their length. */
			rec->needs_build = TRUE;
			if (build) {
				if (len)
					proto_tree_add_item(sub, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
				expert_add_info_format(pinfo, ti, &ei_unix_tlv_unknown,
				    "Unknown TLV type %u (%u bytes) skipped", type, len);
			}
			break;
		}
		off = voff + len;
	}

	if (build && rights_item)
		proto_item_append_text(rights_item, " (%u descriptor%s)", n_fds,
		    plurality(n_fds, "", "s"));
	if (build && rights_tree) {
		proto_item *ci = proto_tree_add_uint(rights_tree, hf_unix_scm_rights_count, tvb, 0, 0, n_fds);
		proto_item_set_generated(ci);
	}
}

/* ------------------------------------------------------------------------ */
/* Per-frame analysis (first pass)                                           */
/* ------------------------------------------------------------------------ */

static const unix_addr_t *
unix_conn_addr(const unix_record_t *rec)
{
	if (rec->local.present && rec->local.named)
		return &rec->local;
	if (rec->peer.present && rec->peer.named)
		return &rec->peer;
	if (rec->dest.present && rec->dest.named)
		return &rec->dest;
	return NULL;
}

static gboolean
unix_covers_message(guint32 flags)
{
	return (flags & (UDS_F_NO_PAYLOAD_SOURCE | UDS_F_READ_FAULT |
	    UDS_F_METADATA_ONLY | UDS_F_TRUNCATED)) != 0;
}

static guint32
unix_new_stream(void)
{
	unix_stream_t *st = g_new0(unix_stream_t, 1);
	g_ptr_array_add(unix_stream_list, st);
	return unix_stream_count++;
}

static unix_stream_t *
unix_get_stream(guint32 idx)
{
	return idx < unix_stream_list->len ? (unix_stream_t *)g_ptr_array_index(unix_stream_list, idx) : NULL;
}

static void
unix_inode_set_stream(guint64 inode, guint32 stream, gboolean paired)
{
	unix_inode_stream_t *is = (unix_inode_stream_t *)g_hash_table_lookup(unix_inode_streams, &inode);
	if (!is) {
		guint64 *k = g_new(guint64, 1);
		*k = inode;
		is = g_new0(unix_inode_stream_t, 1);
		g_hash_table_insert(unix_inode_streams, k, is);
	}
	is->stream = stream;
	is->paired = paired;
}

/*
 * The stream (connection) index of a record, first pass only. Keyed on the
 * sorted pair of socket inodes, so that a fork or a descriptor handed to
 * another process keeps the connection's index. A stream socket that sends
 * before its peer is accept()ed has no peer inode yet (the kernel gives the
 * embryonic socket one only on accept): such records go to the stream of
 * their own inode, which the first record naming the pair then adopts.
 * Datagrams sent to an explicit destination are keyed on (inode, name).
 */
static guint32
unix_assign_stream(const unix_record_t *rec, const char *this_key, const char *peer_key)
{
	guint32 stream;
	gpointer v;
	char *skey;
	const char *a, *b;

	if (rec->peer_inode == 0 && !(rec->dest.present && rec->dest.named)) {
		unix_inode_stream_t *is = (unix_inode_stream_t *)g_hash_table_lookup(unix_inode_streams,
		    &rec->inode);
		if (is)
			return is->stream;
		stream = unix_new_stream();
		unix_inode_set_stream(rec->inode, stream, FALSE);
		return stream;
	}

	a = this_key;
	b = peer_key;
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	skey = g_strdup_printf("%s|%s", a, b);
	v = g_hash_table_lookup(unix_streams, skey);
	if (v) {
		g_free(skey);
		return GPOINTER_TO_UINT(v) - 1;
	}

	stream = G_MAXUINT32;
	if (rec->peer_inode != 0) {
		/* Adopt the stream of a record that did not know its peer yet. */
		guint64 inos[2];
		inos[0] = rec->inode;
		inos[1] = rec->peer_inode;
		for (int i = 0; i < 2 && stream == G_MAXUINT32; i++) {
			unix_inode_stream_t *is = (unix_inode_stream_t *)g_hash_table_lookup(
			    unix_inode_streams, &inos[i]);
			if (is && !is->paired)
				stream = is->stream;
		}
	}
	if (stream == G_MAXUINT32)
		stream = unix_new_stream();
	g_hash_table_insert(unix_streams, skey, GUINT_TO_POINTER(stream + 1));
	if (rec->peer_inode != 0) {
		unix_stream_t *st = unix_get_stream(stream);
		unix_inode_set_stream(rec->inode, stream, TRUE);
		unix_inode_set_stream(rec->peer_inode, stream, TRUE);
		if (st && !st->key_a) {
			st->key_a = g_strdup(this_key);
			st->key_b = g_strdup(peer_key);
		}
	}
	return stream;
}

static unix_sock_t *
unix_get_sock(guint64 inode)
{
	unix_sock_t *sk = (unix_sock_t *)wmem_map_lookup(unix_socks, &inode);
	if (!sk) {
		sk = wmem_new0(wmem_file_scope(), unix_sock_t);
		sk->inode = inode;
		sk->key = unix_new_key("i:%" PRIu64, inode);
		wmem_map_insert(unix_socks, &sk->inode, sk);
	}
	return sk;
}

static const char *
unix_sock_inode_label(unix_sock_t *sk)
{
	if (!sk->inode_label)
		sk->inode_label = wmem_strdup_printf(wmem_file_scope(), "inode:%" PRIu64, sk->inode);
	return sk->inode_label;
}

/*
 * One copy of each label text in the file: both ends of a connection name
 * the same tasks, and equal labels being the same pointer lets
 * unix_set_end_label and unix_addr_name_res answer without a lookup.
 */
static const char *
unix_intern_label(char *label)
{
	const char *have = (const char *)wmem_map_lookup(unix_labels, label);
	if (have) {
		wmem_free(wmem_file_scope(), label);
		return have;
	}
	wmem_map_insert(unix_labels, label, label);
	return label;
}

/*
 * "comm[pid]" for the comm[16] at off, the cached one while the comm bytes
 * and the pid stay the same; *c_comm is the comm as a string (file scope).
 */
static const char *
unix_cached_task_label(tvbuff_t *tvb, int off, guint32 pid, guint8 *c_raw, guint32 *c_pid,
    const char **c_comm, const char **c_label)
{
	const guint8 *raw = tvb_get_ptr(tvb, off, UDS_COMM_LEN);

	if (!*c_label || *c_pid != pid || memcmp(c_raw, raw, UDS_COMM_LEN) != 0) {
		*c_pid = pid;
		memcpy(c_raw, raw, UDS_COMM_LEN);
		*c_comm = unix_get_comm(wmem_file_scope(), tvb, off);
		*c_label = unix_intern_label((char *)unix_task_label(wmem_file_scope(), *c_comm, pid));
	}
	return *c_label;
}

static unix_frame_t *
unix_analyse(packet_info *pinfo, tvbuff_t *tvb, unix_record_t *rec)
{
	unix_frame_t *fr = wmem_new0(wmem_file_scope(), unix_frame_t);
	unix_sock_t *sk, *peer = NULL;
	const char *this_key, *peer_key = NULL;
	const char *this_label, *peer_label;

	if (!rec->has_socket)
		return fr;

	/* This socket's end. */
	sk = unix_get_sock(rec->inode);
	rec->sock = sk;
	this_key = sk->key;
	if (rec->has_task) {
		this_label = unix_cached_task_label(tvb, rec->comm_off, rec->pid, sk->task_raw,
		    &sk->task_pid, &sk->task_comm, &sk->task_label);
		rec->comm_fs = sk->task_comm;
	} else {
		this_label = unix_sock_inode_label(sk);
	}
	if (rec->has_task && rec->event != UDS_EV_RECV) {
		/* Remember who sends on this inode, for records whose peer is it. */
		sk->sender_label = this_label;
	}

	/* The other end. */
	if (rec->peer_inode != 0) {
		if (sk->peer && sk->peer_inode == rec->peer_inode) {
			peer = sk->peer;
		} else {
			peer = unix_get_sock(rec->peer_inode);
			sk->peer = peer;
			sk->peer_inode = rec->peer_inode;
			sk->pair_valid = FALSE;
		}
		peer_key = peer->key;
	} else if (rec->dest.present && rec->dest.named) {
		peer_key = unix_new_key("p:%s", rec->dest.display);
	} else if (rec->peer.present && rec->peer.named) {
		peer_key = unix_new_key("p:%s", rec->peer.display);
	}
	if (rec->has_peer_task) {
		peer_label = unix_cached_task_label(tvb, rec->pt_comm_off, rec->pt_pid, sk->pt_raw,
		    &sk->pt_pid, &sk->pt_comm, &sk->pt_label);
	} else if (peer && peer->sender_label) {
		/* The task this capture last saw sending on the peer socket. */
		peer_label = peer->sender_label;
	} else if (rec->has_peer_cred) {
		if (!sk->pc_label || sk->pc_pid != rec->pc_pid) {
			sk->pc_pid = rec->pc_pid;
			sk->pc_label = unix_intern_label(wmem_strdup_printf(wmem_file_scope(), "pid:%u",
			    rec->pc_pid));
		}
		peer_label = sk->pc_label;
	} else if (peer) {
		peer_label = unix_sock_inode_label(peer);
	} else if (peer_key) {
		peer_label = peer_key + 2;
	} else {
		peer_label = "(unknown)";
	}

	/* Data flows from the sender: RECV records are seen on the receiver. */
	if (rec->event == UDS_EV_RECV) {
		fr->src_key = peer_key;
		fr->src_label = peer_label;
		fr->dst_key = this_key;
		fr->dst_label = this_label;
	} else {
		fr->src_key = this_key;
		fr->src_label = this_label;
		fr->dst_key = peer_key;
		fr->dst_label = peer_label;
	}

	/* The stream of a pair of inodes never changes once assigned. */
	if (peer && sk->pair_valid) {
		fr->stream = sk->pair_stream;
	} else {
		fr->stream = unix_assign_stream(rec, this_key, peer_key);
		if (peer) {
			sk->pair_valid = TRUE;
			sk->pair_stream = fr->stream;
		}
	}
	fr->has_stream = TRUE;
	{
		/*
		 * Conversation-table ends: side A is the socket of the stream's
		 * first record, B the other one. Known from the first record on,
		 * even before the peer has an inode, so that a single pass lists
		 * each connection once.
		 */
		unix_stream_t *st = unix_get_stream(fr->stream);
		const char *own, *other;
		gboolean own_a = TRUE;
		if (st) {
			if (!st->has_first) {
				st->has_first = TRUE;
				st->first_inode = rec->inode;
			}
			own_a = st->first_inode == rec->inode;
			if (!st->conv_key[0]) {
				st->conv_key[0] = unix_new_key("s:%u:A", fr->stream);
				st->conv_key[1] = unix_new_key("s:%u:B", fr->stream);
			}
			own = st->conv_key[own_a ? 0 : 1];
			other = st->conv_key[own_a ? 1 : 0];
		} else {
			own = unix_new_key("s:%u:A", fr->stream);
			other = unix_new_key("s:%u:B", fr->stream);
		}
		fr->conv_src_key = rec->event == UDS_EV_RECV ? other : own;
		fr->conv_dst_key = rec->event == UDS_EV_RECV ? own : other;
	}

	/* Gap detection on the sending socket's byte count. */
	if (rec->has_stream && (rec->event == UDS_EV_DATA || rec->event == UDS_EV_CLOSE)) {
		unix_sock_state_t *st = &sk->gap;
		if (rec->flags & UDS_F_FIRST_SEEN)
			st->valid = FALSE;
		if (st->valid && rec->stream_offset > st->expected) {
			unix_frame_x(fr)->gap = rec->stream_offset - st->expected;
			unix_frame_x(fr)->gap_expected = st->expected;
		}
		if (rec->event == UDS_EV_DATA) {
			if (unix_covers_message(rec->flags)) {
				if (rec->flags & UDS_F_MORE) {
					/* Covers up to the next record: accept its offset. */
					st->valid = FALSE;
				} else {
					guint64 rest = rec->msg_len > rec->msg_offset ?
					    (guint64)(rec->msg_len - rec->msg_offset) : 0;
					if (rest < rec->payload_avail)
						rest = rec->payload_avail;
					st->expected = rec->stream_offset + rest;
					st->valid = TRUE;
				}
			} else {
				st->expected = rec->stream_offset + rec->payload_avail;
				st->valid = TRUE;
			}
		} else if (!st->valid || rec->stream_offset > st->expected) {
			st->expected = rec->stream_offset;
			st->valid = TRUE;
		}
	}
	(void)pinfo;
	return fr;
}

/* ------------------------------------------------------------------------ */
/* Payload                                                                   */
/* ------------------------------------------------------------------------ */

/* How an HTTP/1.x request or response starts. */
static const char *const http_starts[] = {
	"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
	"CONNECT ", "TRACE ", "HTTP/1.", NULL
};

static gboolean
unix_looks_like_http(tvbuff_t *tvb)
{
	guint avail = tvb_captured_length(tvb);
	guint8 c;
	if (avail == 0)
		return FALSE;
	/* Every method (and "HTTP/1.") starts with one of these. */
	c = tvb_get_uint8(tvb, 0);
	if (c != 'G' && c != 'P' && c != 'D' && c != 'H' && c != 'O' && c != 'C' && c != 'T')
		return FALSE;
	for (int i = 0; http_starts[i]; i++) {
		guint n = (guint)strlen(http_starts[i]);
		if (avail >= n && tvb_memeql(tvb, 0, (const guint8 *)http_starts[i], n) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
unix_looks_like_resp(tvbuff_t *tvb)
{
	guint avail = tvb_captured_length(tvb);
	guint8 c;
	if (avail < 3)
		return FALSE;
	c = tvb_get_uint8(tvb, 0);
	if (c == 0 || !strchr("*$+-:", c))
		return FALSE;
	/* A RESP element is CRLF-terminated; the first line must be. */
	return tvb_find_uint8(tvb, 1, MIN(avail - 1, 1024), '\n') > 0;
}

/*
 * Hand bytes to the next dissector, in this order:
 *   1. Decode As on the socket path (the "unix.path" table, tshark -d);
 *   2. heuristic dissectors registered on the "unix" list;
 *   3. built-in detection: HTTP/1.x (request or status line), RESP (Redis,
 *      through the tcp.port table, where it lives in 4.0);
 *   4. data.
 * Payload dissectors see which side is the server through the ports: the
 * server (the socket bound to the path) is UNIX_RESP_PORT, the client
 * UNIX_CLIENT_PORT, so that match_uint == destport means "request". They get
 * a struct tcpinfo as data (seq = stream offset, FIN when the stream ended),
 * the way TCP hands it over, and one conversation per unix.stream.
 *
 * Returns what the dissector asked for, TCP style: *dlen 0 when it took
 * everything, else the offset of the first byte it did not take and how much
 * more it needs (a count, DESEGMENT_ONE_MORE_SEGMENT or DESEGMENT_UNTIL_FIN).
 */
/*
 * RESP framing (the role get_pdu_len plays for tcp_dissect_pdus): the length
 * of the complete RESP value at off, -1 when more bytes are needed. RESP in
 * 4.0 asks for more from the middle of a command (the bulk string, not the
 * array), which splits pipelined commands; we hand it whole values only.
 */
static gint64
unix_resp_int(tvbuff_t *tvb, guint from, guint to, gboolean *ok)
{
	gint64 v = 0;
	gboolean neg = FALSE;
	*ok = FALSE;
	if (from < to && tvb_get_uint8(tvb, from) == '-') {
		neg = TRUE;
		from++;
	}
	for (guint i = from; i < to; i++) {
		guint8 c = tvb_get_uint8(tvb, i);
		if (c < '0' || c > '9' || v > G_GINT64_CONSTANT(1) << 40)
			return 0;
		v = v * 10 + (c - '0');
		*ok = TRUE;
	}
	return neg ? -v : v;
}

static gint64
unix_resp_value_len(tvbuff_t *tvb, guint off, int depth)
{
	guint avail = tvb_captured_length(tvb);
	gint eol;
	guint line, end;
	guint8 c;
	gint64 n;
	gboolean ok;

	if (off >= avail)
		return -1;
	eol = tvb_find_uint8(tvb, off, avail - off, '\n');
	if (eol < 0)
		return -1;
	line = (guint)eol + 1 - off;
	end = (guint)eol;
	if (end > off && tvb_get_uint8(tvb, end - 1) == '\r')
		end--;
	c = tvb_get_uint8(tvb, off);
	switch (c) {
	case '$': case '!': case '=':
		n = unix_resp_int(tvb, off + 1, end, &ok);
		if (!ok || n < 0)
			return line;
		if ((guint64)eol + 1 + (guint64)n + 2 > avail)
			return -1;
		return line + n + 2;
	case '*': case '~': case '>': case '%': case '|': {
		gint64 total = line;
		n = unix_resp_int(tvb, off + 1, end, &ok);
		if (!ok || n <= 0 || depth > 30)
			return line;
		if (c == '%' || c == '|')
			n *= 2;
		for (gint64 i = 0; i < n; i++) {
			gint64 l = unix_resp_value_len(tvb, off + (guint)total, depth + 1);
			if (l < 0)
				return l;
			total += l;
		}
		return total;
	}
	default:
		/* Simple values, and inline commands: one line. */
		return line;
	}
}

/* Could these few bytes become an HTTP or RESP start with more data? */
static gboolean
unix_maybe_prefix(tvbuff_t *tvb)
{
	guint avail = tvb_captured_length(tvb);
	guint8 c;

	if (avail == 0)
		return FALSE;
	c = tvb_get_uint8(tvb, 0);
	if (c && strchr("*$+-:", c))
		return avail < 1024 && tvb_find_uint8(tvb, 0, avail, '\n') < 0;
	for (int i = 0; http_starts[i]; i++) {
		guint n = (guint)strlen(http_starts[i]);
		if (avail < n && tvb_memeql(tvb, 0, (const guint8 *)http_starts[i], avail) == 0)
			return TRUE;
	}
	/* An HTTP request or status line not ended yet. */
	return unix_looks_like_http(tvb) && avail < 8192 &&
	    tvb_find_uint8(tvb, 0, avail, '\n') < 0;
}

static void
unix_call_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, const unix_frame_t *fr, guint64 seq, gboolean fin,
    gboolean reassembled, gboolean can_desegment, gboolean resync, guint8 *how, guint32 *doff,
    guint32 *dlen)
{
	gboolean sender_is_server = rec->local.present && rec->local.named;
	heur_dtbl_entry_t *hdtbl_entry;
	guint32 saved_src = pinfo->srcport, saved_dst = pinfo->destport;
	struct tcpinfo tcpinfo;
	guint32 len = tvb_reported_length(tvb);
	unix_stream_t *st = fr && fr->has_stream ? unix_get_stream(fr->stream) : NULL;
	dissector_handle_t hh = http_tcp_handle ? http_tcp_handle : http_handle;

	memset(&tcpinfo, 0, sizeof tcpinfo);
	tcpinfo.seq = (guint32)seq;
	tcpinfo.nxtseq = (guint32)(seq + len);
	tcpinfo.is_reassembled = reassembled;
	tcpinfo.flags = TH_ACK | (fin ? TH_FIN : 0);

	if (rec->event == UDS_EV_RECV)
		sender_is_server = !sender_is_server;
	pinfo->srcport = sender_is_server ? UNIX_RESP_PORT : UNIX_CLIENT_PORT;
	pinfo->destport = sender_is_server ? UNIX_CLIENT_PORT : UNIX_RESP_PORT;
	if (fr && fr->has_stream)
		conversation_set_elements_by_id(pinfo, CONVERSATION_NONE, fr->stream);
	pinfo->can_desegment = can_desegment ? 2 : 0;
	pinfo->desegment_offset = 0;
	pinfo->desegment_len = 0;

	TRY {
		gboolean done = FALSE;
		guint8 h = *how;
		/* Decode As on the path: looked up only when it can matter. */
		dissector_handle_t da = (h == UNIX_HOW_UNDECIDED || h == UNIX_HOW_DECODE_AS) &&
		    fr && fr->path ? dissector_get_string_handle(unix_path_table, fr->path) : NULL;

		if (h == UNIX_HOW_UNDECIDED) {
			/* First pass: decide, and remember for the later passes. */
			if (da)
				h = UNIX_HOW_DECODE_AS;
			else if (dissector_try_heuristic(unix_heur_list, tvb, pinfo, tree, &hdtbl_entry,
			    &tcpinfo)) {
				h = UNIX_HOW_HEUR;
				done = TRUE;
			} else if (hh && unix_looks_like_http(tvb))
				h = UNIX_HOW_HTTP;
			else if (tcp_port_table && unix_looks_like_resp(tvb))
				h = UNIX_HOW_RESP;
			else if (resync)
				h = UNIX_HOW_DATA; /* the middle of something lost in a gap */
			else if (can_desegment && unix_maybe_prefix(tvb))
				h = UNIX_HOW_WAIT;
			else if (st && st->proto)
				h = st->proto; /* the connection's protocol, as TCP's port */
			else
				h = UNIX_HOW_DATA;
			if (st && (h == UNIX_HOW_HTTP || h == UNIX_HOW_RESP))
				st->proto = h;
			*how = h;
		}
		if (!done) {
			switch (h) {
			case UNIX_HOW_DECODE_AS:
				if (da && da == http_handle && http_tcp_handle) {
					/* The stream flavour of HTTP: it knows FIN ends a body. */
					if (call_dissector_only(http_tcp_handle, tvb, pinfo, tree, &tcpinfo) <= 0 &&
					    !pinfo->desegment_len)
						call_data_dissector(tvb, pinfo, tree);
				} else if (!da || !dissector_try_string_with_data(unix_path_table, fr->path, tvb,
				    pinfo, tree, TRUE, &tcpinfo)) {
					call_data_dissector(tvb, pinfo, tree);
				}
				break;
			case UNIX_HOW_HEUR:
				if (!dissector_try_heuristic(unix_heur_list, tvb, pinfo, tree, &hdtbl_entry,
				    &tcpinfo))
					call_data_dissector(tvb, pinfo, tree);
				break;
			case UNIX_HOW_HTTP:
				if (!hh || (call_dissector_only(hh, tvb, pinfo, tree, &tcpinfo) <= 0 &&
				    !pinfo->desegment_len))
					call_data_dissector(tvb, pinfo, tree);
				break;
			case UNIX_HOW_RESP: {
				guint complete = len;
				tvbuff_t *t = tvb;
				if (can_desegment) {
					gint64 l;
					complete = 0;
					while (complete < len &&
					    (l = unix_resp_value_len(tvb, complete, 0)) > 0)
						complete += (guint)l;
					if (complete == 0) {
						pinfo->desegment_offset = 0;
						pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
						break;
					}
					if (complete < len)
						t = tvb_new_subset_length(tvb, 0, complete);
				}
				if (!tcp_port_table || !dissector_try_uint_with_data(tcp_port_table, UNIX_RESP_PORT,
				    t, pinfo, tree, TRUE, &tcpinfo))
					call_data_dissector(t, pinfo, tree);
				if (complete < len) {
					pinfo->desegment_offset = complete;
					pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
				} else {
					pinfo->desegment_len = 0;
				}
				break;
			}
			case UNIX_HOW_WAIT:
				pinfo->desegment_offset = 0;
				pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
				break;
			default:
				call_data_dissector(tvb, pinfo, tree);
				pinfo->desegment_len = 0;
				break;
			}
		}
	}
	CATCH_NONFATAL_ERRORS {
		/* A broken PDU: show it, and take it as dissected. */
		show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
		pinfo->desegment_len = 0;
	}
	ENDTRY;

	*doff = pinfo->desegment_offset;
	*dlen = can_desegment ? pinfo->desegment_len : 0;
	if (*dlen && *doff >= len) /* nothing left to wait for */
		*dlen = 0;
	pinfo->can_desegment = 0;
	pinfo->desegment_offset = 0;
	pinfo->desegment_len = 0;
	pinfo->srcport = saved_src;
	pinfo->destport = saved_dst;
}

static const fragment_items unix_frag_items = {
	&ett_unix_segment,
	&ett_unix_segments,
	&hf_unix_segments,
	&hf_unix_segment,
	&hf_unix_segment_overlap,
	&hf_unix_segment_overlap_conflict,
	&hf_unix_segment_multiple_tails,
	&hf_unix_segment_too_long,
	&hf_unix_segment_error,
	&hf_unix_segment_count,
	&hf_unix_reassembled_in,
	&hf_unix_reassembled_length,
	&hf_unix_reassembled_data,
	"Segments"
};

static gpointer
unix_reasm_key(const packet_info *pinfo _U_, const guint32 id, const void *data _U_)
{
	/* Ids are unique in the file: nothing else goes into the key. */
	return GUINT_TO_POINTER(id);
}

static void
unix_reasm_free_key(gpointer key _U_)
{
}

static const reassembly_table_functions unix_reasm_funcs = {
	g_direct_hash, g_direct_equal, unix_reasm_key, unix_reasm_key,
	unix_reasm_free_key, unix_reasm_free_key
};

static unix_call_t *
unix_add_call(unix_frame_t *fr, guint8 kind)
{
	unix_call_t *c = wmem_new0(wmem_file_scope(), unix_call_t);
	c->kind = kind;
	unix_call_t **pp = &fr->calls;
	while (*pp) /* one or two calls */
		pp = &(*pp)->next;
	*pp = c;
	return c;
}

/*
 * Make a call: DIRECT on the record's payload from c->off on, MSP on the
 * first c->len bytes of reassembly c->id. Used on the first pass (which then
 * looks at what the dissector asked for) and to replay the same call later.
 */
static void
unix_make_call(unix_call_t *c, tvbuff_t *seg, packet_info *pinfo, proto_tree *tree,
    proto_tree *unix_tree, const unix_record_t *rec, const unix_frame_t *fr,
    guint32 *doff, guint32 *dlen, tvbuff_t **reasm_out)
{
	tvbuff_t *t;
	*doff = 0;
	*dlen = 0;
	if (reasm_out)
		*reasm_out = NULL;
	if (c->kind == UNIX_CALL_DIRECT) {
		t = c->off ? tvb_new_subset_remaining(seg, c->off) : seg;
		unix_call_payload(t, pinfo, tree, rec, fr, c->seq, c->fin, FALSE, c->can_desegment,
		    c->resync, &c->how, doff, dlen);
		return;
	}
	fragment_head *fh = fragment_get(&unix_reassembly_table, pinfo, c->id, NULL);
	if (!fh || !fh->tvb_data || tvb_reported_length(fh->tvb_data) < c->len)
		return;
	t = tvb_new_subset_length(tvb_new_chain(seg, fh->tvb_data), 0, c->len);
	add_new_data_source(pinfo, t, "Reassembled UNIX segments");
	if (c->done) {
		proto_item *fi;
		show_fragment_tree(fh, &unix_frag_items, unix_tree, pinfo, t, &fi);
	}
	if (reasm_out)
		*reasm_out = t;
	unix_call_payload(t, pinfo, tree, rec, fr, c->seq, c->fin, TRUE, c->can_desegment, FALSE,
	    &c->how, doff, dlen);
}

static unix_dir_t *
unix_get_dir(guint64 key, gboolean create)
{
	unix_dir_t *d = (unix_dir_t *)g_hash_table_lookup(unix_dirs, &key);
	if (!d && create) {
		guint64 *k = g_new(guint64, 1);
		*k = key;
		d = g_new0(unix_dir_t, 1);
		g_hash_table_insert(unix_dirs, k, d);
	}
	return d;
}

static void
unix_msp_set_mode(unix_dir_t *d, guint32 dlen, guint64 end)
{
	if (dlen == DESEGMENT_ONE_MORE_SEGMENT) {
		d->mode = UNIX_MSP_ONE_MORE;
	} else if (dlen == DESEGMENT_UNTIL_FIN) {
		d->mode = UNIX_MSP_UNTIL_FIN;
	} else {
		d->mode = UNIX_MSP_EXACT;
		d->need = end + dlen;
	}
}

/* Start a pending PDU with bytes [off, off + n) of t (first pass). */
static void
unix_msp_start(unix_dir_t *d, tvbuff_t *t, guint32 off, guint32 n, packet_info *pinfo,
    unix_frame_t *fr, guint64 seq)
{
	d->msp = TRUE;
	d->id = ++unix_msp_count;
	d->first_frame = pinfo->num;
	d->start = seq;
	d->have = n;
	fragment_add(&unix_reassembly_table, t, off, pinfo, d->id, NULL, 0, n, TRUE);
	fr->seg_id = d->id;
}

static void
unix_note_gap(unix_frame_t *fr, unix_dir_t *d, guint64 missing, guint64 at)
{
	unix_frame_extra_t *x = unix_frame_x(fr);
	x->reasm_gap = missing;
	x->reasm_gap_at = at;
	x->reasm_gap_frame = d->first_frame;
	x->reasm_gap_have = d->have;
	d->msp = FALSE;
}

/*
 * First pass: the bytes of one record (seg, starting at stream offset seq0)
 * on a byte stream, TCP style. more_follows: the engine split the message
 * and further records of it follow (MORE): no PDU is tried before the
 * message ends.
 */
static void
unix_reassemble_stream(tvbuff_t *seg, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr, unix_dir_t *d, guint64 seq0,
    gboolean more_follows)
{
	guint32 len = tvb_reported_length(seg);
	guint32 off = 0;
	guint32 doff, dlen;

	if (rec->flags & UDS_F_FIRST_SEEN) {
		d->msp = FALSE;
		d->next_valid = FALSE;
	}
	if (d->next_valid && seq0 != d->next) {
		if (seq0 > d->next && d->msp)
			unix_note_gap(fr, d, seq0 - d->next, d->next);
		if (seq0 > d->next)
			d->resync = TRUE;
		d->msp = FALSE;
	}
	d->next = seq0 + len;
	d->next_valid = TRUE;

	while (off < len) {
		if (d->msp) {
			guint32 take = len - off;
			gboolean more;
			fragment_head *fh;
			tvbuff_t *reasm;
			unix_call_t *c;

			if (d->mode == UNIX_MSP_EXACT) {
				guint64 want = d->need - (seq0 + off);
				if (want < take)
					take = (guint32)want;
				more = seq0 + off + take < d->need;
			} else if (d->mode == UNIX_MSP_UNTIL_FIN) {
				more = TRUE;
			} else {
				more = more_follows;
			}
			fh = fragment_add(&unix_reassembly_table, seg, off, pinfo, d->id, NULL, d->have,
			    take, more);
			d->have += take;
			off += take;
			fr->seg_id = d->id;
			if (more)
				break;
			if (!fh || !fh->tvb_data) { /* cannot happen; give up on it */
				d->msp = FALSE;
				continue;
			}
			c = unix_add_call(fr, UNIX_CALL_MSP);
			c->id = d->id;
			c->len = d->have;
			c->seq = d->start;
			c->can_desegment = TRUE;
			/* Optimistic: marks the fragment tree; undone if it wants more. */
			c->done = TRUE;
			unix_make_call(c, seg, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, &reasm);
			if (!dlen) {
				c->consumed = TRUE;
				g_hash_table_insert(unix_msp_done, GUINT_TO_POINTER(d->id),
				    GUINT_TO_POINTER(pinfo->num));
				d->msp = FALSE;
				fr->seg_id = 0;
				continue;
			}
			if (doff == 0) {
				/* Not one PDU yet: keep collecting. */
				c->done = FALSE;
				fragment_set_partial_reassembly(&unix_reassembly_table, pinfo, d->id, NULL);
				unix_msp_set_mode(d, dlen, d->start + d->have);
				continue;
			}
			/* PDUs up to doff; the rest begins the next one. */
			c->consumed = TRUE;
			g_hash_table_insert(unix_msp_done, GUINT_TO_POINTER(d->id), GUINT_TO_POINTER(pinfo->num));
			{
				guint32 old_have = d->have;
				guint64 end = d->start + old_have;
				if (!reasm) {
					d->msp = FALSE;
					continue;
				}
				unix_msp_start(d, reasm, doff, old_have - doff, pinfo, fr, d->start + doff);
				unix_msp_set_mode(d, dlen, end);
			}
			continue;
		}

		if (more_follows) {
			/* The message goes on in the next record: wait for it. */
			unix_msp_start(d, seg, off, len - off, pinfo, fr, seq0 + off);
			d->mode = UNIX_MSP_ONE_MORE;
			break;
		}
		{
			unix_call_t *c = unix_add_call(fr, UNIX_CALL_DIRECT);
			c->off = off;
			c->seq = seq0 + off;
			c->can_desegment = TRUE;
			c->resync = d->resync;
			unix_make_call(c, seg, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, NULL);
			if (c->how != UNIX_HOW_DATA)
				d->resync = FALSE;
			c->consumed = dlen == 0 || doff > 0;
			if (!dlen)
				break;
			unix_msp_start(d, seg, off + doff, len - off - doff, pinfo, fr, seq0 + off + doff);
			unix_msp_set_mode(d, dlen, seq0 + len);
			break;
		}
	}
}

/*
 * First pass: a message on a datagram or seqpacket socket. Messages are
 * never joined, except the records of one message that the engine split
 * (MORE).
 */
static void
unix_reassemble_message(tvbuff_t *seg, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr, unix_dir_t *d, gboolean more_follows)
{
	guint32 len = tvb_reported_length(seg);
	guint32 doff, dlen;
	unix_call_t *c;

	if (d->msp) {
		if (rec->msg_offset == d->have && rec->msg_offset > 0) {
			fragment_head *fh = fragment_add(&unix_reassembly_table, seg, 0, pinfo, d->id, NULL,
			    d->have, len, more_follows);
			d->have += len;
			fr->seg_id = d->id;
			if (more_follows)
				return;
			d->msp = FALSE;
			if (!fh || !fh->tvb_data)
				return;
			c = unix_add_call(fr, UNIX_CALL_MSP);
			c->id = d->id;
			c->len = d->have;
			c->seq = d->start;
			c->done = TRUE;
			c->consumed = TRUE;
			g_hash_table_insert(unix_msp_done, GUINT_TO_POINTER(d->id), GUINT_TO_POINTER(pinfo->num));
			fr->seg_id = 0;
			unix_make_call(c, seg, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, NULL);
			return;
		}
		/* The rest of the pending message is missing. */
		unix_note_gap(fr, d, rec->msg_offset > d->have ? rec->msg_offset - d->have : 0,
		    d->start + d->have);
	}
	if (more_follows && rec->msg_offset == 0) {
		unix_msp_start(d, seg, 0, len, pinfo, fr, rec->stream_offset);
		d->mode = UNIX_MSP_MESSAGE;
		return;
	}
	c = unix_add_call(fr, UNIX_CALL_DIRECT);
	c->seq = rec->stream_offset;
	c->consumed = TRUE;
	unix_make_call(c, seg, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, NULL);
}

/*
 * First pass: the end of a direction (SHUTDOWN, inferred from the reader's
 * end of file, or CLOSE; both carry the writer's final offset). A pending PDU
 * gets its last chance, with FIN set (HTTP ends close-delimited bodies so).
 */
static void
unix_stream_fin(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr)
{
	unix_dir_t *d = unix_get_dir(rec->inode, FALSE);
	fragment_head *fh;
	unix_call_t *c;
	guint32 doff, dlen;

	if (!d || !d->msp || d->mode == UNIX_MSP_MESSAGE)
		return;
	if (rec->has_stream && d->next_valid && rec->stream_offset > d->next) {
		unix_note_gap(fr, d, rec->stream_offset - d->next, d->next);
		return;
	}
	fh = fragment_add(&unix_reassembly_table, tvb, 0, pinfo, d->id, NULL, d->have, 0, FALSE);
	d->msp = FALSE;
	if (!fh || !fh->tvb_data)
		return;
	c = unix_add_call(fr, UNIX_CALL_MSP);
	c->id = d->id;
	c->len = d->have;
	c->seq = d->start;
	c->fin = TRUE;
	c->can_desegment = TRUE;
	c->done = TRUE;
	unix_make_call(c, tvb, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, NULL);
	if (dlen && doff == 0) {
		c->done = FALSE;
		unix_frame_x(fr)->reasm_incomplete = TRUE;
		unix_frame_x(fr)->reasm_incomplete_frame = d->first_frame;
	} else {
		c->consumed = TRUE;
		g_hash_table_insert(unix_msp_done, GUINT_TO_POINTER(d->id), GUINT_TO_POINTER(pinfo->num));
	}
}

/* First pass: the payload of a DATA or RECV record. */
static void
unix_payload_first(tvbuff_t *seg, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr)
{
	gboolean more = (rec->flags & UDS_F_MORE) != 0;
	guint64 key;
	unix_dir_t *d;

	if (!rec->has_socket || !rec->has_stream) {
		guint32 doff, dlen;
		unix_call_t *c = unix_add_call(fr, UNIX_CALL_DIRECT);
		c->consumed = TRUE;
		unix_make_call(c, seg, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, NULL);
		return;
	}
	if (rec->event == UDS_EV_RECV) {
		if (rec->peer_inode && unix_get_dir(rec->peer_inode, FALSE)) {
			/* The sender's records carry these bytes already. */
			fr->payload_as_data = TRUE;
			call_data_dissector(seg, pinfo, tree);
			return;
		}
		key = rec->inode | UNIX_DIR_RECV;
		d = unix_get_dir(key, TRUE);
	} else if (rec->sock) {
		if (!rec->sock->dir)
			rec->sock->dir = unix_get_dir(rec->inode, TRUE);
		d = (unix_dir_t *)rec->sock->dir;
	} else {
		d = unix_get_dir(rec->inode, TRUE);
	}
	if (rec->sock_type == 1)
		unix_reassemble_stream(seg, pinfo, tree, unix_tree, rec, fr, d, rec->stream_offset, more);
	else
		unix_reassemble_message(seg, pinfo, tree, unix_tree, rec, fr, d, more);
}

/* Later passes: the same calls on the same bytes. */
static void
unix_replay_calls(tvbuff_t *seg, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr)
{
	guint32 doff, dlen;
	for (unix_call_t *c = fr->calls; c; c = c->next)
		unix_make_call(c, seg, pinfo, tree, unix_tree, rec, fr, &doff, &dlen, NULL);
}

static gboolean
unix_any_consumed(const unix_frame_t *fr)
{
	for (const unix_call_t *c = fr->calls; c; c = c->next)
		if (c->consumed)
			return TRUE;
	return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Receive side: who read what was sent                                      */
/* ------------------------------------------------------------------------ */

static void
unix_writer_free(gpointer p)
{
	unix_writer_t *w = (unix_writer_t *)p;
	g_array_free(w->sent, TRUE);
	g_free(w);
}

static unix_writer_t *
unix_get_writer(guint64 inode, gboolean create)
{
	unix_writer_t *w = (unix_writer_t *)g_hash_table_lookup(unix_writers, &inode);
	if (!w && create) {
		guint64 *k = g_new(guint64, 1);
		*k = inode;
		w = g_new0(unix_writer_t, 1);
		w->sent = g_array_new(FALSE, FALSE, sizeof(unix_sent_t));
		g_hash_table_insert(unix_writers, k, w);
	}
	return w;
}

/* First pass: remember a send's byte range. */
static void
unix_note_send(packet_info *pinfo, const unix_record_t *rec, unix_frame_t *fr)
{
	unix_writer_t *w;
	unix_sent_t e;
	guint64 covered = rec->payload_avail;

	if (!rec->has_socket || !rec->has_stream)
		return;
	if (unix_covers_message(rec->flags)) {
		guint64 rest = rec->msg_len > rec->msg_offset ? (guint64)(rec->msg_len - rec->msg_offset) : 0;
		if (rest > covered)
			covered = rest;
	}
	if (!covered)
		return;
	if (rec->sock) {
		if (!rec->sock->writer)
			rec->sock->writer = unix_get_writer(rec->inode, TRUE);
		w = (unix_writer_t *)rec->sock->writer;
	} else {
		w = unix_get_writer(rec->inode, TRUE);
	}
	if (rec->flags & UDS_F_FIRST_SEEN) {
		g_array_set_size(w->sent, 0);
		w->cursor = 0;
	}
	e.start = rec->stream_offset;
	e.end = rec->stream_offset + covered;
	e.frame = pinfo->num;
	e.fr = fr;
	g_array_append_val(w->sent, e);
	if (rec->sock_type != 1 && rec->peer_inode && !(rec->flags & UDS_F_MORE)) {
		/* Datagrams also queue at the receiving socket, in order. */
		unix_writer_t *q = unix_get_writer(rec->peer_inode | UNIX_DIR_RECV, TRUE);
		g_array_append_val(q->sent, e);
	}
}

/*
 * First pass: a read on a stream socket covers reader offsets [r0, r1),
 * which for a connection made during the capture are the writer's offsets
 * of the same bytes: link it with the sends it read.
 */
static void
unix_note_recv(packet_info *pinfo, const unix_record_t *rec, unix_frame_t *fr)
{
	unix_writer_t *w;
	guint64 r0, r1;

	unix_seen_recv = TRUE;
	if (!rec->has_socket || !rec->has_stream || rec->msg_len == 0)
		return;
	if (rec->sock_type != 1) {
		/* Datagrams: a read takes the oldest message queued at this socket. */
		w = unix_get_writer(rec->inode | UNIX_DIR_RECV, FALSE);
		if (!w || w->cursor >= w->sent->len)
			return;
		r0 = g_array_index(w->sent, unix_sent_t, w->cursor).start;
		r1 = g_array_index(w->sent, unix_sent_t, w->cursor).end;
		goto link;
	}
	if (rec->peer_inode == 0)
		return;
	if (rec->sock && rec->sock->peer && rec->sock->peer_inode == rec->peer_inode) {
		unix_sock_t *peer = rec->sock->peer;
		if (!peer->writer)
			peer->writer = unix_get_writer(rec->peer_inode, TRUE);
		w = (unix_writer_t *)peer->writer;
	} else {
		w = unix_get_writer(rec->peer_inode, TRUE);
	}
	r0 = rec->stream_offset;
	r1 = r0 + rec->msg_len;
	w->read_any = TRUE;
	if (r1 > w->read_end)
		w->read_end = r1;
link:
	for (guint i = w->cursor; i < w->sent->len; i++) {
		unix_sent_t *e = &g_array_index(w->sent, unix_sent_t, i);
		unix_frame_t *sfr = (unix_frame_t *)e->fr;
		unix_reader_t *rd, **pp;
		if (e->start >= r1)
			break;
		if (e->end <= r0)
			continue;
		if (!fr->sent1) {
			fr->sent1 = e->frame;
		} else {
			if (!fr->sent_in)
				fr->sent_in = wmem_array_new(wmem_file_scope(), sizeof(guint32));
			wmem_array_append_one(fr->sent_in, e->frame);
		}
		rd = wmem_new0(wmem_file_scope(), unix_reader_t);
		rd->frame = pinfo->num;
		rd->pid = rec->has_task ? rec->pid : 0;
		rd->comm = !rec->has_task ? "?" : rec->comm_fs ? rec->comm_fs
		    : rec->comm ? wmem_strdup(wmem_file_scope(), rec->comm) : "?";
		for (pp = &sfr->readers; *pp; pp = &(*pp)->next)
			;
		*pp = rd;
		if (e->end <= r1 && i == w->cursor)
			w->cursor = i + 1;
	}
}

static void
unix_show_links(tvbuff_t *tvb, packet_info *pinfo, proto_tree *unix_tree, const unix_record_t *rec,
    unix_frame_t *fr)
{
	if (rec->event == UDS_EV_DATA && fr->readers) {
		for (unix_reader_t *rd = fr->readers; rd; rd = rd->next) {
			proto_item *ti = proto_tree_add_none_format(unix_tree, hf_unix_reader, tvb, 0, 0,
			    "Read by %s[%u] in frame %u", rd->comm, rd->pid, rd->frame);
			proto_tree *t = proto_item_add_subtree(ti, ett_unix_reader);
			proto_item_set_generated(ti);
			proto_item_set_generated(proto_tree_add_uint(t, hf_unix_reader_pid, tvb, 0, 0, rd->pid));
			proto_item_set_generated(proto_tree_add_string(t, hf_unix_reader_comm, tvb, 0, 0, rd->comm));
			proto_item_set_generated(proto_tree_add_uint(t, hf_unix_reader_frame, tvb, 0, 0, rd->frame));
		}
	}
	if (rec->event == UDS_EV_RECV && fr->sent1) {
		guint n = fr->sent_in ? wmem_array_get_count(fr->sent_in) : 0;
		proto_item_set_generated(proto_tree_add_uint(unix_tree, hf_unix_sent_in, tvb, 0, 0, fr->sent1));
		for (guint i = 0; i < n; i++) {
			guint32 f = *(guint32 *)wmem_array_index(fr->sent_in, i);
			proto_item_set_generated(proto_tree_add_uint(unix_tree, hf_unix_sent_in, tvb, 0, 0, f));
		}
	}
	if ((rec->event == UDS_EV_SHUTDOWN || rec->event == UDS_EV_CLOSE) && rec->has_stream &&
	    rec->has_socket && rec->sock_type == 1 && unix_seen_recv &&
	    (PINFO_FD_VISITED(pinfo) || (rec->flags & UDS_F_INFERRED))) {
		unix_writer_t *w = unix_get_writer(rec->inode, FALSE);
		guint64 read_end = w ? w->read_end : 0;
		if (rec->stream_offset > read_end) {
			proto_item *ui = proto_tree_add_uint64(unix_tree, hf_unix_unread, tvb, 0, 0,
			    rec->stream_offset - read_end);
			proto_item_set_generated(ui);
			expert_add_info_format(pinfo, ui, &ei_unix_unread,
			    "%" PRIu64 " bytes sent were never read (final offset %" PRIu64
			    ", read up to %" PRIu64 ")", rec->stream_offset - read_end,
			    rec->stream_offset, read_end);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Main dissector                                                            */
/* ------------------------------------------------------------------------ */

static gboolean
unix_magic_ok(tvbuff_t *tvb)
{
	return tvb_captured_length(tvb) >= 4 &&
	    tvb_get_uint8(tvb, 0) == UDS_REC_MAGIC0 &&
	    tvb_get_uint8(tvb, 1) == UDS_REC_MAGIC1 &&
	    tvb_get_uint8(tvb, 2) == UDS_REC_MAGIC2 &&
	    tvb_get_uint8(tvb, 3) == UDS_REC_MAGIC3;
}

static void
unix_add_header(proto_tree *tree, tvbuff_t *tvb, proto_item **hl_item, proto_item **pl_item)
{
	static int * const flag_fields[] = {
		&hf_unix_flags_truncated,
		&hf_unix_flags_more,
		&hf_unix_flags_oob,
		&hf_unix_flags_partial,
		&hf_unix_flags_first_seen,
		&hf_unix_flags_joined_midstream,
		&hf_unix_flags_no_payload_source,
		&hf_unix_flags_inferred,
		&hf_unix_flags_cmsg_truncated,
		&hf_unix_flags_read_fault,
		&hf_unix_flags_metadata_only,
		NULL
	};
	proto_tree_add_item(tree, hf_unix_event, tvb, 5, 1, ENC_NA);
	*hl_item = proto_tree_add_item(tree, hf_unix_header_len, tvb, 6, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_bitmask(tree, tvb, 8, hf_unix_flags, ett_unix_flags, flag_fields,
	    ENC_LITTLE_ENDIAN);
	*pl_item = proto_tree_add_item(tree, hf_unix_payload_len, tvb, 12, 4, ENC_LITTLE_ENDIAN);
}

#define UNIX_INFO_NPARTS 16

/*
 * The Info column: the parts (and tail, if any) joined in pinfo->pool, and
 * the column pointed at it (col_set_str copies nothing); what col_add_str
 * would show, which cuts the text at COL_MAX_INFO_LEN - 1 bytes.
 */
/*
 * Parts 0-6 of the Info text ("[EVENT ]src -> dst path") as one string kept
 * by the stream while they stay the same strings: parts 0-6 become that
 * string and six empty ones.
 */
static void
unix_info_prefix(const unix_frame_t *fr, const char **ip, guint8 event)
{
	unix_stream_t *st;
	const char *ev = event == UDS_EV_DATA ? "" : try_val_to_str(event, unix_event_vals);
	const char *text;

	if (!ev || !fr->has_stream || !fr->src_label || !fr->path ||
	    !(st = unix_get_stream(fr->stream)))
		return; /* not all of them are file scope strings */
	for (guint i = 0; i < G_N_ELEMENTS(st->info); i++) {
		if (st->info[i].text && st->info[i].ev == ev && st->info[i].src == fr->src_label &&
		    st->info[i].dst == ip[4] && st->info[i].path == fr->path) {
			text = st->info[i].text;
			goto found;
		}
	}
	{
		guint i = st->info_next++ % G_N_ELEMENTS(st->info);
		text = wmem_strconcat(wmem_file_scope(), ev, *ev ? " " : "", fr->src_label, " -> ",
		    ip[4], " ", fr->path, NULL);
		st->info[i].ev = ev;
		st->info[i].src = fr->src_label;
		st->info[i].dst = ip[4];
		st->info[i].path = fr->path;
		st->info[i].text = text;
	}
found:
	ip[0] = text;
	for (guint i = 1; i <= 6; i++)
		ip[i] = "";
}

static void
unix_set_info(packet_info *pinfo, const char **parts, const char *tail)
{
	gsize len[UNIX_INFO_NPARTS + 1], total = 0, pos = 0;
	const char *p[UNIX_INFO_NPARTS + 1];
	guint n = UNIX_INFO_NPARTS;
	char *s;

	if (!pinfo->cinfo)
		return;
	memcpy(p, parts, sizeof(p[0]) * UNIX_INFO_NPARTS);
	if (tail)
		p[n++] = tail;
	for (guint i = 0; i < n; i++) {
		if (!p[i])
			p[i] = "(null)"; /* as printf showed it */
		len[i] = p[i][0] ? strlen(p[i]) : 0;
		total += len[i];
	}
	s = (char *)wmem_alloc(pinfo->pool, total + 1);
	for (guint i = 0; i < n; i++) {
		memcpy(s + pos, p[i], len[i]);
		pos += len[i];
	}
	s[total] = '\0';
	if (total < COL_MAX_INFO_LEN)
		col_set_str(pinfo->cinfo, COL_INFO, s);
	else
		col_add_str(pinfo->cinfo, COL_INFO, s);
}

/* ------------------------------------------------------------------------ */
/* ENGINE records (doc/FORMAT.md, "Engine records")                          */
/* ------------------------------------------------------------------------ */

/*
 * Which engine made the capture, on which kernel, what it does without and
 * what it cannot see. Not traffic: no stream, conversation, tap, follow or
 * reassembly, so they are dissected apart from the records of sockets.
 */
static int hf_unix_engine_kernel = -1;
static int hf_unix_engine_rung = -1;
static int hf_unix_engine_missing = -1;
static int hf_unix_engine_missing_source = -1;
static int hf_unix_engine_missing_reason = -1;
static int hf_unix_engine_blind = -1;
static int hf_unix_engine_version = -1;
static int hf_unix_engine_reason = -1;
static gint ett_unix_engine_missing = -1;

static const value_string unix_engine_missing_vals[] = {
	{ UDS_MISSING_KERNEL, "the kernel lacks it" },
	{ UDS_MISSING_WITHOUT, "hidden by --without" },
	{ 0, NULL }
};

/* What an ENGINE record said, for the Info column. */
typedef struct {
	const char *kernel, *rung;
	wmem_strbuf_t *missing; /* "a missing, b hidden" */
	guint32 seen;           /* bit per text TLV type seen */
} unix_engine_t;

static const char *
unix_engine_text(packet_info *pinfo, tvbuff_t *tvb, int off, guint len)
{
	return unix_escape_name(pinfo->pool, tvb_get_ptr(tvb, off, len), len);
}

/* One ENGINE_MISSING: u8 source, u8 name_len, name, reason. */
static void
unix_engine_missing(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int voff, guint16 len,
    unix_engine_t *eng, unix_record_t *rec)
{
	proto_item *ti;
	proto_tree *sub;
	guint8 source, name_len;
	const char *name, *reason;

	if (len < UDS_TLV_ENGINE_MISSING_FIXED_LEN ||
	    tvb_get_uint8(tvb, voff + 1) > len - UDS_TLV_ENGINE_MISSING_FIXED_LEN) {
		rec->malformed = TRUE;
		ti = proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		expert_add_info_format(pinfo, ti, &ei_unix_tlv_short,
		    "Missing-feature TLV of %u bytes: too short for its source, name length and name", len);
		return;
	}
	source = tvb_get_uint8(tvb, voff);
	name_len = tvb_get_uint8(tvb, voff + 1);
	name = unix_engine_text(pinfo, tvb, voff + 2, name_len);
	reason = unix_engine_text(pinfo, tvb, voff + 2 + name_len, len - 2u - name_len);
	ti = proto_tree_add_string_format_value(tree, hf_unix_engine_missing, tvb, voff + 2, name_len, name,
	    "%s (%s%s%s)", name, val_to_str(pinfo->pool, source, unix_engine_missing_vals, "source %u"),
	    source == UDS_MISSING_WITHOUT ? "" : ": ", source == UDS_MISSING_WITHOUT ? "" : reason);
	sub = proto_item_add_subtree(ti, ett_unix_engine_missing);
	proto_tree_add_item(sub, hf_unix_engine_missing_source, tvb, voff, 1, ENC_NA);
	proto_tree_add_string(sub, hf_unix_engine_missing_reason, tvb, voff + 2 + name_len,
	    len - 2u - name_len, reason);
	wmem_strbuf_append_printf(eng->missing, "%s%s %s", wmem_strbuf_get_len(eng->missing) ? ", " : "",
	    name, source == UDS_MISSING_WITHOUT ? "hidden" : "missing");
}

/* A text TLV: the first of its type counts, as in every record. */
static void
unix_engine_tlv(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint16 type, int voff,
    guint16 len, unix_engine_t *eng)
{
	const char *text = unix_engine_text(pinfo, tvb, voff, len);
	proto_item *ti;
	int hf;

	switch (type) {
	case UDS_TLV_ENGINE_KERNEL: hf = hf_unix_engine_kernel; break;
	case UDS_TLV_ENGINE_RUNG: hf = hf_unix_engine_rung; break;
	case UDS_TLV_ENGINE_BLIND: hf = hf_unix_engine_blind; break;
	case UDS_TLV_ENGINE_VERSION: hf = hf_unix_engine_version; break;
	case UDS_TLV_ENGINE_REASON: hf = hf_unix_engine_reason; break;
	default:
		ti = proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		expert_add_info_format(pinfo, ti, &ei_unix_tlv_unknown,
		    "TLV type %u (%u bytes) in an ENGINE record skipped", type, len);
		return;
	}
	ti = proto_tree_add_string(tree, hf, tvb, voff, len, text);
	if (eng->seen & (1u << (type - UDS_TLV_ENGINE_KERNEL))) {
		expert_add_info(pinfo, ti, &ei_unix_tlv_repeated);
		return;
	}
	eng->seen |= 1u << (type - UDS_TLV_ENGINE_KERNEL);
	if (type == UDS_TLV_ENGINE_KERNEL)
		eng->kernel = text;
	else if (type == UDS_TLV_ENGINE_RUNG)
		eng->rung = text;
}

static int
dissect_unix_engine(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    proto_item *ti, unix_record_t *rec)
{
	unix_engine_t eng = { NULL, NULL, wmem_strbuf_new(pinfo->pool, ""), 0 };
	int off = UDS_REC_HDR_LEN;

	while (off < rec->header_len) {
		guint16 type, len;
		if (rec->header_len - off < UDS_TLV_HDR_LEN ||
		    tvb_get_letohs(tvb, off + 2) > rec->header_len - off - UDS_TLV_HDR_LEN) {
			proto_item *ei = proto_tree_add_item(unix_tree, hf_unix_tlv_extra, tvb, off,
			    rec->header_len - off, ENC_NA);
			expert_add_info(pinfo, ei, &ei_unix_tlv_overrun);
			rec->malformed = TRUE;
			break;
		}
		type = tvb_get_letohs(tvb, off);
		len = tvb_get_letohs(tvb, off + 2);
		if (type == UDS_TLV_ENGINE_MISSING)
			unix_engine_missing(tvb, pinfo, unix_tree, off + UDS_TLV_HDR_LEN, len, &eng, rec);
		else
			unix_engine_tlv(tvb, pinfo, unix_tree, type, off + UDS_TLV_HDR_LEN, len, &eng);
		off += UDS_TLV_HDR_LEN + len;
	}
	col_add_fstr(pinfo->cinfo, COL_INFO, "Engine %s on %s", eng.rung ? eng.rung : "?",
	    eng.kernel ? eng.kernel : "?");
	if (wmem_strbuf_get_len(eng.missing))
		col_append_fstr(pinfo->cinfo, COL_INFO, " (%s)", wmem_strbuf_get_str(eng.missing));
	if (rec->malformed)
		col_append_str(pinfo->cinfo, COL_INFO, " [Malformed]");
	proto_item_append_text(ti, ", Engine %s on %s", eng.rung ? eng.rung : "?",
	    eng.kernel ? eng.kernel : "?");
	if (rec->payload_avail)
		call_data_dissector(tvb_new_subset_length(tvb, rec->header_len, rec->payload_avail), pinfo,
		    tree);
	return tvb_captured_length(tvb);
}

static void
unix_register_engine(void)
{
	static hf_register_info hf[] = {
		{ &hf_unix_engine_kernel, { "Kernel", "unix.engine.kernel", FT_STRING, BASE_NONE, NULL, 0x0,
		    "Release of the kernel the capture ran on", HFILL } },
		{ &hf_unix_engine_rung, { "Engine", "unix.engine.rung", FT_STRING, BASE_NONE, NULL, 0x0,
		    "The engine variant (rung of the load ladder) that ran", HFILL } },
		{ &hf_unix_engine_missing, { "Missing feature", "unix.engine.missing", FT_STRING, BASE_NONE,
		    NULL, 0x0, "A kernel feature the engine ran without", HFILL } },
		{ &hf_unix_engine_missing_source, { "Why missing", "unix.engine.missing.source", FT_UINT8,
		    BASE_DEC, VALS(unix_engine_missing_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_engine_missing_reason, { "Reason", "unix.engine.missing.reason", FT_STRING,
		    BASE_NONE, NULL, 0x0, "Why the feature is missing", HFILL } },
		{ &hf_unix_engine_blind, { "Not seen", "unix.engine.blind", FT_STRING, BASE_NONE, NULL, 0x0,
		    "What this engine does not capture at all", HFILL } },
		{ &hf_unix_engine_version, { "udsdump version", "unix.engine.version", FT_STRING, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_engine_reason, { "Why this engine", "unix.engine.reason", FT_STRING, BASE_NONE,
		    NULL, 0x0, "Why not the fastest engine variant", HFILL } },
	};
	static gint *ett[] = {
		&ett_unix_engine_missing,
	};

	proto_register_field_array(proto_unix, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
}

static int
dissect_unix(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
	proto_item *ti, *hl_item, *pl_item;
	proto_tree *unix_tree;
	unix_record_t rec;
	unix_frame_t *fr;
	/* Only what the file holds: a pcap snap length may have cut the
	 * record, and nothing past the captured bytes may be trusted or handed
	 * to reassembly. */
	guint rec_len = tvb_captured_length(tvb);
	const unix_addr_t *conn;
	const char *path;
	tvbuff_t *payload_tvb = NULL;
	/* Info column text in parts (LOSS records: none of them). */
	const char *ip[UNIX_INFO_NPARTS];
	char num_len[16], num_fds[16], num_gap[24];
	const unix_frame_extra_t *fx;

	col_set_str(pinfo->cinfo, COL_PROTOCOL, "UNIX");
	col_clear(pinfo->cinfo, COL_INFO);
	for (guint i = 0; i < UNIX_INFO_NPARTS; i++)
		ip[i] = "";

	ti = proto_tree_add_item(tree, proto_unix, tvb, 0, -1, ENC_NA);
	unix_tree = proto_item_add_subtree(ti, ett_unix);

	if (!unix_magic_ok(tvb)) {
		proto_item *mi = proto_tree_add_item(unix_tree, hf_unix_magic, tvb, 0,
		    MIN(4, tvb_captured_length(tvb)), ENC_NA);
		expert_add_info(pinfo, mi, &ei_unix_bad_magic);
		proto_item_append_text(ti, " (not a udsdump record)");
		col_set_str(pinfo->cinfo, COL_INFO, "Not a udsdump record (bad magic)");
		call_data_dissector(tvb, pinfo, tree);
		return tvb_captured_length(tvb);
	}

	proto_tree_add_item(unix_tree, hf_unix_magic, tvb, 0, 4, ENC_NA);

	if (rec_len < UDS_REC_HDR_LEN) {
		expert_add_info_format(pinfo, ti, &ei_unix_bad_header_len,
		    "Record is %u bytes, shorter than the fixed header (%u)", rec_len, UDS_REC_HDR_LEN);
		col_set_str(pinfo->cinfo, COL_INFO, "udsdump record [Malformed: shorter than its header]");
		return tvb_captured_length(tvb);
	}

	{
		proto_item *vi;
		guint32 version;
		vi = proto_tree_add_item_ret_uint(unix_tree, hf_unix_version, tvb, 4, 1, ENC_NA, &version);
		if (version != UDS_REC_VERSION) {
			expert_add_info_format(pinfo, vi, &ei_unix_unknown_version,
			    "Unknown record version %u: cannot decode", version);
			col_add_fstr(pinfo->cinfo, COL_INFO, "udsdump record version %u (cannot decode)", version);
			call_data_dissector(tvb_new_subset_remaining(tvb, 5), pinfo, tree);
			return tvb_captured_length(tvb);
		}
	}

	memset(&rec, 0, sizeof rec);
	rec.version = tvb_get_uint8(tvb, 4);
	rec.event = tvb_get_uint8(tvb, 5);
	rec.header_len = tvb_get_letohs(tvb, 6);
	rec.flags = tvb_get_letohl(tvb, 8);
	rec.payload_len = tvb_get_letohl(tvb, 12);

	if (unix_tree) {
		unix_add_header(unix_tree, tvb, &hl_item, &pl_item);
	} else {
		/* Without a tree the items would be NULL: expert info takes those. */
		hl_item = pl_item = NULL;
	}

	if (rec.header_len < UDS_REC_HDR_LEN || rec.header_len > rec_len) {
		expert_add_info_format(pinfo, hl_item, &ei_unix_bad_header_len,
		    "header_len %u is %s", rec.header_len,
		    rec.header_len < UDS_REC_HDR_LEN ? "shorter than the fixed header (16)"
		    : "larger than the record");
		col_add_fstr(pinfo->cinfo, COL_INFO, "%s [Malformed: bad header_len %u]",
		    val_to_str(pinfo->pool, rec.event, unix_event_vals, "event %u"), rec.header_len);
		if (rec_len > UDS_REC_HDR_LEN)
			call_data_dissector(tvb_new_subset_remaining(tvb, UDS_REC_HDR_LEN), pinfo, tree);
		return tvb_captured_length(tvb);
	}
	if ((guint64)rec.header_len + rec.payload_len > rec_len) {
		rec.malformed = TRUE;
		rec.payload_avail = rec_len - rec.header_len;
		expert_add_info_format(pinfo, pl_item, &ei_unix_bad_payload_len,
		    "header_len + payload_len = %" PRIu64 " is larger than the record (%u bytes)",
		    (guint64)rec.header_len + rec.payload_len, rec_len);
	} else {
		rec.payload_avail = rec.payload_len;
	}
	proto_item_set_len(ti, rec.header_len + rec.payload_avail);

	/* ENGINE records are not traffic: no stream, conversation or tap. */
	if (rec.event == UDS_EV_ENGINE)
		return dissect_unix_engine(tvb, pinfo, tree, unix_tree, ti, &rec);

	/* First walk: collect the fields. */
	unix_walk_tlvs(tvb, pinfo, NULL, &rec, FALSE);

	if (!PINFO_FD_VISITED(pinfo)) {
		fr = unix_analyse(pinfo, tvb, &rec);
		p_add_proto_data(wmem_file_scope(), pinfo, proto_unix, 0, fr);
	} else {
		fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
		if (!fr) /* should not happen; be safe */
			fr = wmem_new0(pinfo->pool, unix_frame_t);
	}

	conn = unix_conn_addr(&rec);
	path = conn ? conn->display : "(unnamed)";
	if (!fr->path)
		fr->path = !conn || conn->display_fs ? path : wmem_strdup(wmem_file_scope(), path);

	/* Addresses, for the columns, conversations and follow. */
	if (fr->src_key) {
		unix_set_address(&pinfo->src, fr->src_key);
		unix_set_end_label(fr->src_key, fr->src_label);
	}
	if (fr->dst_key) {
		unix_set_address(&pinfo->dst, fr->dst_key);
		unix_set_end_label(fr->dst_key, fr->dst_label);
	}
	unix_cur_keys[0] = fr->src_key;
	unix_cur_keys[1] = fr->dst_key;
	if (fr->conv_src_key && fr->src_label)
		unix_set_end_label(fr->conv_src_key, fr->src_label);
	if (fr->conv_dst_key && fr->dst_label)
		unix_set_end_label(fr->conv_dst_key, fr->dst_label);
	copy_address_shallow(&pinfo->net_src, &pinfo->src);
	copy_address_shallow(&pinfo->net_dst, &pinfo->dst);

	/* Summary (generated) fields: nothing but tree items. */
	if (rec.has_socket && unix_tree) {
		proto_item *gi;
		gi = proto_tree_add_uint(unix_tree, hf_unix_stream, tvb, 0, 0, fr->stream);
		proto_item_set_generated(gi);
		gi = proto_tree_add_string(unix_tree, hf_unix_path, tvb, 0, 0, path);
		proto_item_set_generated(gi);
		gi = proto_tree_add_uint(unix_tree, hf_unix_addr_kind, tvb, 0, 0,
		    conn ? conn->kind : UDS_ADDR_UNNAMED);
		proto_item_set_generated(gi);
		gi = proto_tree_add_string(unix_tree, hf_unix_src, tvb, 0, 0, fr->src_label);
		proto_item_set_generated(gi);
		if (fr->dst_label) {
			gi = proto_tree_add_string(unix_tree, hf_unix_dst, tvb, 0, 0, fr->dst_label);
			proto_item_set_generated(gi);
		}
		if (fr->src_key && fr->src_key[0] == 'i') {
			gi = proto_tree_add_uint64(unix_tree, hf_unix_src_inode, tvb, 0, 0,
			    g_ascii_strtoull(fr->src_key + 2, NULL, 10));
			proto_item_set_generated(gi);
		}
		if (fr->dst_key && fr->dst_key[0] == 'i') {
			gi = proto_tree_add_uint64(unix_tree, hf_unix_dst_inode, tvb, 0, 0,
			    g_ascii_strtoull(fr->dst_key + 2, NULL, 10));
			proto_item_set_generated(gi);
		}
		proto_item_append_text(ti, ", %s -> %s, %s", fr->src_label,
		    fr->dst_label ? fr->dst_label : "?", path);
	}

	/* Second walk: the tree and the expert info (without a tree, only when
	 * the first walk met something it reports). */
	if (unix_tree || rec.needs_build || rec.malformed)
		unix_walk_tlvs(tvb, pinfo, unix_tree, &rec, TRUE);

	/* Who read what was sent. */
	if (!PINFO_FD_VISITED(pinfo) && !fr->links_noted) {
		fr->links_noted = TRUE;
		if (rec.event == UDS_EV_DATA)
			unix_note_send(pinfo, &rec, fr);
		else if (rec.event == UDS_EV_RECV)
			unix_note_recv(pinfo, &rec, fr);
	}
	unix_show_links(tvb, pinfo, unix_tree, &rec, fr);

	/* Expert info from the flags and the analysis. */
	fx = UNIX_FX(fr);
	if (fx->gap) {
		proto_item *gi = proto_tree_add_uint64(unix_tree, hf_unix_gap, tvb, 0, 0, fx->gap);
		proto_item_set_generated(gi);
		expert_add_info_format(pinfo, gi, &ei_unix_gap,
		    "%" PRIu64 " bytes missing before this record (stream offset %" PRIu64
		    ", previous record ended at %" PRIu64 ")",
		    fx->gap, rec.stream_offset, fx->gap_expected);
	}
	if (rec.flags & UDS_F_TRUNCATED)
		expert_add_info_format(pinfo, ti, &ei_unix_truncated,
		    "Payload truncated by the snap length: %u of %u message bytes captured",
		    rec.payload_avail, rec.msg_len);
	if (rec.flags & (UDS_F_NO_PAYLOAD_SOURCE | UDS_F_READ_FAULT))
		expert_add_info_format(pinfo, ti, &ei_unix_not_captured,
		    "%u bytes were sent but could not be captured (%s)", rec.msg_len,
		    (rec.flags & UDS_F_READ_FAULT) ? "sender memory unreadable"
		    : "sent outside the traced syscalls");
	if (rec.flags & UDS_F_PARTIAL)
		expert_add_info_format(pinfo, ti, &ei_unix_partial,
		    "Partial send: %u of %u requested bytes accepted", rec.msg_len, rec.requested_len);
	if (rec.flags & UDS_F_CMSG_TRUNCATED)
		expert_add_info(pinfo, ti, &ei_unix_cmsg_truncated);
	if (rec.has_loss && (rec.loss_records || rec.loss_bytes || rec.event == UDS_EV_LOSS))
		expert_add_info_format(pinfo, ti, &ei_unix_loss,
		    "%" PRIu64 " records (%" PRIu64 " payload bytes) lost in the kernel"
		    " (%" PRIu64 " records, %" PRIu64 " bytes since the capture started)",
		    rec.loss_records, rec.loss_bytes, rec.loss_total_records, rec.loss_total_bytes);

	/* Columns. */
	if (rec.event == UDS_EV_LOSS) {
		if (rec.has_loss)
			col_add_fstr(pinfo->cinfo, COL_INFO,
			    "LOSS %" PRIu64 " records (%" PRIu64 " bytes) lost in the kernel",
			    rec.loss_records, rec.loss_bytes);
		else
			col_set_str(pinfo->cinfo, COL_INFO, "LOSS");
	} else {
		/* The parts of the Info text, copied into the column once. */
		if (rec.event != UDS_EV_DATA) {
			ip[0] = val_to_str(pinfo->pool, rec.event, unix_event_vals, "Event %u");
			ip[1] = " ";
		}
		if (rec.has_socket) {
			ip[2] = fr->src_label; /* NULL shows as "(null)", as printf did */
			ip[3] = " -> ";
			ip[4] = fr->dst_label ? fr->dst_label : "?";
			ip[5] = " ";
			ip[6] = path;
			unix_info_prefix(fr, ip, rec.event);
		}
		if (rec.event == UDS_EV_DATA || rec.event == UDS_EV_RECV || rec.payload_avail) {
			uint32_to_str_buf(rec.payload_avail, num_len, sizeof num_len);
			ip[7] = " Len=";
			ip[8] = num_len;
		}
		if (rec.n_fds) {
			uint32_to_str_buf(rec.n_fds, num_fds, sizeof num_fds);
			ip[9] = " SCM_RIGHTS=";
			ip[10] = num_fds;
		}
		if (rec.has_creds)
			ip[11] = " SCM_CREDENTIALS";
		if (rec.flags & UDS_F_TRUNCATED)
			ip[12] = " [truncated]";
		if (fx->gap) {
			uint64_to_str_buf(fx->gap, num_gap, sizeof num_gap);
			ip[13] = " [";
			ip[14] = num_gap;
			ip[15] = " bytes missing]";
		}
		unix_set_info(pinfo, ip, NULL);
	}
	if (rec.malformed)
		col_append_str(pinfo->cinfo, COL_INFO, " [Malformed]");

	if (rec.payload_avail > 0)
		payload_tvb = tvb_new_subset_length(tvb, rec.header_len, rec.payload_avail);

	/* Taps: conversations, endpoints, follow. */
	if (rec.has_socket && fr->src_key && fr->dst_key && have_tap_listener(unix_tap)) {
		unix_tap_info_t *tap = wmem_new0(pinfo->pool, unix_tap_info_t);
		copy_address_shallow(&tap->src, &pinfo->src);
		copy_address_shallow(&tap->dst, &pinfo->dst);
		unix_set_address(&tap->conv_src, fr->conv_src_key);
		unix_set_address(&tap->conv_dst, fr->conv_dst_key);
		tap->stream = fr->stream;
		tap->event = rec.event;
		tap->payload_len = rec.payload_avail;
		tap->payload = payload_tvb;
		tap_queue_packet(unix_tap, pinfo, tap);
	}

	/* Payload: reassembled and handed over on the first pass, replayed after. */
	if (payload_tvb && (rec.event == UDS_EV_DATA || rec.event == UDS_EV_RECV)) {
		if (!fr->payload_planned) {
			fr->payload_planned = TRUE;
			unix_payload_first(payload_tvb, pinfo, tree, unix_tree, &rec, fr);
		} else if (fr->payload_as_data) {
			call_data_dissector(payload_tvb, pinfo, tree);
		} else {
			unix_replay_calls(payload_tvb, pinfo, tree, unix_tree, &rec, fr);
		}
	} else if (rec.has_socket && (rec.event == UDS_EV_SHUTDOWN || rec.event == UDS_EV_CLOSE)) {
		if (!fr->payload_planned) {
			fr->payload_planned = TRUE;
			unix_stream_fin(tvb, pinfo, tree, unix_tree, &rec, fr);
		} else {
			unix_replay_calls(tvb, pinfo, tree, unix_tree, &rec, fr);
		}
		if (payload_tvb)
			call_data_dissector(payload_tvb, pinfo, tree);
	} else if (payload_tvb) {
		call_data_dissector(payload_tvb, pinfo, tree);
	}

	/* Reassembly: where this record's bytes went, and what went wrong. */
	if (fr->seg_id) {
		guint32 in = GPOINTER_TO_UINT(g_hash_table_lookup(unix_msp_done,
		    GUINT_TO_POINTER(fr->seg_id)));
		if (in && in != pinfo->num) {
			proto_item *ri = proto_tree_add_uint(unix_tree, hf_unix_reassembled_in, tvb, 0, 0, in);
			proto_item_set_generated(ri);
		}
	}
	if ((fr->seg_id || fr->calls) && !unix_any_consumed(fr) && !fr->payload_as_data) {
		col_set_str(pinfo->cinfo, COL_PROTOCOL, "UNIX");
		unix_set_info(pinfo, ip, " [UNIX segment of a reassembled PDU]");
		if (payload_tvb && !fr->calls) {
			proto_tree_add_bytes_format(unix_tree, hf_unix_segment_data, payload_tvb, 0, -1, NULL,
			    "UNIX segment data (%u byte%s)", rec.payload_avail,
			    plurality(rec.payload_avail, "", "s"));
		}
	}
	fx = UNIX_FX(fr);
	if (fx->reasm_gap || fx->reasm_incomplete) {
		proto_item *ei = proto_tree_add_item(unix_tree, hf_unix_segment_data, tvb, 0, 0, ENC_NA);
		proto_item_set_generated(ei);
		if (fx->reasm_gap) {
			proto_item_set_text(ei, "[Reassembly stopped: %" PRIu64 " bytes missing]", fx->reasm_gap);
			expert_add_info_format(pinfo, ei, &ei_unix_reasm_gap,
			    "Reassembly stopped by a gap: %" PRIu64 " bytes missing at stream offset %" PRIu64
			    "; the PDU begun in frame %u (%u bytes) is not dissected",
			    fx->reasm_gap, fx->reasm_gap_at, fx->reasm_gap_frame, fx->reasm_gap_have);
		} else {
			proto_item_set_text(ei, "[Stream ended inside a PDU]");
			expert_add_info_format(pinfo, ei, &ei_unix_reasm_incomplete,
			    "The stream ended before the PDU begun in frame %u was complete",
			    fx->reasm_incomplete_frame);
		}
	}
	return tvb_captured_length(tvb);
}

/* ------------------------------------------------------------------------ */
/* Conversation table, endpoints, conversation filter, follow               */
/* ------------------------------------------------------------------------ */

static const char *
unix_conv_get_filter_type(conv_item_t *conv _U_, conv_filter_type_e filter)
{
	/* Table addresses print as the stream index: filter on the connection. */
	if (filter == CONV_FT_SRC_ADDRESS || filter == CONV_FT_DST_ADDRESS ||
	    filter == CONV_FT_ANY_ADDRESS)
		return "unix.stream";
	return CONV_FILTER_INVALID;
}

static ct_dissector_info_t unix_ct_dissector_info = { &unix_conv_get_filter_type };

static tap_packet_status
unix_conversation_packet(void *pct, packet_info *pinfo, epan_dissect_t *edt _U_,
    const void *vip, tap_flags_t flags _U_)
{
	conv_hash_t *hash = (conv_hash_t *)pct;
	const unix_tap_info_t *tap = (const unix_tap_info_t *)vip;

	hash->flags = flags;
	add_conversation_table_data_with_conv_id(hash, &tap->conv_src, &tap->conv_dst, 0, 0,
	    (conv_id_t)tap->stream, 1, tap->event == UDS_EV_DATA ? (int)tap->payload_len : 0,
	    &pinfo->rel_ts, &pinfo->abs_ts, &unix_ct_dissector_info, CONVERSATION_NONE);
	return TAP_PACKET_REDRAW;
}

static const char *
unix_endpoint_get_filter_type(endpoint_item_t *endpoint _U_, conv_filter_type_e filter)
{
	return unix_conv_get_filter_type(NULL, filter);
}

static et_dissector_info_t unix_endpoint_dissector_info = { &unix_endpoint_get_filter_type };

static tap_packet_status
unix_endpoint_packet(void *pit, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
    const void *vip, tap_flags_t flags _U_)
{
	conv_hash_t *hash = (conv_hash_t *)pit;
	const unix_tap_info_t *tap = (const unix_tap_info_t *)vip;
	int bytes = tap->event == UDS_EV_DATA ? (int)tap->payload_len : 0;

	hash->flags = flags;
	add_endpoint_table_data(hash, &tap->conv_src, 0, TRUE, 1, bytes,
	    &unix_endpoint_dissector_info, ENDPOINT_NONE);
	add_endpoint_table_data(hash, &tap->conv_dst, 0, FALSE, 1, bytes,
	    &unix_endpoint_dissector_info, ENDPOINT_NONE);
	return TAP_PACKET_REDRAW;
}

static bool
unix_filter_valid(packet_info *pinfo, void *user_data _U_)
{
	unix_frame_t *fr;
	if (!proto_is_frame_protocol(pinfo->layers, "unix"))
		return FALSE;
	fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	return fr && fr->has_stream;
}

static char *
unix_build_filter(packet_info *pinfo, void *user_data _U_)
{
	unix_frame_t *fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	if (!fr || !fr->has_stream)
		return NULL;
	return g_strdup_printf("unix.stream eq %u", fr->stream);
}

static gchar *
unix_follow_conv_filter(epan_dissect_t *edt _U_, packet_info *pinfo, guint *stream,
    guint *sub_stream _U_)
{
	unix_frame_t *fr;
	if (!proto_is_frame_protocol(pinfo->layers, "unix"))
		return NULL;
	fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	if (!fr || !fr->has_stream)
		return NULL;
	*stream = fr->stream;
	return g_strdup_printf("unix.stream eq %u", fr->stream);
}

static gchar *
unix_follow_index_filter(guint stream, guint sub_stream _U_)
{
	return g_strdup_printf("unix.stream eq %u", stream);
}

static gchar *
unix_follow_address_filter(address *src_addr, address *dst_addr, int src_port _U_,
    int dst_port _U_)
{
	const char *a = (const char *)src_addr->data, *b = (const char *)dst_addr->data;
	if (src_addr->type != unix_address_type || dst_addr->type != unix_address_type ||
	    src_addr->len < 3 || dst_addr->len < 3 || a[0] != 'i' || b[0] != 'i')
		return NULL;
	return g_strdup_printf("((unix.src_inode eq %s and unix.dst_inode eq %s) or "
	    "(unix.src_inode eq %s and unix.dst_inode eq %s))", a + 2, b + 2, b + 2, a + 2);
}

/* How many streams the capture has (the GUI's Follow stream selector). */
static uint32_t
unix_follow_stream_count(void)
{
	return unix_stream_list->len;
}

static gchar *
unix_follow_port_to_display(wmem_allocator_t *allocator, guint port)
{
	return wmem_strdup_printf(allocator, "%u", port);
}

/*
 * Follow: the bytes sent (DATA records), in order. The first sender is the
 * "client". Unlike follow_tvb_tap_listener, the side is decided by the socket
 * (address), not by a port, since ours are all 0.
 */
static tap_packet_status
unix_follow_tap_listener(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
    const void *data, tap_flags_t flags _U_)
{
	follow_info_t *follow_info = (follow_info_t *)tapdata;
	const unix_tap_info_t *tap = (const unix_tap_info_t *)data;
	follow_record_t *follow_record;
	guint len;

	if (tap->event != UDS_EV_DATA || !tap->payload)
		return TAP_PACKET_DONT_REDRAW;
	len = tvb_captured_length(tap->payload);

	if (follow_info->client_ip.type == AT_NONE) {
		copy_address(&follow_info->client_ip, &tap->src);
		copy_address(&follow_info->server_ip, &tap->dst);
		follow_info->client_port = 0;
		follow_info->server_port = 0;
	}

	follow_record = g_new0(follow_record_t, 1);
	follow_record->data = g_byte_array_sized_new(len);
	if (len)
		g_byte_array_append(follow_record->data, tvb_get_ptr(tap->payload, 0, len), len);
	follow_record->packet_num = pinfo->num;
	follow_record->abs_ts = pinfo->abs_ts;
	follow_record->is_server = !addresses_equal(&follow_info->client_ip, &tap->src);
	follow_info->bytes_written[follow_record->is_server] += len;
	follow_info->payload = g_list_prepend(follow_info->payload, follow_record);
	return TAP_PACKET_DONT_REDRAW;
}

/* ------------------------------------------------------------------------ */
/* Registration                                                              */
/* ------------------------------------------------------------------------ */

static void
unix_prefs_apply(void)
{
	proto_reg_handoff_unix();
}

static void
unix_da_prompt(packet_info *pinfo, gchar *result)
{
	unix_frame_t *fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	g_snprintf(result, MAX_DECODE_AS_PROMPT_LEN, "Socket path %s as",
	    fr && fr->path ? fr->path : "?");
}

static gpointer
unix_da_value(packet_info *pinfo)
{
	unix_frame_t *fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	return fr && fr->path ? (gpointer)fr->path : (gpointer)"";
}

static build_valid_func unix_da_build_value[1] = { unix_da_value };
static decode_as_value_t unix_da_values[1] = { { unix_da_prompt, 1, unix_da_build_value } };
static decode_as_t unix_da = {
	"unix", "unix.path", 1, 0, unix_da_values, NULL, NULL,
	decode_as_default_populate_list, decode_as_default_reset, decode_as_default_change, NULL
};

/* Offer every dissector tcp.port offers for Decode As on a socket path. */
static void
unix_add_decode_as_handle(const gchar *table_name _U_, gpointer value, gpointer user_data _U_)
{
	dissector_handle_t h = (dissector_handle_t)value;
	/*
	 * tcp.port holds a TCP-only HTTP handle besides "http"; offer only the
	 * plain one, so that "-d unix.path==P,http" picks a handle that works
	 * without TCP.
	 */
	if (http_handle && h != http_handle &&
	    dissector_handle_get_protocol_index(h) == dissector_handle_get_protocol_index(http_handle))
		return;
	dissector_add_for_decode_as("unix.path", h);
}

void
proto_register_unix(void)
{
	static hf_register_info hf[] = {
		{ &hf_unix_magic, { "Magic", "unix.magic", FT_BYTES, BASE_NONE, NULL, 0x0,
		    "Record magic, \"UDSK\"", HFILL } },
		{ &hf_unix_version, { "Version", "unix.version", FT_UINT8, BASE_DEC, NULL, 0x0,
		    "Record format version", HFILL } },
		{ &hf_unix_event, { "Event", "unix.event", FT_UINT8, BASE_DEC, VALS(unix_event_vals), 0x0,
		    NULL, HFILL } },
		{ &hf_unix_header_len, { "Header length", "unix.header_len", FT_UINT16, BASE_DEC, NULL, 0x0,
		    "Bytes from the start of the record to the payload", HFILL } },
		{ &hf_unix_flags, { "Flags", "unix.flags", FT_UINT32, BASE_HEX, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_flags_truncated, { "Truncated", "unix.flags.truncated", FT_BOOLEAN, 32, NULL,
		    UDS_F_TRUNCATED, "The snap length cut this message", HFILL } },
		{ &hf_unix_flags_more, { "More", "unix.flags.more", FT_BOOLEAN, 32, NULL,
		    UDS_F_MORE, "Further records follow for the same message", HFILL } },
		{ &hf_unix_flags_oob, { "OOB", "unix.flags.oob", FT_BOOLEAN, 32, NULL,
		    UDS_F_OOB, "Sent with MSG_OOB", HFILL } },
		{ &hf_unix_flags_partial, { "Partial", "unix.flags.partial", FT_BOOLEAN, 32, NULL,
		    UDS_F_PARTIAL, "The kernel accepted fewer bytes than requested", HFILL } },
		{ &hf_unix_flags_first_seen, { "First seen", "unix.flags.first_seen", FT_BOOLEAN, 32, NULL,
		    UDS_F_FIRST_SEEN, "First record of this socket in this capture", HFILL } },
		{ &hf_unix_flags_joined_midstream, { "Joined mid-stream", "unix.flags.joined_midstream",
		    FT_BOOLEAN, 32, NULL, UDS_F_JOINED_MIDSTREAM,
		    "The socket existed before the capture started", HFILL } },
		{ &hf_unix_flags_no_payload_source, { "No payload source", "unix.flags.no_payload_source",
		    FT_BOOLEAN, 32, NULL, UDS_F_NO_PAYLOAD_SOURCE,
		    "Sent outside the traced syscalls: the bytes are a gap", HFILL } },
		{ &hf_unix_flags_inferred, { "Inferred", "unix.flags.inferred", FT_BOOLEAN, 32, NULL,
		    UDS_F_INFERRED, "The event was inferred, not observed", HFILL } },
		{ &hf_unix_flags_cmsg_truncated, { "Control data truncated", "unix.flags.cmsg_truncated",
		    FT_BOOLEAN, 32, NULL, UDS_F_CMSG_TRUNCATED, NULL, HFILL } },
		{ &hf_unix_flags_read_fault, { "Read fault", "unix.flags.read_fault", FT_BOOLEAN, 32, NULL,
		    UDS_F_READ_FAULT, "The sender's memory could not be read", HFILL } },
		{ &hf_unix_flags_metadata_only, { "Metadata only", "unix.flags.metadata_only",
		    FT_BOOLEAN, 32, NULL, UDS_F_METADATA_ONLY, "Payload not captured by choice", HFILL } },
		{ &hf_unix_payload_len, { "Payload length", "unix.payload_len", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },

		{ &hf_unix_stream, { "Stream index", "unix.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Connection index, keyed on the pair of socket inodes", HFILL } },
		{ &hf_unix_path, { "Socket path", "unix.path", FT_STRING, BASE_NONE, NULL, 0x0,
		    "Local name if bound, else the peer's, else the destination; @ for abstract", HFILL } },
		{ &hf_unix_addr_kind, { "Address kind", "unix.addr.kind", FT_UINT8, BASE_DEC,
		    VALS(unix_addr_kind_vals), 0x0, "Kind of the address unix.path shows", HFILL } },
		{ &hf_unix_src, { "Source", "unix.src", FT_STRING, BASE_NONE, NULL, 0x0,
		    "Sending end: comm[pid] or inode", HFILL } },
		{ &hf_unix_dst, { "Destination", "unix.dst", FT_STRING, BASE_NONE, NULL, 0x0,
		    "Receiving end: comm[pid], pid:N or inode", HFILL } },
		{ &hf_unix_src_inode, { "Source socket inode", "unix.src_inode", FT_UINT64, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_dst_inode, { "Destination socket inode", "unix.dst_inode", FT_UINT64, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_gap, { "Bytes missing before this record", "unix.gap", FT_UINT64, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },

		{ &hf_unix_segments, { "Reassembled UNIX segments", "unix.segments", FT_NONE, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment, { "UNIX segment", "unix.segment", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_segment_overlap, { "Segment overlap", "unix.segment.overlap", FT_BOOLEAN,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment_overlap_conflict, { "Conflicting data in segment overlap",
		    "unix.segment.overlap.conflict", FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment_multiple_tails, { "Multiple tail segments found",
		    "unix.segment.multipletails", FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment_too_long, { "Segment too long", "unix.segment.toolongfragment",
		    FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment_error, { "Reassembling error", "unix.segment.error", FT_FRAMENUM,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment_count, { "Segment count", "unix.segment.count", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_reassembled_in, { "Reassembled PDU in frame", "unix.reassembled_in", FT_FRAMENUM,
		    BASE_NONE, NULL, 0x0, "The PDU this record's bytes belong to is dissected in this frame",
		    HFILL } },
		{ &hf_unix_reassembled_length, { "Reassembled UNIX length", "unix.reassembled.length",
		    FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_reassembled_data, { "Reassembled UNIX data", "unix.reassembled.data", FT_BYTES,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_segment_data, { "UNIX segment data", "unix.segment_data", FT_BYTES, BASE_NONE,
		    NULL, 0x0, "Bytes of a PDU dissected in a later frame", HFILL } },

		{ &hf_unix_reader, { "Reader", "unix.reader", FT_NONE, BASE_NONE, NULL, 0x0,
		    "A read of this record's bytes", HFILL } },
		{ &hf_unix_reader_pid, { "Reader PID", "unix.reader.pid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Process that read these bytes", HFILL } },
		{ &hf_unix_reader_comm, { "Reader command", "unix.reader.comm", FT_STRING, BASE_NONE, NULL,
		    0x0, NULL, HFILL } },
		{ &hf_unix_reader_frame, { "Read in frame", "unix.reader.frame", FT_FRAMENUM, BASE_NONE,
		    FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The receive record of that read", HFILL } },
		{ &hf_unix_sent_in, { "Sent in frame", "unix.sent_in", FT_FRAMENUM, BASE_NONE,
		    FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "A send whose bytes this read returned", HFILL } },
		{ &hf_unix_unread, { "Bytes never read", "unix.unread", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "Sent before the end of the stream but not read by any receive record", HFILL } },

		{ &hf_unix_tlv_type, { "Type", "unix.tlv.type", FT_UINT16, BASE_DEC, VALS(unix_tlv_type_vals),
		    0x0, NULL, HFILL } },
		{ &hf_unix_tlv_length, { "Length", "unix.tlv.length", FT_UINT16, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_tlv_value, { "TLV", "unix.tlv", FT_NONE, BASE_NONE, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_tlv_socket, { "Socket", "unix.socket", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Socket TLV", HFILL } },
		{ &hf_unix_tlv_task, { "Task", "unix.task", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Task TLV", HFILL } },
		{ &hf_unix_tlv_peer_cred, { "Peer credentials", "unix.peer_cred", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Peer credentials TLV", HFILL } },
		{ &hf_unix_tlv_peer_task, { "Peer task", "unix.peer_task", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Peer task TLV", HFILL } },
		{ &hf_unix_tlv_local_addr, { "Local address", "unix.local_addr", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Local address TLV", HFILL } },
		{ &hf_unix_tlv_peer_addr, { "Peer address", "unix.peer_addr", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Peer address TLV", HFILL } },
		{ &hf_unix_tlv_dest_addr, { "Destination address", "unix.dest_addr", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Destination address TLV", HFILL } },
		{ &hf_unix_tlv_stream, { "Stream", "unix.stream_info", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Stream TLV", HFILL } },
		{ &hf_unix_tlv_scm_fd, { "SCM_RIGHTS descriptor", "unix.scm.rights.desc", FT_NONE, BASE_NONE, NULL, 0x0,
		    "SCM_RIGHTS descriptor TLV", HFILL } },
		{ &hf_unix_tlv_scm_creds, { "SCM_CREDENTIALS", "unix.scm.creds", FT_NONE, BASE_NONE, NULL, 0x0,
		    "SCM_CREDENTIALS TLV", HFILL } },
		{ &hf_unix_tlv_cmsg, { "Control message", "unix.cmsg", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Control message TLV", HFILL } },
		{ &hf_unix_tlv_loss, { "Loss", "unix.loss", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Loss TLV", HFILL } },
		{ &hf_unix_tlv_extra, { "Extra bytes", "unix.tlv.extra", FT_BYTES, BASE_NONE, NULL, 0x0,
		    "Bytes not decoded (later version, unknown TLV or malformed)", HFILL } },

		{ &hf_unix_inode, { "Inode", "unix.inode", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "Socket inode (as ss -x shows)", HFILL } },
		{ &hf_unix_peer_inode, { "Peer inode", "unix.peer_inode", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "Peer socket inode (0: no peer known)", HFILL } },
		{ &hf_unix_sock_type, { "Socket type", "unix.sock_type", FT_UINT16, BASE_DEC,
		    VALS(unix_sock_type_vals), 0x0, NULL, HFILL } },

		{ &hf_unix_task_pid, { "PID", "unix.task.pid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Process (thread group) id of the task", HFILL } },
		{ &hf_unix_task_tid, { "TID", "unix.task.tid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_task_uid, { "UID", "unix.task.uid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_task_gid, { "GID", "unix.task.gid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_task_start, { "Start time (ns since boot)", "unix.task.start_ns", FT_UINT64,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_task_comm, { "Command", "unix.task.comm", FT_STRINGZPAD, BASE_NONE, NULL, 0x0,
		    NULL, HFILL } },

		{ &hf_unix_peer_cred_pid, { "Peer credentials PID", "unix.peer_cred.pid", FT_UINT32, BASE_DEC,
		    NULL, 0x0, "SO_PEERCRED pid", HFILL } },
		{ &hf_unix_peer_cred_uid, { "Peer credentials UID", "unix.peer_cred.uid", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_peer_cred_gid, { "Peer credentials GID", "unix.peer_cred.gid", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },

		{ &hf_unix_peer_task_pid, { "Peer PID", "unix.peer_task.pid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_peer_task_tid, { "Peer TID", "unix.peer_task.tid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_peer_task_start, { "Peer start time (ns since boot)", "unix.peer_task.start_ns",
		    FT_UINT64, BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_peer_task_source, { "Peer task source", "unix.peer_task.source", FT_UINT8, BASE_DEC,
		    VALS(unix_peer_src_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_peer_task_comm, { "Peer command", "unix.peer_task.comm", FT_STRINGZPAD, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },

		{ &hf_unix_local_addr_kind, { "Local address kind", "unix.local_addr.kind", FT_UINT8, BASE_DEC,
		    VALS(unix_addr_kind_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_local_addr_name, { "Local address", "unix.local_addr.name", FT_STRING, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_peer_addr_kind, { "Peer address kind", "unix.peer_addr.kind", FT_UINT8, BASE_DEC,
		    VALS(unix_addr_kind_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_peer_addr_name, { "Peer address", "unix.peer_addr.name", FT_STRING, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_dest_addr_kind, { "Destination address kind", "unix.dest_addr.kind", FT_UINT8,
		    BASE_DEC, VALS(unix_addr_kind_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_dest_addr_name, { "Destination address", "unix.dest_addr.name", FT_STRING,
		    BASE_NONE, NULL, 0x0, "Address given to sendto/sendmsg", HFILL } },

		{ &hf_unix_stream_offset, { "Stream offset", "unix.stream_offset", FT_UINT64, BASE_DEC, NULL,
		    0x0, "Bytes seen sent on this socket before this record's payload", HFILL } },
		{ &hf_unix_msg_len, { "Message length", "unix.msg_len", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Bytes the kernel accepted for the whole message", HFILL } },
		{ &hf_unix_msg_offset, { "Message offset", "unix.msg_offset", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Where this record's payload starts in the message", HFILL } },
		{ &hf_unix_requested_len, { "Requested length", "unix.requested_len", FT_UINT32, BASE_DEC,
		    NULL, 0x0, "Bytes the caller asked to send", HFILL } },
		{ &hf_unix_syscall, { "Syscall", "unix.syscall", FT_UINT16, BASE_DEC,
		    VALS(unix_syscall_vals), 0x0, NULL, HFILL } },

		{ &hf_unix_scm_rights, { "SCM_RIGHTS", "unix.scm.rights", FT_NONE, BASE_NONE, NULL, 0x0,
		    "Descriptors passed", HFILL } },
		{ &hf_unix_scm_rights_count, { "Descriptors", "unix.scm.rights.count", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_fd, { "Descriptor", "unix.scm.rights.fd", FT_INT32, BASE_DEC, NULL, 0x0,
		    "Descriptor number in the sender", HFILL } },
		{ &hf_unix_scm_rights_kind, { "File kind", "unix.scm.rights.kind", FT_UINT8, BASE_DEC,
		    VALS(unix_file_kind_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_fd_flags, { "Descriptor flags", "unix.scm.rights.fd_flags", FT_UINT8,
		    BASE_HEX, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_fd_flags_path_truncated, { "Path cut short",
		    "unix.scm.rights.fd_flags.path_truncated", FT_BOOLEAN, 8, NULL, UDS_FD_PATH_TRUNCATED,
		    NULL, HFILL } },
		{ &hf_unix_scm_rights_fd_flags_unresolved, { "Not resolved",
		    "unix.scm.rights.fd_flags.unresolved", FT_BOOLEAN, 8, NULL, UDS_FD_UNRESOLVED,
		    "The descriptor was not described", HFILL } },
		{ &hf_unix_scm_rights_sock_type, { "Socket type", "unix.scm.rights.sock_type", FT_UINT16,
		    BASE_DEC, VALS(unix_sock_type_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_mode, { "Mode", "unix.scm.rights.mode", FT_UINT32, BASE_OCT, NULL, 0x0,
		    "st_mode", HFILL } },
		{ &hf_unix_scm_rights_sock_family, { "Socket family", "unix.scm.rights.sock_family", FT_UINT16,
		    BASE_DEC, VALS(unix_sock_family_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_inode, { "Inode", "unix.scm.rights.inode", FT_UINT64, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_unix_scm_rights_dev, { "Device", "unix.scm.rights.dev", FT_UINT64, BASE_HEX, NULL, 0x0,
		    "Superblock device number (major << 20 | minor)", HFILL } },
		{ &hf_unix_scm_rights_dev_major, { "Device major", "unix.scm.rights.dev_major", FT_UINT32,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_dev_minor, { "Device minor", "unix.scm.rights.dev_minor", FT_UINT32,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_scm_rights_path, { "Path", "unix.scm.rights.path", FT_STRING, BASE_NONE, NULL, 0x0,
		    NULL, HFILL } },

		{ &hf_unix_scm_creds_pid, { "PID", "unix.scm.creds.pid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "SCM_CREDENTIALS pid", HFILL } },
		{ &hf_unix_scm_creds_uid, { "UID", "unix.scm.creds.uid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "SCM_CREDENTIALS uid", HFILL } },
		{ &hf_unix_scm_creds_gid, { "GID", "unix.scm.creds.gid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "SCM_CREDENTIALS gid", HFILL } },

		{ &hf_unix_cmsg_level, { "Level", "unix.cmsg.level", FT_INT32, BASE_DEC, NULL, 0x0,
		    "cmsg_level", HFILL } },
		{ &hf_unix_cmsg_type, { "Type", "unix.cmsg.type", FT_INT32, BASE_DEC, NULL, 0x0,
		    "cmsg_type", HFILL } },
		{ &hf_unix_cmsg_data, { "Data", "unix.cmsg.data", FT_BYTES, BASE_NONE, NULL, 0x0,
		    NULL, HFILL } },

		{ &hf_unix_loss_records, { "Records lost", "unix.loss.records", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "Records lost since the previous loss record", HFILL } },
		{ &hf_unix_loss_bytes, { "Bytes lost", "unix.loss.bytes", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "Payload bytes lost since the previous loss record", HFILL } },
		{ &hf_unix_loss_total_records, { "Total records lost", "unix.loss.total_records", FT_UINT64,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_loss_total_bytes, { "Total bytes lost", "unix.loss.total_bytes", FT_UINT64,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
	};

	static gint *ett[] = {
		&ett_unix,
		&ett_unix_flags,
		&ett_unix_tlv,
		&ett_unix_scm_rights,
		&ett_unix_scm_rights_fd,
		&ett_unix_scm_rights_fd_flags,
		&ett_unix_segments,
		&ett_unix_segment,
		&ett_unix_reader,
	};

	static ei_register_info ei[] = {
		{ &ei_unix_bad_magic, { "unix.bad_magic", PI_MALFORMED, PI_ERROR,
		    "Not a udsdump record (bad magic)", EXPFILL } },
		{ &ei_unix_unknown_version, { "unix.unknown_version", PI_UNDECODED, PI_WARN,
		    "Unknown record version", EXPFILL } },
		{ &ei_unix_bad_header_len, { "unix.bad_header_len", PI_MALFORMED, PI_ERROR,
		    "Bad header_len", EXPFILL } },
		{ &ei_unix_bad_payload_len, { "unix.bad_payload_len", PI_MALFORMED, PI_ERROR,
		    "payload_len runs past the record", EXPFILL } },
		{ &ei_unix_tlv_overrun, { "unix.tlv.overrun", PI_MALFORMED, PI_ERROR,
		    "TLV runs past header_len", EXPFILL } },
		{ &ei_unix_tlv_short, { "unix.tlv.short", PI_MALFORMED, PI_ERROR,
		    "TLV value shorter than its fixed size", EXPFILL } },
		{ &ei_unix_tlv_repeated, { "unix.tlv.repeated", PI_PROTOCOL, PI_WARN,
		    "TLV repeated", EXPFILL } },
		{ &ei_unix_tlv_unknown, { "unix.tlv.unknown", PI_UNDECODED, PI_NOTE,
		    "Unknown TLV type skipped", EXPFILL } },
		{ &ei_unix_bad_addr_kind, { "unix.bad_addr_kind", PI_PROTOCOL, PI_WARN,
		    "Bad address kind", EXPFILL } },
		{ &ei_unix_gap, { "unix.expert.gap", PI_SEQUENCE, PI_WARN,
		    "Bytes missing before this record (gap in the stream)", EXPFILL } },
		{ &ei_unix_truncated, { "unix.expert.truncated", PI_SEQUENCE, PI_WARN,
		    "Payload truncated", EXPFILL } },
		{ &ei_unix_loss, { "unix.expert.loss", PI_SEQUENCE, PI_WARN,
		    "Records lost in the kernel", EXPFILL } },
		{ &ei_unix_not_captured, { "unix.expert.not_captured", PI_SEQUENCE, PI_WARN,
		    "Bytes sent but not captured", EXPFILL } },
		{ &ei_unix_partial, { "unix.expert.partial", PI_SEQUENCE, PI_NOTE,
		    "Partial send", EXPFILL } },
		{ &ei_unix_cmsg_truncated, { "unix.expert.cmsg_truncated", PI_SEQUENCE, PI_WARN,
		    "Control data larger than the capture keeps", EXPFILL } },
		{ &ei_unix_fd_unresolved, { "unix.expert.fd_unresolved", PI_UNDECODED, PI_NOTE,
		    "Passed descriptor not described by the capture", EXPFILL } },
		{ &ei_unix_reasm_gap, { "unix.expert.reassembly_gap", PI_REASSEMBLE, PI_WARN,
		    "Reassembly stopped by a gap in the stream", EXPFILL } },
		{ &ei_unix_reasm_incomplete, { "unix.expert.reassembly_incomplete", PI_REASSEMBLE, PI_NOTE,
		    "The stream ended inside a PDU", EXPFILL } },
		{ &ei_unix_unread, { "unix.expert.unread", PI_SEQUENCE, PI_WARN,
		    "Data sent but never read at the end of the stream", EXPFILL } },
	};

	module_t *unix_module;
	expert_module_t *expert_unix;

	proto_unix = proto_register_protocol("Unix Domain Socket", "UNIX", "unix");
	proto_register_field_array(proto_unix, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
	expert_unix = expert_register_protocol(proto_unix);
	expert_register_field_array(expert_unix, ei, array_length(ei));
	unix_register_engine();

	unix_handle = register_dissector("unix", dissect_unix, proto_unix);

	unix_module = prefs_register_protocol(proto_unix, unix_prefs_apply);
	prefs_register_uint_preference(unix_module, "user_link_type",
	    "USER link type (0-15) carrying udsdump records",
	    "The LINKTYPE_USERn (DLT 147+n) whose packets are udsdump records; "
	    "udsdump writes USER12 (DLT 159)",
	    10, &pref_user_index);

	unix_path_table = register_dissector_table("unix.path", "UNIX socket path", proto_unix,
	    FT_STRING, FALSE);
	unix_heur_list = register_heur_dissector_list("unix", proto_unix);
	register_decode_as(&unix_da);

	unix_address_type = address_type_dissector_register("AT_UNIX", "Unix socket end",
	    unix_addr_to_str, unix_addr_str_len, NULL, unix_addr_col_filter, NULL,
	    unix_addr_name_res, unix_addr_name_res_len);

	unix_tap = register_tap("unix");
	register_conversation_table(proto_unix, TRUE, unix_conversation_packet, unix_endpoint_packet);
	register_conversation_filter("unix", "UNIX", unix_filter_valid, unix_build_filter, NULL);
	register_follow_stream(proto_unix, "unix", unix_follow_conv_filter, unix_follow_index_filter,
	    unix_follow_address_filter, unix_follow_port_to_display, unix_follow_tap_listener,
	    unix_follow_stream_count, NULL);

	unix_streams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	unix_socks = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash,
	    g_int64_equal);
	unix_labels = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
	    g_str_equal);
	unix_end_labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	unix_inode_streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	unix_stream_list = g_ptr_array_new_with_free_func(unix_stream_free);
	unix_dirs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	unix_msp_done = g_hash_table_new(g_direct_hash, g_direct_equal);
	unix_writers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, unix_writer_free);
	reassembly_table_register(&unix_reassembly_table, &unix_reasm_funcs);
	register_init_routine(unix_init);
	register_cleanup_routine(unix_cleanup);
}

void
proto_reg_handoff_unix(void)
{
	static gboolean registered = FALSE;
	static guint current_index;

	if (pref_user_index > 15)
		pref_user_index = UDS_WTAP_ENCAP_USER_INDEX;
	if (registered) {
		if (current_index == pref_user_index)
			return;
		/*
		 * Give the old link type back to Wireshark's generic DLT_USER
		 * dissector, which claims all sixteen (our registration replaced
		 * its entry, so dissector_reset_uint would bring ours back).
		 */
		dissector_handle_t user_dlt = find_dissector("user_dlt");
		if (user_dlt)
			dissector_add_uint("wtap_encap", WTAP_ENCAP_USER0 + current_index, user_dlt);
		else
			dissector_delete_uint("wtap_encap", WTAP_ENCAP_USER0 + current_index, unix_handle);
	}
	dissector_add_uint("wtap_encap", WTAP_ENCAP_USER0 + pref_user_index, unix_handle);
	current_index = pref_user_index;
	if (!registered) {
		http_handle = find_dissector("http");
		http_tcp_handle = find_dissector("http-over-tcp");
		tcp_port_table = find_dissector_table("tcp.port");
		dissector_table_foreach_handle("tcp.port", unix_add_decode_as_handle, NULL);
		if (http_handle)
			dissector_add_for_decode_as("unix.path", http_handle);
	}
	registered = TRUE;
}

void
plugin_register(void)
{
	static proto_plugin plug;

	plug.register_protoinfo = proto_register_unix;
	plug.register_handoff = proto_reg_handoff_unix;
	proto_register_plugin(&plug);
}

#ifdef WS_PLUGIN_DESCRIBES_ITSELF
/* `tshark -G plugins` lists the plugin as a dissector, not as "unknown". */
uint32_t
plugin_describe(void)
{
	return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
