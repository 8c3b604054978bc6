/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-peer.c: the peer's identity and the sockets' namespaces of records
 * that say "as before" (doc/FORMAT.md, flag PEER_AS_BEFORE). Such a record
 * leaves out PEER_CRED, PEER_CRED_NS, PEER_TASK, PEER_TASK_NS and SOCK_NS:
 * they are those of the last record of the same socket without the flag.
 * The first pass keeps, per socket inode, those TLVs' bytes as a record of
 * their own; a flagged record is given them (per frame, for the later
 * passes and random access), and they are walked as if it held them, from
 * a tvb of their own: every field, filter, column and label is the same as
 * on the record they came from.
 */

#include "packet-unix.h"

#include <string.h>

/* The carried TLVs of one record, after a record header: walkable as a record. */
typedef struct {
	guint32 frame; /* the first record of the socket's run that carried them */
	guint len;     /* UDS_REC_HDR_LEN + the TLVs' bytes */
	guint8 *rec;
} unix_peer_copy_t;

#define UNIX_PEER_KEY 1 /* p_add_proto_data key (0: the frame's unix_frame_t) */

static int hf_peer_carried_from = -1;
static gint ett_peer_carried = -1;

/* socket inode (guint64 *) -> unix_peer_copy_t *, first pass, file scope */
static wmem_map_t *peer_by_inode;

static gboolean
is_peer_tlv(guint16 type)
{
	return type == UDS_TLV_PEER_CRED || type == UDS_TLV_PEER_CRED_NS || type == UDS_TLV_PEER_TASK ||
	    type == UDS_TLV_PEER_TASK_NS;
}

static gboolean
is_carried_tlv(guint16 type)
{
	return is_peer_tlv(type) || type == UDS_TLV_SOCK_NS;
}

/* A record without the flag: its carried TLVs (none: the peer is not known
 * and the sockets' namespaces neither) become its socket's. The TLVs were
 * checked by the first walk. */
static void
peer_keep(tvbuff_t *tvb, packet_info *pinfo, const unix_record_t *rec)
{
	guint8 buf[UDS_REC_HDR_LEN + 512];
	guint len = UDS_REC_HDR_LEN;
	int off = UDS_REC_HDR_LEN;

	while (off + UDS_TLV_HDR_LEN <= rec->header_len) {
		guint16 type = tvb_get_letohs(tvb, off + UDS_TLV_OFF_TYPE);
		guint16 tlen = tvb_get_letohs(tvb, off + UDS_TLV_OFF_LENGTH);
		guint whole = UDS_TLV_HDR_LEN + tlen;

		if (off + (int)whole > rec->header_len)
			break;
		if (is_carried_tlv(type) && len + whole <= sizeof(buf)) {
			tvb_memcpy(tvb, buf + len, off, whole);
			len += whole;
		}
		off += whole;
	}
	if (len == UDS_REC_HDR_LEN) {
		wmem_map_remove(peer_by_inode, &rec->inode);
		return;
	}
	/* The same identity as kept: keep that copy (a capture without the
	 * flag repeats it in every record; one copy per record would grow
	 * with the file). */
	const unix_peer_copy_t *kept = (const unix_peer_copy_t *)wmem_map_lookup(peer_by_inode,
	    &rec->inode);
	if (kept && kept->len == len &&
	    memcmp(kept->rec + UDS_REC_HDR_LEN, buf + UDS_REC_HDR_LEN, len - UDS_REC_HDR_LEN) == 0)
		return;
	/* the header of a record that holds only these TLVs */
	memset(buf, 0, UDS_REC_HDR_LEN);
	tvb_memcpy(tvb, buf, 0, UDS_HDR_OFF_FLAGS); /* magic, version, event */
	buf[UDS_HDR_OFF_HEADER_LEN] = (guint8)len;
	buf[UDS_HDR_OFF_HEADER_LEN + 1] = (guint8)(len >> 8);

	unix_peer_copy_t *c = wmem_new(wmem_file_scope(), unix_peer_copy_t);
	c->frame = pinfo->num;
	c->len = len;
	c->rec = (guint8 *)wmem_memdup(wmem_file_scope(), buf, len);
	guint64 *key = wmem_new(wmem_file_scope(), guint64);
	*key = rec->inode;
	wmem_map_insert(peer_by_inode, key, c);
}

/* The copy this frame's record is given, or NULL. */
static const unix_peer_copy_t *
peer_copy_of(tvbuff_t *tvb, packet_info *pinfo, const unix_record_t *rec)
{
	if (!PINFO_FD_VISITED(pinfo) && rec->has_socket) {
		if (!(rec->flags & UDS_F_PEER_AS_BEFORE)) {
			peer_keep(tvb, pinfo, rec);
			return NULL;
		}
		const unix_peer_copy_t *c = (const unix_peer_copy_t *)wmem_map_lookup(peer_by_inode,
		    &rec->inode);
		if (c)
			p_add_proto_data(wmem_file_scope(), pinfo, proto_unix, UNIX_PEER_KEY, (void *)c);
	}
	return (const unix_peer_copy_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix,
	    UNIX_PEER_KEY);
}

/* The copy c without the TLVs the record holds itself (a record flagged
 * by a writer that carried only the peer's identity holds SOCK_NS), in
 * pinfo's pool; c itself when the record holds none of them. */
static const guint8 *
carried_wanted(packet_info *pinfo, const unix_peer_copy_t *c, gboolean peer, gboolean ns, guint *len)
{
	guint8 *buf = NULL;
	guint out = UDS_REC_HDR_LEN;
	guint off = UDS_REC_HDR_LEN;

	while (off + UDS_TLV_HDR_LEN <= c->len) {
		guint16 type = (guint16)(c->rec[off] | c->rec[off + 1] << 8);
		guint whole = UDS_TLV_HDR_LEN + (c->rec[off + 2] | c->rec[off + 3] << 8);
		gboolean wanted = is_peer_tlv(type) ? peer : ns;

		if (!wanted && !buf) {
			buf = (guint8 *)wmem_memdup(pinfo->pool, c->rec, c->len);
			out = off;
		} else if (wanted && buf) {
			memmove(buf + out, c->rec + off, whole);
			out += whole;
		} else if (wanted) {
			out += whole;
		}
		off += whole;
	}
	*len = out;
	if (!buf)
		return c->rec;
	buf[UDS_HDR_OFF_HEADER_LEN] = (guint8)out;
	buf[UDS_HDR_OFF_HEADER_LEN + 1] = (guint8)(out >> 8);
	return buf;
}

/* The peer's fields of from, or its SOCK_NS's, into rec. */
static void
carry_fields(unix_record_t *rec, const unix_record_t *from, tvbuff_t *from_tvb)
{
	if (from->has_peer_cred || from->has_peer_task) {
		rec->has_peer_cred = from->has_peer_cred;
		rec->pc_pid = from->pc_pid;
		rec->pc_uid = from->pc_uid;
		rec->pc_gid = from->pc_gid;
		rec->has_peer_task = from->has_peer_task;
		rec->pt_pid = from->pt_pid;
		rec->pt_tid = from->pt_tid;
		rec->pt_start_ns = from->pt_start_ns;
		rec->pt_source = from->pt_source;
		rec->pt_comm_off = from->pt_comm_off;
		rec->pt_tvb = from_tvb;
		rec->pt_cgroup_id = from->pt_cgroup_id;
		rec->pt_ns_pid = from->pt_ns_pid;
	}
	if (from->has_sock_ns) {
		rec->has_sock_ns = TRUE;
		rec->net_ns = from->net_ns;
		rec->peer_net_ns = from->peer_net_ns;
		rec->file_dev = from->file_dev;
		rec->peer_file_dev = from->peer_file_dev;
		rec->file_ino = from->file_ino;
		rec->peer_file_ino = from->peer_file_ino;
	}
}

/* After the first walk: rec gets the carried fields it does not hold from
 * the copy it is given. */
void
unix_peer_carry(tvbuff_t *tvb, packet_info *pinfo, unix_record_t *rec, unix_peer_carried_t *out)
{
	const unix_peer_copy_t *c = peer_copy_of(tvb, pinfo, rec);
	unix_record_t *from = &out->rec;
	gboolean peer = !rec->has_peer_cred && !rec->has_peer_task;
	gboolean ns = !rec->has_sock_ns;
	const guint8 *bytes;
	guint len;

	out->tvb = NULL;
	if (!c || (!peer && !ns))
		return;
	bytes = carried_wanted(pinfo, c, peer, ns, &len);
	if (len == UDS_REC_HDR_LEN)
		return;
	out->tvb = tvb_new_child_real_data(tvb, bytes, len, len);
	out->frame = c->frame;
	memset(from, 0, sizeof(*from));
	from->version = UDS_REC_VERSION;
	from->event = rec->event;
	from->header_len = (guint16)len;
	unix_walk_tlvs(out->tvb, pinfo, NULL, from, FALSE);
	carry_fields(rec, from, out->tvb);
}

/* The carried TLVs in the tree, under one generated item. */
void
unix_peer_carried_tree(packet_info *pinfo, proto_tree *unix_tree, unix_peer_carried_t *carried)
{
	proto_item *ti;
	proto_tree *sub;

	if (!carried->tvb)
		return;
	add_new_data_source(pinfo, carried->tvb, "As before");
	if (!unix_tree)
		return;
	sub = proto_tree_add_subtree_format(unix_tree, carried->tvb, UDS_REC_HDR_LEN, -1,
	    ett_peer_carried, NULL, "%s, as in frame %u",
	    carried->rec.has_peer_cred || carried->rec.has_peer_task ?
	    (carried->rec.has_sock_ns ? "Peer identity and namespaces" : "Peer identity") :
	    "Sockets' namespaces", carried->frame);
	ti = proto_tree_add_uint(sub, hf_peer_carried_from, carried->tvb, 0, 0, carried->frame);
	proto_item_set_generated(ti);
	unix_walk_tlvs(carried->tvb, pinfo, sub, &carried->rec, TRUE);
}

void
unix_peer_register(int proto)
{
	static hf_register_info hf[] = {
		{ &hf_peer_carried_from, { "Peer identity from", "unix.peer_from", FT_FRAMENUM,
		    BASE_NONE, NULL, 0x0, "The record of this socket the peer's identity and the "
		    "sockets' namespaces are as in (flag PEER_AS_BEFORE: this record does not "
		    "repeat them)", HFILL } },
	};
	static gint *ett[] = { &ett_peer_carried };

	peer_by_inode = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash,
	    g_int64_equal);
	proto_register_field_array(proto, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
}
