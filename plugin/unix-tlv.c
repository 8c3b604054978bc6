/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-tlv.c: the record/TLV walker and the printable forms of names
 */

#include "packet-unix.h"

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

/* A new file, or the file's memory going: no cached name stays. */
void
unix_names_init(void)
{
	unix_name_cache_n = 0;
}

/*
 * Printable form of socket name bytes: printable ASCII as is, valid UTF-8
 * sequences as is, everything else (NULs, control bytes, invalid UTF-8,
 * backslash) escaped as \xNN so that abstract names holding NULs stay
 * readable and distinct.
 */
char *
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

const char *
unix_task_label(wmem_allocator_t *scope, const char *comm, guint32 pid)
{
	return wmem_strdup_printf(scope, "%s[%u]", comm ? comm : "", pid);
}

/*
 * A comm[16] field as tvb_get_stringzpad(ENC_ASCII) returns it (the bytes up
 * to the first NUL; a byte >= 0x80 becomes U+FFFD): plain ASCII, the usual
 * case, is copied without going through a string buffer byte by byte.
 */
const char *
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
	case UDS_TLV_READS: return unix_reads_tlv_hf();
	default: return unix_ns_tlv_hf(type) >= 0 ? unix_ns_tlv_hf(type) : hf_unix_tlv_value;
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
	proto_tree_add_item(*sub, hf_unix_tlv_length, tvb, off + UDS_TLV_OFF_LENGTH, 2, ENC_LITTLE_ENDIAN);
	return ti;
}

void
unix_add_fields(proto_tree *sub, tvbuff_t *tvb, int voff, const unix_field_t *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		proto_tree_add_item(sub, *fields[i].hf, tvb, voff + fields[i].off, fields[i].len,
		    fields[i].enc);
}

/* Returns FALSE when the value is shorter than its fixed part. */
gboolean
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
	kind = tvb_get_uint8(tvb, voff + UDS_ADDR_OFF_KIND);
	nlen = len - 1u;
	if (!build) {
		/* The second walk (build) sees the same bytes: *a is set by then. */
		a->present = TRUE;
		a->kind = kind;
		a->named = FALSE;
		a->display_fs = FALSE;
		/* An empty pathname is no name at all. */
		if (kind == UDS_ADDR_ABSTRACT || (kind == UDS_ADDR_PATHNAME && nlen > 0)) {
			const guint8 *p = tvb_get_ptr(tvb, voff + UDS_ADDR_OFF_NAME, nlen);
			a->display = unix_addr_display(pinfo, kind, p, nlen, &a->display_fs);
			a->named = TRUE;
		} else {
			a->display = "(unnamed)";
		}
		if (kind > UDS_ADDR_ABSTRACT || (kind == UDS_ADDR_UNNAMED && nlen > 0))
			rec->needs_build = TRUE;
		return;
	}
	proto_tree_add_item(sub, hf_kind, tvb, voff + UDS_ADDR_OFF_KIND, 1, ENC_NA);
	proto_tree_add_string(sub, hf_name, tvb, voff + UDS_ADDR_OFF_NAME, nlen, a->display);
	proto_item_append_text(ti, ": %s", a->display);
	if (kind > UDS_ADDR_ABSTRACT)
		expert_add_info_format(pinfo, ti, &ei_unix_bad_addr_kind,
		    "Unknown address kind %u", kind);
	else if (kind == UDS_ADDR_UNNAMED && nlen > 0)
		expert_add_info_format(pinfo, ti, &ei_unix_bad_addr_kind,
		    "Unnamed address with %u name bytes", nlen);
}

static const unix_field_t fd_head_fields[] = {
	{ &hf_unix_scm_rights_fd, UDS_SCM_RIGHTS_FD_OFF_FD, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_rights_kind, UDS_SCM_RIGHTS_FD_OFF_FILE_KIND, 1, ENC_NA },
};

static const unix_field_t fd_socket_fields[] = {
	{ &hf_unix_scm_rights_sock_type, UDS_SCM_RIGHTS_FD_OFF_SOCK_TYPE, 2, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_rights_mode, UDS_SCM_RIGHTS_FD_OFF_MODE, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_rights_sock_family, UDS_SCM_RIGHTS_FD_OFF_SOCK_FAMILY, 2, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_rights_inode, UDS_SCM_RIGHTS_FD_OFF_INODE, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_rights_dev, UDS_SCM_RIGHTS_FD_OFF_DEV, 8, ENC_LITTLE_ENDIAN },
};

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
	proto_tree_add_item(sub, hf_unix_tlv_length, tvb, off + UDS_TLV_OFF_LENGTH, 2, ENC_LITTLE_ENDIAN);

	if (len < UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN) {
		rec->malformed = TRUE;
		expert_add_info_format(pinfo, ti, &ei_unix_tlv_short,
		    "SCM_RIGHTS descriptor is %u bytes, shorter than its fixed size %u",
		    len, UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN);
		if (len)
			proto_tree_add_item(sub, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		return;
	}
	fd = tvb_get_letohil(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_FD);
	kind = tvb_get_uint8(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_FILE_KIND);
	fd_flags = tvb_get_uint8(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_FD_FLAGS);
	dev = tvb_get_letoh64(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_DEV);
	plen = len - UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN;

	unix_add_fields(sub, tvb, voff, fd_head_fields, G_N_ELEMENTS(fd_head_fields));
	proto_tree_add_bitmask(sub, tvb, voff + UDS_SCM_RIGHTS_FD_OFF_FD_FLAGS, hf_unix_scm_rights_fd_flags,
	    ett_unix_scm_rights_fd_flags, fd_flag_fields, ENC_NA);
	unix_add_fields(sub, tvb, voff, fd_socket_fields, G_N_ELEMENTS(fd_socket_fields));
	proto_item_set_generated(proto_tree_add_uint(sub, hf_unix_scm_rights_dev_major, tvb,
	    voff + UDS_SCM_RIGHTS_FD_OFF_DEV, 8, (guint32)(dev >> 20)));
	proto_item_set_generated(proto_tree_add_uint(sub, hf_unix_scm_rights_dev_minor, tvb,
	    voff + UDS_SCM_RIGHTS_FD_OFF_DEV, 8, (guint32)(dev & 0xfffff)));

	proto_item_set_text(ti, "Descriptor %d: %s", fd,
	    val_to_str_const(kind, unix_file_kind_vals, "unknown"));
	if (plen > 0 || !(fd_flags & UDS_FD_UNRESOLVED)) {
		const guint8 *p = tvb_get_ptr(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_PATH, plen);
		char *path = unix_escape_name(pinfo->pool, p, plen);
		proto_tree_add_string(sub, hf_unix_scm_rights_path, tvb,
		    voff + UDS_SCM_RIGHTS_FD_OFF_PATH, plen, path);
		if (plen)
			proto_item_append_text(ti, " %s%s", path,
			    (fd_flags & UDS_FD_PATH_TRUNCATED) ? " (path cut short)" : "");
	}
	if (fd_flags & UDS_FD_UNRESOLVED) {
		proto_item_append_text(ti, " (not described)");
		expert_add_info(pinfo, ti, &ei_unix_fd_unresolved);
	}
}

static const unix_field_t socket_fields[] = {
	{ &hf_unix_inode, UDS_SOCKET_OFF_INODE, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_peer_inode, UDS_SOCKET_OFF_PEER_INODE, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_sock_type, UDS_SOCKET_OFF_SOCK_TYPE, 2, ENC_LITTLE_ENDIAN },
};

/* SOCKET: the socket, its peer and its type. */
static void
unix_walk_socket(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_SOCKET_LEN, build, rec))
		return;
	rec->has_socket = TRUE;
	rec->inode = pletohu64(hp + voff + UDS_SOCKET_OFF_INODE);
	rec->peer_inode = pletohu64(hp + voff + UDS_SOCKET_OFF_PEER_INODE);
	rec->sock_type = pletohu16(hp + voff + UDS_SOCKET_OFF_SOCK_TYPE);
	if (build) {
		unix_add_fields(sub, tvb, voff, socket_fields, G_N_ELEMENTS(socket_fields));
		proto_item_append_text(ti, ": inode %" PRIu64 ", peer %" PRIu64 ", %s",
		    rec->inode, rec->peer_inode,
		    val_to_str(pinfo->pool, rec->sock_type, unix_sock_type_vals, "type %u"));
	}
}

static const unix_field_t task_fields[] = {
	{ &hf_unix_task_pid, UDS_TASK_OFF_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_task_tid, UDS_TASK_OFF_TID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_task_uid, UDS_TASK_OFF_UID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_task_gid, UDS_TASK_OFF_GID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_task_start, UDS_TASK_OFF_START_NS, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_task_comm, UDS_TASK_OFF_COMM, UDS_COMM_LEN, ENC_ASCII },
};

/* TASK: the task that made the call (comm made a string only when needed). */
static void
unix_walk_task(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_TASK_LEN, build, rec))
		return;
	rec->has_task = TRUE;
	rec->pid = pletohu32(hp + voff + UDS_TASK_OFF_PID);
	rec->tid = pletohu32(hp + voff + UDS_TASK_OFF_TID);
	rec->uid = pletohu32(hp + voff + UDS_TASK_OFF_UID);
	rec->gid = pletohu32(hp + voff + UDS_TASK_OFF_GID);
	rec->start_ns = pletohu64(hp + voff + UDS_TASK_OFF_START_NS);
	/* comm: made into a string only when needed (tree, labels). */
	if (!build)
		rec->comm_off = voff + UDS_TASK_OFF_COMM;
	else if (!rec->comm)
		rec->comm = unix_get_comm(pinfo->pool, tvb, voff + UDS_TASK_OFF_COMM);
	if (build) {
		unix_add_fields(sub, tvb, voff, task_fields, G_N_ELEMENTS(task_fields));
		proto_item_append_text(ti, ": %s[%u] tid %u uid %u gid %u",
		    rec->comm, rec->pid, rec->tid, rec->uid, rec->gid);
	}
}

static const unix_field_t peer_cred_fields[] = {
	{ &hf_unix_peer_cred_pid, UDS_PEER_CRED_OFF_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_peer_cred_uid, UDS_PEER_CRED_OFF_UID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_peer_cred_gid, UDS_PEER_CRED_OFF_GID, 4, ENC_LITTLE_ENDIAN },
};

/* PEER_CRED: the peer's credentials as the kernel keeps them. */
static void
unix_walk_peer_cred(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_PEER_CRED_LEN, build, rec))
		return;
	rec->has_peer_cred = TRUE;
	rec->pc_pid = pletohu32(hp + voff + UDS_PEER_CRED_OFF_PID);
	rec->pc_uid = pletohu32(hp + voff + UDS_PEER_CRED_OFF_UID);
	rec->pc_gid = pletohu32(hp + voff + UDS_PEER_CRED_OFF_GID);
	if (build) {
		unix_add_fields(sub, tvb, voff, peer_cred_fields, G_N_ELEMENTS(peer_cred_fields));
		proto_item_append_text(ti, ": pid %u uid %u gid %u",
		    rec->pc_pid, rec->pc_uid, rec->pc_gid);
	}
}

static const unix_field_t peer_task_fields[] = {
	{ &hf_unix_peer_task_pid, UDS_PEER_TASK_OFF_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_peer_task_tid, UDS_PEER_TASK_OFF_TID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_peer_task_start, UDS_PEER_TASK_OFF_START_NS, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_peer_task_source, UDS_PEER_TASK_OFF_SOURCE, 1, ENC_NA },
	{ &hf_unix_peer_task_comm, UDS_PEER_TASK_OFF_COMM, UDS_COMM_LEN, ENC_ASCII },
};

/* PEER_TASK: the task last seen on the peer socket. */
static void
unix_walk_peer_task(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_PEER_TASK_LEN, build, rec))
		return;
	rec->has_peer_task = TRUE;
	rec->pt_pid = pletohu32(hp + voff + UDS_PEER_TASK_OFF_PID);
	rec->pt_tid = pletohu32(hp + voff + UDS_PEER_TASK_OFF_TID);
	rec->pt_start_ns = pletohu64(hp + voff + UDS_PEER_TASK_OFF_START_NS);
	rec->pt_source = hp[voff + UDS_PEER_TASK_OFF_SOURCE];
	if (!build)
		rec->pt_comm_off = voff + UDS_PEER_TASK_OFF_COMM;
	else if (!rec->pt_comm)
		rec->pt_comm = unix_get_comm(pinfo->pool, tvb, voff + UDS_PEER_TASK_OFF_COMM);
	if (build) {
		unix_add_fields(sub, tvb, voff, peer_task_fields, G_N_ELEMENTS(peer_task_fields));
		proto_item_append_text(ti, ": %s[%u]", rec->pt_comm, rec->pt_pid);
	}
}

static const unix_field_t stream_fields[] = {
	{ &hf_unix_stream_offset, UDS_STREAM_OFF_STREAM_OFFSET, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_msg_len, UDS_STREAM_OFF_MSG_LEN, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_msg_offset, UDS_STREAM_OFF_MSG_OFFSET, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_requested_len, UDS_STREAM_OFF_REQUESTED_LEN, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_syscall, UDS_STREAM_OFF_SYSCALL, 2, ENC_LITTLE_ENDIAN },
};

/* STREAM: where the bytes sit in the stream, and the syscall. */
static void
unix_walk_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_STREAM_LEN, build, rec))
		return;
	rec->has_stream = TRUE;
	rec->stream_offset = pletohu64(hp + voff + UDS_STREAM_OFF_STREAM_OFFSET);
	rec->msg_len = pletohu32(hp + voff + UDS_STREAM_OFF_MSG_LEN);
	rec->msg_offset = pletohu32(hp + voff + UDS_STREAM_OFF_MSG_OFFSET);
	rec->requested_len = pletohu32(hp + voff + UDS_STREAM_OFF_REQUESTED_LEN);
	rec->syscall = pletohu16(hp + voff + UDS_STREAM_OFF_SYSCALL);
	if (build) {
		unix_add_fields(sub, tvb, voff, stream_fields, G_N_ELEMENTS(stream_fields));
		proto_item_append_text(ti, ": offset %" PRIu64 ", message %u bytes (this part at %u), %s",
		    rec->stream_offset, rec->msg_len, rec->msg_offset,
		    val_to_str(pinfo->pool, rec->syscall, unix_syscall_vals, "syscall %u"));
	}
}

static const unix_field_t scm_creds_fields[] = {
	{ &hf_unix_scm_creds_pid, UDS_SCM_CREDS_OFF_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_creds_uid, UDS_SCM_CREDS_OFF_UID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_scm_creds_gid, UDS_SCM_CREDS_OFF_GID, 4, ENC_LITTLE_ENDIAN },
};

/* SCM_CREDENTIALS passed with the message. */
static void
unix_walk_scm_creds(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp _U_, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_SCM_CREDS_LEN, build, rec))
		return;
	rec->has_creds = TRUE;
	if (build) {
		unix_add_fields(sub, tvb, voff, scm_creds_fields, G_N_ELEMENTS(scm_creds_fields));
		proto_item_append_text(ti, ": pid %u uid %u gid %u",
		    tvb_get_letohl(tvb, voff + UDS_SCM_CREDS_OFF_PID), tvb_get_letohl(tvb, voff + UDS_SCM_CREDS_OFF_UID),
		    tvb_get_letohl(tvb, voff + UDS_SCM_CREDS_OFF_GID));
	}
}

static const unix_field_t cmsg_fields[] = {
	{ &hf_unix_cmsg_level, UDS_CMSG_RAW_OFF_LEVEL, 4, ENC_LITTLE_ENDIAN },
	{ &hf_unix_cmsg_type, UDS_CMSG_RAW_OFF_TYPE, 4, ENC_LITTLE_ENDIAN },
};

/* Another control message, shown raw. */
static void
unix_walk_cmsg(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp _U_, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_CMSG_RAW_FIXED_LEN, FALSE, rec)) {
		if (build)
			unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len,
			    UDS_TLV_CMSG_RAW_FIXED_LEN, TRUE, rec);
		return;
	}
	rec->n_cmsg_raw++;
	if (build) {
		unix_add_fields(sub, tvb, voff, cmsg_fields, G_N_ELEMENTS(cmsg_fields));
		if (len > UDS_TLV_CMSG_RAW_FIXED_LEN)
			proto_tree_add_item(sub, hf_unix_cmsg_data, tvb, voff + UDS_CMSG_RAW_OFF_DATA,
			    len - UDS_TLV_CMSG_RAW_FIXED_LEN, ENC_NA);
		proto_item_append_text(ti, ": level %d type %d, %u bytes",
		    tvb_get_letohil(tvb, voff + UDS_CMSG_RAW_OFF_LEVEL), tvb_get_letohil(tvb, voff + UDS_CMSG_RAW_OFF_TYPE),
		    len - UDS_TLV_CMSG_RAW_FIXED_LEN);
	}
}

static const unix_field_t loss_fields[] = {
	{ &hf_unix_loss_records, UDS_LOSS_OFF_RECORDS, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_loss_bytes, UDS_LOSS_OFF_BYTES, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_loss_total_records, UDS_LOSS_OFF_TOTAL_RECORDS, 8, ENC_LITTLE_ENDIAN },
	{ &hf_unix_loss_total_bytes, UDS_LOSS_OFF_TOTAL_BYTES, 8, ENC_LITTLE_ENDIAN },
};

/* LOSS: records and bytes the kernel dropped. */
static void
unix_walk_loss(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, UDS_TLV_LOSS_LEN, build, rec))
		return;
	rec->has_loss = TRUE;
	rec->loss_records = pletohu64(hp + voff + UDS_LOSS_OFF_RECORDS);
	rec->loss_bytes = pletohu64(hp + voff + UDS_LOSS_OFF_BYTES);
	rec->loss_total_records = pletohu64(hp + voff + UDS_LOSS_OFF_TOTAL_RECORDS);
	rec->loss_total_bytes = pletohu64(hp + voff + UDS_LOSS_OFF_TOTAL_BYTES);
	if (build) {
		unix_add_fields(sub, tvb, voff, loss_fields, G_N_ELEMENTS(loss_fields));
		proto_item_append_text(ti, ": %" PRIu64 " records, %" PRIu64 " bytes",
		    rec->loss_records, rec->loss_bytes);
	}
}

/* The value of one TLV (not SCM_RIGHTS, not a repeat), by its type. */
static void
unix_walk_value(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    const guint8 *hp, guint16 type, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	switch (type) {
	case UDS_TLV_SOCKET:
		unix_walk_socket(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_TASK:
		unix_walk_task(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_PEER_CRED:
		unix_walk_peer_cred(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_PEER_TASK:
		unix_walk_peer_task(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
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
		unix_walk_stream(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_SCM_CREDS:
		unix_walk_scm_creds(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_CMSG_RAW:
		unix_walk_cmsg(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_LOSS:
		unix_walk_loss(tvb, pinfo, sub, ti, hp, voff, len, build, rec);
		break;
	case UDS_TLV_TASK_NS:
	case UDS_TLV_PEER_TASK_NS:
	case UDS_TLV_SOCK_NS:
	case UDS_TLV_PEER_CRED_NS:
		unix_walk_ns(tvb, pinfo, sub, ti, type, voff, len, build, rec);
		break;
	case UDS_TLV_READS:
		/* (the second walk checks them against STREAM, wherever it is) */
		rec->needs_build = TRUE;
		unix_walk_reads(tvb, pinfo, sub, ti, voff, len, build, rec);
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
}

void
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
		type = pletohu16(hp + off + UDS_TLV_OFF_TYPE);
		len = pletohu16(hp + off + UDS_TLV_OFF_LENGTH);
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
			if (!build && len >= UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN) {
				unix_passed_fd_t pf;
				pf.fd = tvb_get_letohil(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_FD);
				pf.kind = tvb_get_uint8(tvb, voff + UDS_SCM_RIGHTS_FD_OFF_FILE_KIND);
				if (!rec->fds)
					rec->fds = wmem_array_new(pinfo->pool, sizeof pf);
				wmem_array_append_one(rec->fds, pf);
			}
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

		unix_walk_value(tvb, pinfo, sub, ti, hp, type, voff, len, build, rec);
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
