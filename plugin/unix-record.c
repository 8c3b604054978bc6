/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-record.c: the record dissector: header, summary, expert info, columns, tap
 */

#include "packet-unix.h"

/* Frames with nothing missing point here (UNIX_FX). */
const unix_frame_extra_t unix_no_extra;

static gboolean
unix_magic_ok(tvbuff_t *tvb)
{
	return tvb_captured_length(tvb) >= 4 &&
	    tvb_get_uint8(tvb, UDS_HDR_OFF_MAGIC) == UDS_REC_MAGIC0 &&
	    tvb_get_uint8(tvb, UDS_HDR_OFF_MAGIC + 1) == UDS_REC_MAGIC1 &&
	    tvb_get_uint8(tvb, UDS_HDR_OFF_MAGIC + 2) == UDS_REC_MAGIC2 &&
	    tvb_get_uint8(tvb, UDS_HDR_OFF_MAGIC + 3) == UDS_REC_MAGIC3;
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
		&hf_unix_flags_peer_as_before,
		NULL
	};
	proto_tree_add_item(tree, hf_unix_event, tvb, UDS_HDR_OFF_EVENT, 1, ENC_NA);
	*hl_item = proto_tree_add_item(tree, hf_unix_header_len, tvb, UDS_HDR_OFF_HEADER_LEN, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_bitmask(tree, tvb, UDS_HDR_OFF_FLAGS, hf_unix_flags, ett_unix_flags, flag_fields,
	    ENC_LITTLE_ENDIAN);
	*pl_item = proto_tree_add_item(tree, hf_unix_payload_len, tvb, UDS_HDR_OFF_PAYLOAD_LEN, 4, ENC_LITTLE_ENDIAN);
}

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

	const char *path = ip[6]; /* a file-scope string: fr->path or its qualified form */

	if (!ev || !fr->has_stream || !fr->src_label || !path ||
	    !(st = unix_get_stream(fr->stream)))
		return; /* not all of them are file scope strings */
	for (guint i = 0; i < G_N_ELEMENTS(st->info); i++) {
		if (st->info[i].text && st->info[i].ev == ev && st->info[i].src == fr->src_label &&
		    st->info[i].dst == ip[4] && st->info[i].path == path) {
			text = st->info[i].text;
			goto found;
		}
	}
	{
		guint i = st->info_next++ % G_N_ELEMENTS(st->info);
		text = wmem_strconcat(wmem_file_scope(), ev, *ev ? " " : "", fr->src_label, " -> ",
		    ip[4], " ", path, NULL);
		st->info[i].ev = ev;
		st->info[i].src = fr->src_label;
		st->info[i].dst = ip[4];
		st->info[i].path = path;
		st->info[i].text = text;
	}
found:
	ip[0] = text;
	for (guint i = 1; i <= 6; i++)
		ip[i] = "";
}

void
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

/*
 * The record's header (magic, version, lengths, flags): FALSE when the
 * record cannot be decoded, with the reason in the tree and the Info column.
 */
static gboolean
unix_dissect_header(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    proto_item *ti, unix_record_t *rec)
{
	proto_item *hl_item, *pl_item;
	/* Only what the file holds: a pcap snap length may have cut the
	 * record, and nothing past the captured bytes may be trusted or handed
	 * to reassembly. */
	guint rec_len = tvb_captured_length(tvb);

	if (!unix_magic_ok(tvb)) {
		proto_item *mi = proto_tree_add_item(unix_tree, hf_unix_magic, tvb, 0,
		    MIN(4, tvb_captured_length(tvb)), ENC_NA);
		expert_add_info(pinfo, mi, &ei_unix_bad_magic);
		proto_item_append_text(ti, " (not a udsdump record)");
		col_set_str(pinfo->cinfo, COL_INFO, "Not a udsdump record (bad magic)");
		call_data_dissector(tvb, pinfo, tree);
		return FALSE;
	}

	proto_tree_add_item(unix_tree, hf_unix_magic, tvb, 0, 4, ENC_NA);

	if (rec_len < UDS_REC_HDR_LEN) {
		expert_add_info_format(pinfo, ti, &ei_unix_bad_header_len,
		    "Record is %u bytes, shorter than the fixed header (%u)", rec_len, UDS_REC_HDR_LEN);
		col_set_str(pinfo->cinfo, COL_INFO, "udsdump record [Malformed: shorter than its header]");
		return FALSE;
	}

	{
		proto_item *vi;
		guint32 version;
		vi = proto_tree_add_item_ret_uint(unix_tree, hf_unix_version, tvb, UDS_HDR_OFF_VERSION, 1, ENC_NA, &version);
		if (version != UDS_REC_VERSION) {
			expert_add_info_format(pinfo, vi, &ei_unix_unknown_version,
			    "Unknown record version %u: cannot decode", version);
			col_add_fstr(pinfo->cinfo, COL_INFO, "udsdump record version %u (cannot decode)", version);
			call_data_dissector(tvb_new_subset_remaining(tvb, UDS_HDR_OFF_EVENT), pinfo, tree);
			return FALSE;
		}
	}

	memset(rec, 0, sizeof *rec);
	rec->version = tvb_get_uint8(tvb, UDS_HDR_OFF_VERSION);
	rec->event = tvb_get_uint8(tvb, UDS_HDR_OFF_EVENT);
	rec->header_len = tvb_get_letohs(tvb, UDS_HDR_OFF_HEADER_LEN);
	rec->flags = tvb_get_letohl(tvb, UDS_HDR_OFF_FLAGS);
	rec->payload_len = tvb_get_letohl(tvb, UDS_HDR_OFF_PAYLOAD_LEN);

	if (unix_tree) {
		unix_add_header(unix_tree, tvb, &hl_item, &pl_item);
	} else {
		/* Without a tree the items would be NULL: expert info takes those. */
		hl_item = pl_item = NULL;
	}

	if (rec->header_len < UDS_REC_HDR_LEN || rec->header_len > rec_len) {
		expert_add_info_format(pinfo, hl_item, &ei_unix_bad_header_len,
		    "header_len %u is %s", rec->header_len,
		    rec->header_len < UDS_REC_HDR_LEN ? "shorter than the fixed header (16)"
		    : "larger than the record");
		col_add_fstr(pinfo->cinfo, COL_INFO, "%s [Malformed: bad header_len %u]",
		    val_to_str(pinfo->pool, rec->event, unix_event_vals, "event %u"), rec->header_len);
		if (rec_len > UDS_REC_HDR_LEN)
			call_data_dissector(tvb_new_subset_remaining(tvb, UDS_REC_HDR_LEN), pinfo, tree);
		return FALSE;
	}
	if ((guint64)rec->header_len + rec->payload_len > rec_len) {
		rec->malformed = TRUE;
		rec->payload_avail = rec_len - rec->header_len;
		expert_add_info_format(pinfo, pl_item, &ei_unix_bad_payload_len,
		    "header_len + payload_len = %" PRIu64 " is larger than the record (%u bytes)",
		    (guint64)rec->header_len + rec->payload_len, rec_len);
	} else {
		rec->payload_avail = rec->payload_len;
	}
	proto_item_set_len(ti, rec->header_len + rec->payload_avail);
	return TRUE;
}

/* The record's state from the first pass (made then, found after). */
static unix_frame_t *
unix_frame_of(packet_info *pinfo, tvbuff_t *tvb, unix_record_t *rec)
{
	unix_frame_t *fr;

	if (!PINFO_FD_VISITED(pinfo)) {
		fr = unix_analyse(pinfo, tvb, rec);
		p_add_proto_data(wmem_file_scope(), pinfo, proto_unix, 0, fr);
	} else {
		fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
		if (!fr) /* should not happen; be safe */
			fr = wmem_new0(pinfo->pool, unix_frame_t);
	}
	return fr;
}

/* Summary (generated) fields: nothing but tree items. */
static void
unix_add_summary(tvbuff_t *tvb, proto_tree *unix_tree, proto_item *ti, const unix_record_t *rec,
    const unix_frame_t *fr, const unix_addr_t *conn, const char *path)
{
	if (rec->has_socket && unix_tree) {
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
		if (rec->event == UDS_EV_DATA || rec->event == UDS_EV_RECV) {
			gi = proto_tree_add_uint(unix_tree, hf_unix_role, tvb, 0, 0,
			    unix_end_role(rec, fr));
			proto_item_set_generated(gi);
		}
		proto_item_append_text(ti, ", %s -> %s, %s", fr->src_label,
		    fr->dst_label ? fr->dst_label : "?", path);
	}
}

/* Expert info from the flags and the analysis. */
static void
unix_add_expert(tvbuff_t *tvb, packet_info *pinfo, proto_tree *unix_tree, proto_item *ti,
    const unix_record_t *rec, const unix_frame_extra_t *fx)
{
	if (fx->gap) {
		proto_item *gi = proto_tree_add_uint64(unix_tree, hf_unix_gap, tvb, 0, 0, fx->gap);
		proto_item_set_generated(gi);
		expert_add_info_format(pinfo, gi, &ei_unix_gap,
		    "%" PRIu64 " bytes missing before this record (stream offset %" PRIu64
		    ", previous record ended at %" PRIu64 ")",
		    fx->gap, rec->stream_offset, fx->gap_expected);
	}
	if (rec->flags & UDS_F_TRUNCATED)
		expert_add_info_format(pinfo, ti, &ei_unix_truncated,
		    "Payload truncated by the snap length: %u of %u message bytes captured",
		    rec->payload_avail, rec->msg_len);
	if (rec->flags & (UDS_F_NO_PAYLOAD_SOURCE | UDS_F_READ_FAULT))
		expert_add_info_format(pinfo, ti, &ei_unix_not_captured,
		    "%u bytes were sent but could not be captured (%s)", rec->msg_len,
		    (rec->flags & UDS_F_READ_FAULT) ? "sender memory unreadable"
		    : "sent outside the traced syscalls");
	if (rec->flags & UDS_F_PARTIAL)
		expert_add_info_format(pinfo, ti, &ei_unix_partial,
		    "Partial send: %u of %u requested bytes accepted", rec->msg_len, rec->requested_len);
	if (rec->flags & UDS_F_CMSG_TRUNCATED)
		expert_add_info(pinfo, ti, &ei_unix_cmsg_truncated);
	if (rec->has_loss && (rec->loss_records || rec->loss_bytes || rec->event == UDS_EV_LOSS))
		expert_add_info_format(pinfo, ti, &ei_unix_loss,
		    "%" PRIu64 " records (%" PRIu64 " payload bytes) lost in the kernel"
		    " (%" PRIu64 " records, %" PRIu64 " bytes since the capture started)",
		    rec->loss_records, rec->loss_bytes, rec->loss_total_records, rec->loss_total_bytes);
}

/* The Info column in parts, and the numbers some parts point at. */
typedef struct {
	const char *part[UNIX_INFO_NPARTS];
	char num_len[16], num_fds[16], num_gap[24];
} unix_info_t;

/* The Info column (LOSS records: their own text; others: in parts). */
static void
unix_set_columns(packet_info *pinfo, const unix_record_t *rec, const unix_frame_t *fr,
    const char *path, const unix_frame_extra_t *fx, unix_info_t *info)
{
	const char **ip = info->part;

	if (rec->event == UDS_EV_LOSS) {
		if (rec->has_loss)
			col_add_fstr(pinfo->cinfo, COL_INFO,
			    "LOSS %" PRIu64 " records (%" PRIu64 " bytes) lost in the kernel",
			    rec->loss_records, rec->loss_bytes);
		else
			col_set_str(pinfo->cinfo, COL_INFO, "LOSS");
	} else {
		/* The parts of the Info text, copied into the column once. */
		if (rec->event != UDS_EV_DATA) {
			ip[0] = val_to_str(pinfo->pool, rec->event, unix_event_vals, "Event %u");
			ip[1] = " ";
		}
		if (rec->has_socket) {
			ip[2] = fr->src_label; /* NULL shows as "(null)", as printf did */
			ip[3] = " -> ";
			ip[4] = fr->dst_label ? fr->dst_label : "?";
			ip[5] = " ";
			ip[6] = path;
			unix_info_prefix(fr, ip, rec->event);
		}
		if (rec->event == UDS_EV_DATA || rec->event == UDS_EV_RECV || rec->payload_avail) {
			uint32_to_str_buf(rec->payload_avail, info->num_len, sizeof info->num_len);
			ip[7] = " Len=";
			ip[8] = info->num_len;
		}
		if (rec->n_fds) {
			uint32_to_str_buf(rec->n_fds, info->num_fds, sizeof info->num_fds);
			ip[9] = " SCM_RIGHTS=";
			ip[10] = info->num_fds;
		}
		if (rec->has_creds)
			ip[11] = " SCM_CREDENTIALS";
		if (rec->flags & UDS_F_TRUNCATED)
			ip[12] = " [truncated]";
		if (fx->gap) {
			uint64_to_str_buf(fx->gap, info->num_gap, sizeof info->num_gap);
			ip[13] = " [";
			ip[14] = info->num_gap;
			ip[15] = " bytes missing]";
		}
		unix_set_info(pinfo, ip, NULL);
		if (rec->n_reads) /* a RECV that stands for several reads (READS) */
			col_append_fstr(pinfo->cinfo, COL_INFO, " Reads=%u Bytes=%u", rec->n_reads,
					rec->msg_len);
	}
	if (rec->malformed)
		col_append_str(pinfo->cinfo, COL_INFO, " [Malformed]");
}

/* Taps: conversations, endpoints, follow. */
static void
unix_queue_tap(packet_info *pinfo, const unix_record_t *rec, const unix_frame_t *fr,
    tvbuff_t *payload_tvb)
{
	if (rec->has_socket && fr->src_key && fr->dst_key && have_tap_listener(unix_tap)) {
		unix_tap_info_t *tap = wmem_new0(pinfo->pool, unix_tap_info_t);
		copy_address_shallow(&tap->src, &pinfo->src);
		copy_address_shallow(&tap->dst, &pinfo->dst);
		unix_set_address(&tap->conv_src, fr->conv_src_key);
		unix_set_address(&tap->conv_dst, fr->conv_dst_key);
		tap->stream = fr->stream;
		tap->event = rec->event;
		tap->payload_len = rec->payload_avail;
		tap->payload = payload_tvb;
		tap_queue_packet(unix_tap, pinfo, tap);
	}
}

int
dissect_unix(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
	proto_item *ti;
	proto_tree *unix_tree;
	unix_record_t rec;
	unix_frame_t *fr;
	const unix_addr_t *conn;
	const char *path;
	tvbuff_t *payload_tvb = NULL;
	/* Info column text in parts (LOSS records: none of them). */
	unix_info_t info;
	const unix_frame_extra_t *fx;
	unix_peer_carried_t carried;

	col_set_str(pinfo->cinfo, COL_PROTOCOL, "UNIX");
	col_clear(pinfo->cinfo, COL_INFO);
	for (guint i = 0; i < UNIX_INFO_NPARTS; i++)
		info.part[i] = "";

	ti = proto_tree_add_item(tree, proto_unix, tvb, 0, -1, ENC_NA);
	unix_tree = proto_item_add_subtree(ti, ett_unix);

	if (!unix_dissect_header(tvb, pinfo, tree, unix_tree, ti, &rec))
		return tvb_captured_length(tvb);

	/* ENGINE records are not traffic: no stream, conversation or tap. */
	if (rec.event == UDS_EV_ENGINE)
		return dissect_unix_engine(tvb, pinfo, tree, unix_tree, ti, &rec);
	if (rec.event == UDS_EV_CGROUP)
		return dissect_unix_cgroup(tvb, pinfo, unix_tree, ti, &rec);

	/* First walk: collect the fields. */
	unix_walk_tlvs(tvb, pinfo, NULL, &rec, FALSE);
	unix_peer_carry(tvb, pinfo, &rec, &carried);
	fr = unix_frame_of(pinfo, tvb, &rec);

	conn = unix_conn_addr(&rec);
	path = conn ? conn->display : "(unnamed)";
	if (!fr->path)
		fr->path = !conn || conn->display_fs ? path : wmem_strdup(wmem_file_scope(), path);

	/* Addresses, for the columns, conversations and follow. */
	unix_set_frame_addresses(pinfo, fr);
	unix_add_summary(tvb, unix_tree, ti, &rec, fr, conn, path);
	unix_ns_add_qualified(pinfo, unix_tree, tvb, &rec, conn);

	/* Second walk: the tree and the expert info (without a tree, only when
	 * the first walk met something it reports). */
	if (unix_tree || rec.needs_build || rec.malformed)
		unix_walk_tlvs(tvb, pinfo, unix_tree, &rec, TRUE);
	unix_peer_carried_tree(pinfo, unix_tree, &carried);
	unix_reads_add_one(tvb, unix_tree, &rec);

	/* Who read what was sent. */
	if (!PINFO_FD_VISITED(pinfo) && !fr->links_noted) {
		fr->links_noted = TRUE;
		if (rec.event == UDS_EV_DATA)
			unix_note_send(pinfo, &rec, fr);
		else if (rec.event == UDS_EV_RECV)
			unix_note_recv(pinfo, &rec, fr);
	}
	unix_show_links(tvb, pinfo, unix_tree, &rec, fr);

	fx = UNIX_FX(fr);
	unix_add_expert(tvb, pinfo, unix_tree, ti, &rec, fx);
	unix_set_columns(pinfo, &rec, fr, unix_ns_column_path(pinfo, &rec, conn, fr->path), fx, &info);

	if (rec.payload_avail > 0)
		payload_tvb = tvb_new_subset_length(tvb, rec.header_len, rec.payload_avail);
	unix_queue_tap(pinfo, &rec, fr, payload_tvb);

	unix_payload(tvb, payload_tvb, pinfo, tree, unix_tree, &rec, fr);
	unix_show_reassembly(tvb, payload_tvb, pinfo, unix_tree, &rec, fr, info.part);
	return tvb_captured_length(tvb);
}
