/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-links.c: receive links: who read what was sent
 */

#include "packet-unix.h"

/* A send, for matching reads (first pass). */
typedef struct {
	guint64 start, end; /* stream offsets covered */
	guint32 frame;
	nstime_t ts;
	void *fr;           /* its unix_frame_t */
} unix_sent_t;

/*
 * A read recorded before the send it returned. The sender's record is made
 * when its sendmsg() has returned, after the message was queued, so a reader
 * on another CPU can read it and be recorded first; the read waits here for
 * that send (first pass).
 */
typedef struct {
	guint64 start, end; /* the offsets read that no send seen so far covered */
	nstime_t ts;
	unix_reader_t reader; /* who read, for the send's list */
	unix_frame_t *fr;     /* the read's unix_frame_t */
} unix_early_read_t;

/* How long after a read its send's record may still come: the sender was
 * between queueing the message and its record, at most a preemption. */
#define UNIX_EARLY_READ_MAX_SECS 1.0
/* Reads waiting per socket at most: each sending thread holds back at most
 * its one message, so more are reads whose sends are not in the capture
 * (filtered out, or sent before it began). */
#define UNIX_EARLY_READS_MAX 64

/* Per writer socket: its sends, and how far readers read. */
typedef struct {
	GArray *sent;     /* unix_sent_t, in offset order */
	guint cursor;     /* first send not wholly read */
	guint64 read_end; /* highest offset read */
	gboolean read_any;
	GArray *early;    /* unix_early_read_t, in offset (datagrams: read) order */
} unix_writer_t;

static GHashTable *unix_writers;     /* writer inode -> unix_writer_t */
static gboolean unix_seen_recv;      /* the capture has receive records */

static void
unix_writer_free(gpointer p)
{
	unix_writer_t *w = (unix_writer_t *)p;
	g_array_free(w->sent, TRUE);
	g_array_free(w->early, TRUE);
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
		w->early = g_array_new(FALSE, FALSE, sizeof(unix_early_read_t));
		g_hash_table_insert(unix_writers, k, w);
	}
	return w;
}

/* The send e was read by the read who made (frame rfr): each names the other. */
static void
unix_link(const unix_sent_t *e, unix_frame_t *rfr, const unix_reader_t *who)
{
	unix_frame_t *sfr = (unix_frame_t *)e->fr;
	unix_reader_t *rd, **pp;

	if (!rfr->sent1) {
		rfr->sent1 = e->frame;
	} else {
		if (!rfr->sent_in)
			rfr->sent_in = wmem_array_new(wmem_file_scope(), sizeof(guint32));
		wmem_array_append_one(rfr->sent_in, e->frame);
	}
	rd = wmem_new(wmem_file_scope(), unix_reader_t);
	*rd = *who;
	rd->next = NULL;
	for (pp = &sfr->readers; *pp; pp = &(*pp)->next)
		;
	*pp = rd;
}

/* A read waiting for its send, if the send's record came soon enough. */
static gboolean
unix_early_read_fits(const unix_early_read_t *r, const nstime_t *send_ts)
{
	nstime_t gap;

	nstime_delta(&gap, send_ts, &r->ts);
	return nstime_to_sec(&gap) <= UNIX_EARLY_READ_MAX_SECS;
}

/* Move a stream writer's cursor past the sends its reader has read whole. */
static void
unix_skip_wholly_read(unix_writer_t *w)
{
	while (w->cursor < w->sent->len && g_array_index(w->sent, unix_sent_t, w->cursor).end <= w->read_end)
		w->cursor++;
}

/* A stream's new send e: link the reads of its bytes recorded before it. */
static void
unix_match_early_stream(unix_writer_t *w, const unix_sent_t *e)
{
	guint i = 0;

	while (i < w->early->len) {
		unix_early_read_t *r = &g_array_index(w->early, unix_early_read_t, i);
		if (r->start >= e->end)
			break;
		if (r->end > e->start && unix_early_read_fits(r, &e->ts))
			unix_link(e, r->fr, &r->reader);
		if (r->end > e->end) {
			r->start = e->end; /* the rest waits for the next send */
			i++;
		} else {
			/* wholly sent (sends come in offset order: bytes below
			 * this send that no send covered never will be) */
			g_array_remove_index(w->early, i);
		}
	}
}

/* A datagram queued at a socket with a read waiting: the oldest read took it. */
static gboolean
unix_match_early_dgram(unix_writer_t *q, const unix_sent_t *e)
{
	while (q->early->len) {
		unix_early_read_t r = g_array_index(q->early, unix_early_read_t, 0);
		g_array_remove_index(q->early, 0);
		/* (a read of a message queued before the capture waits in vain:
		 * it is dropped when too old, or too long for this message) */
		if (unix_early_read_fits(&r, &e->ts) && r.end - r.start <= e->end - e->start) {
			unix_link(e, r.fr, &r.reader);
			return TRUE;
		}
	}
	return FALSE;
}

/* First pass: remember a send's byte range. */
void
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
	e.ts = pinfo->abs_ts;
	e.fr = fr;
	g_array_append_val(w->sent, e);
	if (rec->sock_type == 1) {
		unix_match_early_stream(w, &e);
		unix_skip_wholly_read(w);
	} else if (rec->peer_inode && !(rec->flags & UDS_F_MORE)) {
		/* Datagrams also queue at the receiving socket, in order. */
		unix_writer_t *q = unix_get_writer(rec->peer_inode | UNIX_DIR_RECV, TRUE);
		g_array_append_val(q->sent, e);
		if (unix_match_early_dgram(q, &e))
			q->cursor = q->sent->len;
	}
}

/* A read whose send is not seen yet waits for it. */
static void
unix_wait_for_send(unix_writer_t *w, packet_info *pinfo, unix_frame_t *fr, const unix_reader_t *who,
    guint64 start, guint64 end)
{
	unix_early_read_t r;

	r.start = start;
	r.end = end;
	r.ts = pinfo->abs_ts;
	r.reader = *who;
	r.fr = fr;
	while (w->early->len && (w->early->len >= UNIX_EARLY_READS_MAX ||
	    !unix_early_read_fits(&g_array_index(w->early, unix_early_read_t, 0), &r.ts)))
		g_array_remove_index(w->early, 0);
	g_array_append_val(w->early, r);
}

/*
 * First pass: a read on a stream socket covers reader offsets [r0, r1),
 * which for a connection made during the capture are the writer's offsets
 * of the same bytes: link it with the sends it read.
 */
void
unix_note_recv(packet_info *pinfo, const unix_record_t *rec, unix_frame_t *fr)
{
	unix_writer_t *w;
	unix_reader_t who = { 0 };
	guint64 r0, r1, sent_end;

	unix_seen_recv = TRUE;
	if (!rec->has_socket || !rec->has_stream || rec->msg_len == 0)
		return;
	who.frame = pinfo->num;
	who.pid = rec->has_task ? rec->pid : 0;
	who.comm = !rec->has_task ? "?" : rec->comm_fs ? rec->comm_fs
	    : rec->comm ? wmem_strdup(wmem_file_scope(), rec->comm) : "?";
	if (rec->sock_type != 1) {
		/* Datagrams: a read takes the oldest message queued at this socket. */
		w = unix_get_writer(rec->inode | UNIX_DIR_RECV, TRUE);
		if (w->cursor >= w->sent->len) {
			unix_wait_for_send(w, pinfo, fr, &who, 0, rec->msg_len);
			return;
		}
		unix_link(&g_array_index(w->sent, unix_sent_t, w->cursor), fr, &who);
		w->cursor++;
		return;
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
	for (guint i = w->cursor; i < w->sent->len; i++) {
		unix_sent_t *e = &g_array_index(w->sent, unix_sent_t, i);
		if (e->start >= r1)
			break;
		if (e->end <= r0)
			continue;
		unix_link(e, fr, &who);
	}
	sent_end = w->sent->len ? g_array_index(w->sent, unix_sent_t, w->sent->len - 1).end : 0;
	if (r1 > sent_end)
		unix_wait_for_send(w, pinfo, fr, &who, MAX(r0, sent_end), r1);
	if (r1 > w->read_end)
		w->read_end = r1;
	unix_skip_wholly_read(w);
}

void
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

void
unix_links_register(void)
{
	unix_writers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, unix_writer_free);
}

void
unix_links_init(void)
{
	g_hash_table_remove_all(unix_writers);
	unix_seen_recv = FALSE;
}
