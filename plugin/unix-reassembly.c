/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-reassembly.c: stream and message reassembly, TCP style, decided on the first pass
 */

#include "packet-unix.h"

/*
 * One direction of a connection, for reassembly (first pass only): keyed on
 * the sending socket's inode (RECV payloads of an otherwise unseen sender:
 * the reading socket's inode with UNIX_DIR_RECV set).
 */
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

static GHashTable *unix_dirs;        /* direction key (guint64 *) -> unix_dir_t */
static GHashTable *unix_msp_done;    /* reassembly id -> frame that completed it */
static guint32 unix_msp_count;       /* last reassembly id handed out */
static reassembly_table unix_reassembly_table;

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
		    c->resync, &c->choice, doff, dlen);
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
	    &c->choice, doff, dlen);
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
 * First pass: bytes from *off on go to the pending PDU of a byte stream,
 * until it has what it asked for; then the dissector gets it. FALSE: this
 * record's bytes are all taken (the PDU wants more).
 */
static gboolean
unix_msp_add(tvbuff_t *seg, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    const unix_record_t *rec, unix_frame_t *fr, unix_dir_t *d, guint64 seq0, guint32 *off,
    guint32 len, gboolean more_follows)
{
	guint32 doff, dlen;
	guint32 take = len - *off;
	gboolean more;
	fragment_head *fh;
	tvbuff_t *reasm;
	unix_call_t *c;

	if (d->mode == UNIX_MSP_EXACT) {
		guint64 want = d->need - (seq0 + *off);
		if (want < take)
			take = (guint32)want;
		more = seq0 + *off + take < d->need;
	} else if (d->mode == UNIX_MSP_UNTIL_FIN) {
		more = TRUE;
	} else {
		more = more_follows;
	}
	fh = fragment_add(&unix_reassembly_table, seg, *off, pinfo, d->id, NULL, d->have,
	    take, more);
	d->have += take;
	*off += take;
	fr->seg_id = d->id;
	if (more)
		return FALSE;
	if (!fh || !fh->tvb_data) { /* cannot happen; give up on it */
		d->msp = FALSE;
		return TRUE;
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
		return TRUE;
	}
	if (doff == 0) {
		/* Not one PDU yet: keep collecting. */
		c->done = FALSE;
		fragment_set_partial_reassembly(&unix_reassembly_table, pinfo, d->id, NULL);
		unix_msp_set_mode(d, dlen, d->start + d->have);
		return TRUE;
	}
	/* PDUs up to doff; the rest begins the next one. */
	c->consumed = TRUE;
	g_hash_table_insert(unix_msp_done, GUINT_TO_POINTER(d->id), GUINT_TO_POINTER(pinfo->num));
	{
		guint32 old_have = d->have;
		guint64 end = d->start + old_have;
		if (!reasm) {
			d->msp = FALSE;
			return TRUE;
		}
		unix_msp_start(d, reasm, doff, old_have - doff, pinfo, fr, d->start + doff);
		unix_msp_set_mode(d, dlen, end);
	}
	return TRUE;
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
			if (!unix_msp_add(seg, pinfo, tree, unix_tree, rec, fr, d, seq0, &off, len,
			    more_follows))
				break;
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
			if (c->choice.how != UNIX_HOW_DATA)
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

/*
 * The payload of a record (and the end of a direction): reassembled and
 * handed over on the first pass, the same calls replayed after.
 */
void
unix_payload(tvbuff_t *tvb, tvbuff_t *payload_tvb, packet_info *pinfo, proto_tree *tree,
    proto_tree *unix_tree, const unix_record_t *rec, unix_frame_t *fr)
{
	if (payload_tvb && (rec->event == UDS_EV_DATA || rec->event == UDS_EV_RECV)) {
		if (!fr->payload_planned) {
			fr->payload_planned = TRUE;
			unix_payload_first(payload_tvb, pinfo, tree, unix_tree, rec, fr);
		} else if (fr->payload_as_data) {
			call_data_dissector(payload_tvb, pinfo, tree);
		} else {
			unix_replay_calls(payload_tvb, pinfo, tree, unix_tree, rec, fr);
		}
	} else if (rec->has_socket && (rec->event == UDS_EV_SHUTDOWN || rec->event == UDS_EV_CLOSE)) {
		if (!fr->payload_planned) {
			fr->payload_planned = TRUE;
			unix_stream_fin(tvb, pinfo, tree, unix_tree, rec, fr);
		} else {
			unix_replay_calls(tvb, pinfo, tree, unix_tree, rec, fr);
		}
		if (payload_tvb)
			call_data_dissector(payload_tvb, pinfo, tree);
	} else if (payload_tvb) {
		call_data_dissector(payload_tvb, pinfo, tree);
	}
}

/* Where this record's bytes went, and what went wrong. */
void
unix_show_reassembly(tvbuff_t *tvb, tvbuff_t *payload_tvb, packet_info *pinfo,
    proto_tree *unix_tree, const unix_record_t *rec, unix_frame_t *fr, const char **ip)
{
	const unix_frame_extra_t *fx = UNIX_FX(fr);

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
			    "UNIX segment data (%u byte%s)", rec->payload_avail,
			    plurality(rec->payload_avail, "", "s"));
		}
	}
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
}

void
unix_reassembly_register(void)
{
	unix_dirs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	unix_msp_done = g_hash_table_new(g_direct_hash, g_direct_equal);
	reassembly_table_register(&unix_reassembly_table, &unix_reasm_funcs);
}

void
unix_reassembly_init(void)
{
	g_hash_table_remove_all(unix_dirs);
	g_hash_table_remove_all(unix_msp_done);
	unix_msp_count = 0;
}
