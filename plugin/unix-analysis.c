/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-analysis.c: first-pass analysis: streams, sockets, gaps and labels
 */

#include "packet-unix.h"

/* Which stream a socket inode belongs to. */
typedef struct {
	guint32 stream;
	gboolean paired; /* FALSE: seen only in records without a peer inode */
} unix_inode_stream_t;

static GHashTable *unix_streams;     /* "keyA|keyB" -> stream index + 1 */
static wmem_map_t *unix_socks;       /* inode (guint64 *) -> unix_sock_t, file scope */
static wmem_map_t *unix_labels;      /* label text -> its one copy, file scope */
static GHashTable *unix_inode_streams; /* inode -> unix_inode_stream_t */
static GPtrArray *unix_stream_list;  /* stream index -> unix_stream_t */
static guint32 unix_stream_count;

static void
unix_stream_free(gpointer p)
{
	unix_stream_t *st = (unix_stream_t *)p;
	g_free(st->key_a);
	g_free(st->key_b);
	g_free(st);
}

const unix_addr_t *
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

gboolean
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

unix_stream_t *
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
 * "comm[pid]" for the comm[16] at off, or "container/comm[nspid]" when the
 * task's cgroup (cg, from a CGROUP record) is a container's: the cached one
 * while the comm bytes, the pid and the cgroup stay the same; *c_comm is
 * the comm as a string (file scope).
 */
static const char *
unix_cached_task_label(tvbuff_t *tvb, int off, guint32 pid, const unix_cgroup_t *cg,
    guint32 ns_pid, guint8 *c_raw, guint32 *c_pid, const unix_cgroup_t **c_cg,
    const char **c_comm, const char **c_label)
{
	const guint8 *raw = tvb_get_ptr(tvb, off, UDS_COMM_LEN);

	if (!*c_label || *c_pid != pid || *c_cg != cg || memcmp(c_raw, raw, UDS_COMM_LEN) != 0) {
		char *label;
		*c_pid = pid;
		*c_cg = cg;
		memcpy(c_raw, raw, UDS_COMM_LEN);
		*c_comm = unix_get_comm(wmem_file_scope(), tvb, off);
		if (cg && cg->label && ns_pid)
			label = wmem_strdup_printf(wmem_file_scope(), "%s%s[%u]", cg->label, *c_comm,
			    ns_pid);
		else
			label = (char *)unix_task_label(wmem_file_scope(), *c_comm, pid);
		*c_label = unix_intern_label(label);
	}
	return *c_label;
}

/*
 * The other end of a record's socket: its socket (when the record names its
 * inode), its address key and the label columns show for it.
 */
static const char *
unix_peer_end(tvbuff_t *tvb, const unix_record_t *rec, unix_sock_t *sk, unix_sock_t **peer_out,
    const char **peer_key_out)
{
	unix_sock_t *peer = NULL;
	const char *peer_key = NULL;
	const char *peer_label;

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
	*peer_out = peer;
	*peer_key_out = peer_key;
	if (rec->has_peer_task) {
		peer_label = unix_cached_task_label(rec->pt_tvb ? rec->pt_tvb : tvb, rec->pt_comm_off, rec->pt_pid,
		    unix_cgroup_of(rec->pt_cgroup_id), rec->pt_ns_pid, sk->pt_raw, &sk->pt_pid,
		    &sk->pt_cg, &sk->pt_comm, &sk->pt_label);
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
	return peer_label;
}

/*
 * Conversation-table ends: side A is the socket of the stream's
 * first record, B the other one. Known from the first record on,
 * even before the peer has an inode, so that a single pass lists
 * each connection once.
 */
static void
unix_conv_ends(const unix_record_t *rec, unix_frame_t *fr)
{
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
static void
unix_track_gap(const unix_record_t *rec, unix_sock_t *sk, unix_frame_t *fr)
{
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
}

unix_frame_t *
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
		this_label = unix_cached_task_label(tvb, rec->comm_off, rec->pid,
		    unix_cgroup_of(rec->cgroup_id), rec->ns_pid, sk->task_raw, &sk->task_pid,
		    &sk->task_cg, &sk->task_comm, &sk->task_label);
		rec->comm_fs = sk->task_comm;
	} else {
		this_label = unix_sock_inode_label(sk);
	}
	if (rec->has_task && rec->event != UDS_EV_RECV) {
		/* Remember who sends on this inode, for records whose peer is it. */
		sk->sender_label = this_label;
	}

	/* The other end. */
	peer_label = unix_peer_end(tvb, rec, sk, &peer, &peer_key);

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
	unix_conv_ends(rec, fr);

	unix_track_gap(rec, sk, fr);

	(void)pinfo;
	return fr;
}

/* How many streams the capture has so far (follow's stream selector). */
guint
unix_streams_seen(void)
{
	return unix_stream_list->len;
}

void
unix_analysis_register(void)
{
	unix_streams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	unix_socks = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash,
	    g_int64_equal);
	unix_labels = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
	    g_str_equal);
	unix_inode_streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	unix_stream_list = g_ptr_array_new_with_free_func(unix_stream_free);
}

void
unix_analysis_init(void)
{
	g_hash_table_remove_all(unix_streams);
	g_hash_table_remove_all(unix_inode_streams);
	g_ptr_array_set_size(unix_stream_list, 0);
	unix_stream_count = 0;
}
