/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-unix.c: Wireshark dissector plugin for udsdump records ("unix"),
 * Wireshark 4.0 to 4.6: its registration. The fields, subtrees and expert
 * infos every room uses, the preferences, Decode As on the socket path, the
 * link-type handoff and the plugin's entry points. What each room does is
 * listed in packet-unix.h.
 *
 * A udsdump capture holds one record per packet on a USER link type
 * (LINKTYPE_USER12 by default); doc/FORMAT.md describes the record.
 */

#include "packet-unix.h"

/* (cmake/version.cmake, through plugin/CMakeLists.txt) */
WS_DLL_PUBLIC_DEF const gchar plugin_version[] = UDSDUMP_PLUGIN_VERSION;
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

int proto_unix = -1;
static dissector_handle_t unix_handle;
dissector_table_t unix_path_table;      /* "unix.path": Decode As by socket path */
heur_dissector_list_t unix_heur_list;   /* "unix": heuristic payload dissectors */
dissector_handle_t http_handle;
dissector_handle_t http_tcp_handle; /* "http-over-tcp": honours tcpinfo FIN */
dissector_table_t tcp_port_table;

/* Header */
int hf_unix_magic = -1;
int hf_unix_version = -1;
int hf_unix_event = -1;
int hf_unix_header_len = -1;
int hf_unix_flags = -1;
int hf_unix_flags_truncated = -1;
int hf_unix_flags_more = -1;
int hf_unix_flags_oob = -1;
int hf_unix_flags_partial = -1;
int hf_unix_flags_first_seen = -1;
int hf_unix_flags_joined_midstream = -1;
int hf_unix_flags_no_payload_source = -1;
int hf_unix_flags_inferred = -1;
int hf_unix_flags_cmsg_truncated = -1;
int hf_unix_flags_read_fault = -1;
int hf_unix_flags_metadata_only = -1;
int hf_unix_flags_peer_as_before = -1;
int hf_unix_payload_len = -1;

/* Generated summary */
int hf_unix_stream = -1;
int hf_unix_role = -1;
int hf_unix_path = -1;
int hf_unix_addr_kind = -1;
int hf_unix_src = -1;
int hf_unix_dst = -1;
int hf_unix_src_inode = -1;
int hf_unix_dst_inode = -1;
int hf_unix_gap = -1;

/* Stream reassembly */
int hf_unix_segments = -1;
int hf_unix_segment = -1;
int hf_unix_segment_overlap = -1;
int hf_unix_segment_overlap_conflict = -1;
int hf_unix_segment_multiple_tails = -1;
int hf_unix_segment_too_long = -1;
int hf_unix_segment_error = -1;
int hf_unix_segment_count = -1;
int hf_unix_reassembled_in = -1;
int hf_unix_reassembled_length = -1;
int hf_unix_reassembled_data = -1;
int hf_unix_segment_data = -1;

/* Receive side links */
int hf_unix_reader = -1;
int hf_unix_reader_pid = -1;
int hf_unix_reader_comm = -1;
int hf_unix_reader_frame = -1;
int hf_unix_sent_in = -1;
int hf_unix_unread = -1;

/* TLV framing */
int hf_unix_tlv_type = -1;
int hf_unix_tlv_length = -1;
int hf_unix_tlv_value = -1;
int hf_unix_tlv_extra = -1;
int hf_unix_tlv_socket = -1;
int hf_unix_tlv_task = -1;
int hf_unix_tlv_peer_cred = -1;
int hf_unix_tlv_peer_task = -1;
int hf_unix_tlv_local_addr = -1;
int hf_unix_tlv_peer_addr = -1;
int hf_unix_tlv_dest_addr = -1;
int hf_unix_tlv_stream = -1;
int hf_unix_tlv_scm_fd = -1;
int hf_unix_tlv_scm_creds = -1;
int hf_unix_tlv_cmsg = -1;
int hf_unix_tlv_loss = -1;

/* SOCKET */
int hf_unix_inode = -1;
int hf_unix_peer_inode = -1;
int hf_unix_sock_type = -1;

/* TASK */
int hf_unix_task_pid = -1;
int hf_unix_task_tid = -1;
int hf_unix_task_uid = -1;
int hf_unix_task_gid = -1;
int hf_unix_task_start = -1;
int hf_unix_task_comm = -1;

/* PEER_CRED */
int hf_unix_peer_cred_pid = -1;
int hf_unix_peer_cred_uid = -1;
int hf_unix_peer_cred_gid = -1;

/* PEER_TASK */
int hf_unix_peer_task_pid = -1;
int hf_unix_peer_task_tid = -1;
int hf_unix_peer_task_start = -1;
int hf_unix_peer_task_source = -1;
int hf_unix_peer_task_comm = -1;

/* Addresses */
int hf_unix_local_addr_kind = -1;
int hf_unix_local_addr_name = -1;
int hf_unix_peer_addr_kind = -1;
int hf_unix_peer_addr_name = -1;
int hf_unix_dest_addr_kind = -1;
int hf_unix_dest_addr_name = -1;

/* STREAM */
int hf_unix_stream_offset = -1;
int hf_unix_msg_len = -1;
int hf_unix_msg_offset = -1;
int hf_unix_requested_len = -1;
int hf_unix_syscall = -1;

/* SCM_RIGHTS */
int hf_unix_scm_rights = -1;
int hf_unix_scm_rights_count = -1;
int hf_unix_scm_rights_fd = -1;
int hf_unix_scm_rights_kind = -1;
int hf_unix_scm_rights_fd_flags = -1;
int hf_unix_scm_rights_fd_flags_path_truncated = -1;
int hf_unix_scm_rights_fd_flags_unresolved = -1;
int hf_unix_scm_rights_sock_type = -1;
int hf_unix_scm_rights_mode = -1;
int hf_unix_scm_rights_sock_family = -1;
int hf_unix_scm_rights_inode = -1;
int hf_unix_scm_rights_dev = -1;
int hf_unix_scm_rights_dev_major = -1;
int hf_unix_scm_rights_dev_minor = -1;
int hf_unix_scm_rights_path = -1;

/* SCM_CREDENTIALS */
int hf_unix_scm_creds_pid = -1;
int hf_unix_scm_creds_uid = -1;
int hf_unix_scm_creds_gid = -1;

/* Other control messages */
int hf_unix_cmsg_level = -1;
int hf_unix_cmsg_type = -1;
int hf_unix_cmsg_data = -1;

/* LOSS */
int hf_unix_loss_records = -1;
int hf_unix_loss_bytes = -1;
int hf_unix_loss_total_records = -1;
int hf_unix_loss_total_bytes = -1;

gint ett_unix = -1;
gint ett_unix_flags = -1;
gint ett_unix_tlv = -1;
gint ett_unix_scm_rights = -1;
gint ett_unix_scm_rights_fd = -1;
gint ett_unix_scm_rights_fd_flags = -1;
gint ett_unix_segments = -1;
gint ett_unix_segment = -1;
gint ett_unix_reader = -1;

expert_field ei_unix_bad_magic = EI_INIT;
expert_field ei_unix_unknown_version = EI_INIT;
expert_field ei_unix_bad_header_len = EI_INIT;
expert_field ei_unix_bad_payload_len = EI_INIT;
expert_field ei_unix_tlv_overrun = EI_INIT;
expert_field ei_unix_tlv_short = EI_INIT;
expert_field ei_unix_tlv_repeated = EI_INIT;
expert_field ei_unix_tlv_unknown = EI_INIT;
expert_field ei_unix_bad_addr_kind = EI_INIT;
expert_field ei_unix_gap = EI_INIT;
expert_field ei_unix_truncated = EI_INIT;
expert_field ei_unix_loss = EI_INIT;
expert_field ei_unix_not_captured = EI_INIT;
expert_field ei_unix_partial = EI_INIT;
expert_field ei_unix_cmsg_truncated = EI_INIT;
expert_field ei_unix_fd_unresolved = EI_INIT;
expert_field ei_unix_reasm_gap = EI_INIT;
expert_field ei_unix_reasm_incomplete = EI_INIT;
expert_field ei_unix_unread = EI_INIT;

/* Preference: which LINKTYPE_USERn (0..15) carries udsdump records. */
static guint pref_user_index = UDS_WTAP_ENCAP_USER_INDEX;

/* ------------------------------------------------------------------------ */
/* Value strings                                                             */
/* ------------------------------------------------------------------------ */

const value_string unix_event_vals[] = {
	{ UDS_EV_DATA, "DATA" },
	{ UDS_EV_CONNECT, "CONNECT" },
	{ UDS_EV_ACCEPT, "ACCEPT" },
	{ UDS_EV_SOCKETPAIR, "SOCKETPAIR" },
	{ UDS_EV_SHUTDOWN, "SHUTDOWN" },
	{ UDS_EV_CLOSE, "CLOSE" },
	{ UDS_EV_LOSS, "LOSS" },
	{ UDS_EV_RECV, "RECV" },
	{ UDS_EV_ENGINE, "ENGINE" },
	{ UDS_EV_CGROUP, "CGROUP" },
	{ 0, NULL }
};

const value_string unix_tlv_type_vals[] = {
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
	{ UDS_TLV_TASK_NS, "Task's cgroup and namespaces" },
	{ UDS_TLV_PEER_TASK_NS, "Peer task's cgroup and namespaces" },
	{ UDS_TLV_PEER_CRED_NS, "Peer credentials in their namespace" },
	{ UDS_TLV_SOCK_NS, "Sockets' namespaces and files" },
	{ UDS_TLV_CGROUP, "Cgroup" },
	{ UDS_TLV_CONTAINER, "Container" },
	{ UDS_TLV_POD, "Pod" },
	{ UDS_TLV_CONTAINER_NAME, "Container name" },
	{ UDS_TLV_READS, "Reads" },
	{ 0, NULL }
};

/* SOCK_* values from <linux/net.h>. */
const value_string unix_sock_type_vals[] = {
	{ 1, "STREAM" },
	{ 2, "DGRAM" },
	{ 3, "RAW" },
	{ 4, "RDM" },
	{ 5, "SEQPACKET" },
	{ 6, "DCCP" },
	{ 10, "PACKET" },
	{ 0, NULL }
};

static const value_string unix_role_vals[] = {
	{ UNIX_ROLE_CLIENT, "Client" },
	{ UNIX_ROLE_SERVER, "Server (owns the socket's name)" },
	{ UNIX_ROLE_GUESSED | UNIX_ROLE_CLIENT, "Client (guessed: neither end is named, it spoke first)" },
	{ UNIX_ROLE_GUESSED | UNIX_ROLE_SERVER, "Server (guessed: neither end is named, the other spoke first)" },
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

const value_string unix_syscall_vals[] = {
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

const value_string unix_file_kind_vals[] = {
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

/* Before the file's memory goes: no pointer into it may stay. */
static void
unix_cleanup(void)
{
	unix_address_cleanup();
	unix_names_init();
}

/* A new file: every room forgets the last one. */
static void
unix_init(void)
{
	unix_analysis_init();
	unix_names_init();
	unix_cgroups_init();
	unix_address_init();
	unix_reassembly_init();
	unix_links_init();
	unix_handoff_init();
}

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

/*
 * The record header and flags, the generated summary, reassembly and
 * receive links. Registered in this order, after one another: the order of the
 * field table (`tshark -G fields`) is that of the fields above.
 */
static void
unix_register_record_fields(void)
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
		{ &hf_unix_flags_peer_as_before, { "Peer as before", "unix.flags.peer_as_before",
		    FT_BOOLEAN, 32, NULL, UDS_F_PEER_AS_BEFORE,
		    "The peer's identity is not repeated: it is as in this socket's last record "
		    "without this flag", HFILL } },
		{ &hf_unix_payload_len, { "Payload length", "unix.payload_len", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },

		{ &hf_unix_stream, { "Stream index", "unix.stream", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Connection index, keyed on the pair of socket inodes", HFILL } },
		{ &hf_unix_role, { "Role", "unix.role", FT_UINT8, BASE_DEC, VALS(unix_role_vals), 0x0,
		    "Whether this record's socket is the client or the server end, as payload "
		    "dissectors see it (the server's TCP port)", HFILL } },
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
	};

	proto_register_field_array(proto_unix, hf, array_length(hf));
}

/*
 * TLV framing and the TLVs of sockets, tasks, addresses and streams. Registered in this order, after one another: the order of the
 * field table (`tshark -G fields`) is that of the fields above.
 */
static void
unix_register_tlv_fields(void)
{
	static hf_register_info hf[] = {
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
	};

	proto_register_field_array(proto_unix, hf, array_length(hf));
}

/*
 * Control messages (SCM_RIGHTS, SCM_CREDENTIALS, others) and LOSS. Registered in this order, after one another: the order of the
 * field table (`tshark -G fields`) is that of the fields above.
 */
static void
unix_register_cmsg_fields(void)
{
	static hf_register_info hf[] = {
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

	proto_register_field_array(proto_unix, hf, array_length(hf));
}

void
proto_register_unix(void)
{
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
	unix_register_record_fields();
	unix_register_tlv_fields();
	unix_register_cmsg_fields();
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

	prefs_register_bool_preference(unix_module, "first_speaker_client",
	    "Unnamed connections: the end that speaks first is the client",
	    "Where neither end of a connection is named (socketpair), payload dissectors are told "
	    "that the end whose record came first is the client; off: the server",
	    &pref_first_speaker_client);
	unix_socket_table_register(unix_module);
	unix_dbus_register();
	unix_ns_register(proto_unix);
	unix_reads_register(proto_unix);
	unix_peer_register(proto_unix);
	unix_cgroup_register(proto_unix);

	unix_path_table = register_dissector_table("unix.path", "UNIX socket path", proto_unix,
	    FT_STRING, FALSE);
	unix_heur_list = register_heur_dissector_list("unix", proto_unix);
	register_decode_as(&unix_da);

	unix_register_address_type();
	unix_register_conversations();

	unix_analysis_register();
	unix_reassembly_register();
	unix_links_register();
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
		unix_socket_table_handoff();
		unix_heur_handoff();
		unix_dbus_handoff();
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

