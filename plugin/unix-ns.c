/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-ns.c: where each end lives (doc/FORMAT.md TASK_NS, PEER_TASK_NS,
 * SOCK_NS, PEER_CRED_NS): the cgroup and namespaces of the task and of the peer's task,
 * the network namespace of both sockets and the files their path names
 * are bound to. A container user knows a process by these, and two
 * sockets that share a name in two namespaces are told apart by them.
 */

#include "packet-unix.h"

static int hf_tlv_task_ns = -1;
static int hf_tlv_peer_task_ns = -1;
static int hf_tlv_sock_ns = -1;
static int hf_tlv_peer_cred_ns = -1;
static int hf_peer_cred_nspid = -1;
static int hf_peer_cred_pidns = -1;

static int hf_cgroup = -1;
static int hf_nspid = -1;
static int hf_nstid = -1;
static int hf_pidns = -1;
static int hf_mntns = -1;
static int hf_peer_cgroup = -1;
static int hf_peer_nspid = -1;
static int hf_peer_nstid = -1;
static int hf_peer_pidns = -1;
static int hf_peer_mntns = -1;

static int hf_path_ns = -1;
static int hf_netns = -1;
static int hf_peer_netns = -1;
static int hf_file_dev = -1;
static int hf_peer_file_dev = -1;
static int hf_file_ino = -1;
static int hf_peer_file_ino = -1;

static const unix_field_t task_ns_fields[] = {
	{ &hf_cgroup, UDS_TASK_NS_OFF_CGROUP_ID, 8, ENC_LITTLE_ENDIAN },
	{ &hf_nspid, UDS_TASK_NS_OFF_NS_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_nstid, UDS_TASK_NS_OFF_NS_TID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_pidns, UDS_TASK_NS_OFF_PID_NS, 4, ENC_LITTLE_ENDIAN },
	{ &hf_mntns, UDS_TASK_NS_OFF_MNT_NS, 4, ENC_LITTLE_ENDIAN },
};

static const unix_field_t peer_task_ns_fields[] = {
	{ &hf_peer_cgroup, UDS_TASK_NS_OFF_CGROUP_ID, 8, ENC_LITTLE_ENDIAN },
	{ &hf_peer_nspid, UDS_TASK_NS_OFF_NS_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_peer_nstid, UDS_TASK_NS_OFF_NS_TID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_peer_pidns, UDS_TASK_NS_OFF_PID_NS, 4, ENC_LITTLE_ENDIAN },
	{ &hf_peer_mntns, UDS_TASK_NS_OFF_MNT_NS, 4, ENC_LITTLE_ENDIAN },
};

static const unix_field_t sock_ns_fields[] = {
	{ &hf_netns, UDS_SOCK_NS_OFF_NET_NS, 4, ENC_LITTLE_ENDIAN },
	{ &hf_peer_netns, UDS_SOCK_NS_OFF_PEER_NET_NS, 4, ENC_LITTLE_ENDIAN },
	{ &hf_file_dev, UDS_SOCK_NS_OFF_FILE_DEV, 4, ENC_LITTLE_ENDIAN },
	{ &hf_peer_file_dev, UDS_SOCK_NS_OFF_PEER_FILE_DEV, 4, ENC_LITTLE_ENDIAN },
	{ &hf_file_ino, UDS_SOCK_NS_OFF_FILE_INO, 8, ENC_LITTLE_ENDIAN },
	{ &hf_peer_file_ino, UDS_SOCK_NS_OFF_PEER_FILE_INO, 8, ENC_LITTLE_ENDIAN },
};

static const unix_field_t peer_cred_ns_fields[] = {
	{ &hf_peer_cred_nspid, UDS_PEER_CRED_NS_OFF_NS_PID, 4, ENC_LITTLE_ENDIAN },
	{ &hf_peer_cred_pidns, UDS_PEER_CRED_NS_OFF_PID_NS, 4, ENC_LITTLE_ENDIAN },
};

/* The tree item of a TLV of this file, or -1. */
int
unix_ns_tlv_hf(guint16 type)
{
	switch (type) {
	case UDS_TLV_TASK_NS: return hf_tlv_task_ns;
	case UDS_TLV_PEER_TASK_NS: return hf_tlv_peer_task_ns;
	case UDS_TLV_SOCK_NS: return hf_tlv_sock_ns;
	case UDS_TLV_PEER_CRED_NS: return hf_tlv_peer_cred_ns;
	default: return -1;
	}
}

static void
unix_walk_task_ns(tvbuff_t *tvb, proto_tree *sub, proto_item *ti, int voff,
    const unix_field_t *fields, gboolean peer)
{
	unix_add_fields(sub, tvb, voff, fields, G_N_ELEMENTS(task_ns_fields));
	unix_cgroup_show(sub, ti, tvb, voff + UDS_TASK_NS_OFF_CGROUP_ID,
	    tvb_get_letoh64(tvb, voff + UDS_TASK_NS_OFF_CGROUP_ID), peer);
	proto_item_append_text(ti, ": cgroup %" PRIu64 ", pid %u tid %u in pid:[%u], mnt:[%u]",
	    tvb_get_letoh64(tvb, voff + UDS_TASK_NS_OFF_CGROUP_ID),
	    tvb_get_letohl(tvb, voff + UDS_TASK_NS_OFF_NS_PID),
	    tvb_get_letohl(tvb, voff + UDS_TASK_NS_OFF_NS_TID),
	    tvb_get_letohl(tvb, voff + UDS_TASK_NS_OFF_PID_NS),
	    tvb_get_letohl(tvb, voff + UDS_TASK_NS_OFF_MNT_NS));
}

static void
unix_walk_sock_ns(tvbuff_t *tvb, proto_tree *sub, proto_item *ti, int voff)
{
	guint32 net = tvb_get_letohl(tvb, voff + UDS_SOCK_NS_OFF_NET_NS);
	guint64 file = tvb_get_letoh64(tvb, voff + UDS_SOCK_NS_OFF_FILE_INO);

	unix_add_fields(sub, tvb, voff, sock_ns_fields, G_N_ELEMENTS(sock_ns_fields));
	proto_item_append_text(ti, ": net:[%u]", net);
	if (file)
		proto_item_append_text(ti, ", bound to inode %" PRIu64, file);
}

/* PEER_CRED_NS: SO_PEERCRED's pid as the peer's own pid namespace numbers it. */
static void
unix_walk_peer_cred_ns(tvbuff_t *tvb, proto_tree *sub, proto_item *ti, int voff, gboolean build)
{
	if (!build)
		return;
	unix_add_fields(sub, tvb, voff, peer_cred_ns_fields, G_N_ELEMENTS(peer_cred_ns_fields));
	proto_item_append_text(ti, ": pid %u in pid:[%u]",
	    tvb_get_letohl(tvb, voff + UDS_PEER_CRED_NS_OFF_NS_PID),
	    tvb_get_letohl(tvb, voff + UDS_PEER_CRED_NS_OFF_PID_NS));
}

/* TASK_NS, PEER_TASK_NS, SOCK_NS or PEER_CRED_NS (the walker of unix-tlv.c
 * calls it). */
void
unix_walk_ns(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti,
    guint16 type, int voff, guint16 len, gboolean build, unix_record_t *rec)
{
	guint fixed = type == UDS_TLV_SOCK_NS ? UDS_TLV_SOCK_NS_LEN :
	    type == UDS_TLV_PEER_CRED_NS ? UDS_TLV_PEER_CRED_NS_LEN : UDS_TLV_TASK_NS_LEN;

	if (!unix_tlv_check_len(pinfo, sub, ti, tvb, voff, len, fixed, build, rec))
		return;
	if (type == UDS_TLV_PEER_CRED_NS) {
		unix_walk_peer_cred_ns(tvb, sub, ti, voff, build);
		return;
	}
	if (!build && type == UDS_TLV_SOCK_NS) {
		rec->has_sock_ns = TRUE;
		rec->net_ns = tvb_get_letohl(tvb, voff + UDS_SOCK_NS_OFF_NET_NS);
		rec->peer_net_ns = tvb_get_letohl(tvb, voff + UDS_SOCK_NS_OFF_PEER_NET_NS);
		rec->file_dev = tvb_get_letohl(tvb, voff + UDS_SOCK_NS_OFF_FILE_DEV);
		rec->peer_file_dev = tvb_get_letohl(tvb, voff + UDS_SOCK_NS_OFF_PEER_FILE_DEV);
		rec->file_ino = tvb_get_letoh64(tvb, voff + UDS_SOCK_NS_OFF_FILE_INO);
		rec->peer_file_ino = tvb_get_letoh64(tvb, voff + UDS_SOCK_NS_OFF_PEER_FILE_INO);
		return;
	}
	if (!build) {
		guint64 cg = type == UDS_TLV_SOCK_NS ? 0 :
		    tvb_get_letoh64(tvb, voff + UDS_TASK_NS_OFF_CGROUP_ID);
		guint32 nspid = type == UDS_TLV_SOCK_NS ? 0 :
		    tvb_get_letohl(tvb, voff + UDS_TASK_NS_OFF_NS_PID);
		if (type == UDS_TLV_TASK_NS) {
			rec->cgroup_id = cg;
			rec->ns_pid = nspid;
		} else if (type == UDS_TLV_PEER_TASK_NS) {
			rec->pt_cgroup_id = cg;
			rec->pt_ns_pid = nspid;
		}
		return;
	}
	if (type == UDS_TLV_SOCK_NS)
		unix_walk_sock_ns(tvb, sub, ti, voff);
	else
		unix_walk_task_ns(tvb, sub, ti, voff,
		    type == UDS_TLV_TASK_NS ? task_ns_fields : peer_task_ns_fields,
		    type == UDS_TLV_PEER_TASK_NS);
}

/* Where the connection's socket name lives: an abstract name's network
 * namespace, a path name's bound file (dev, inode); FALSE when the record
 * does not say. */
static gboolean
unix_ns_place(const unix_record_t *rec, const unix_addr_t *conn, guint32 *net, guint32 *dev,
    guint64 *ino)
{
	gboolean peer = conn == &rec->peer;

	if (!rec->has_sock_ns || !conn)
		return FALSE;
	*net = peer ? rec->peer_net_ns : rec->net_ns;
	*dev = peer ? rec->peer_file_dev : rec->file_dev;
	*ino = peer ? rec->peer_file_ino : rec->file_ino;
	if (conn->kind == UDS_ADDR_ABSTRACT && *net) {
		*dev = 0;
		*ino = 0;
		return TRUE;
	}
	if (conn->kind == UDS_ADDR_PATHNAME && *ino && conn != &rec->dest) {
		*net = 0;
		return TRUE;
	}
	return FALSE;
}

static const char *
unix_ns_qualify(wmem_allocator_t *scope, const unix_addr_t *conn, guint32 net, guint32 dev,
    guint64 ino)
{
	if (conn->kind == UDS_ADDR_ABSTRACT)
		return wmem_strdup_printf(scope, "%s (net:[%u])", conn->display, net);
	return wmem_strdup_printf(scope, "%s (file %u:%u inode %" PRIu64 ")", conn->display,
	    dev >> 20, dev & 0xfffff, ino);
}

/*
 * The connection's socket name qualified by where it lives: an abstract
 * name by the network namespace it was bound in, a path name by the file
 * it is bound to. Two containers' "@foo" or "/run/app.sock" are two
 * sockets; unix.path_ns tells them apart in a display filter.
 */
void
unix_ns_add_qualified(packet_info *pinfo, proto_tree *unix_tree, tvbuff_t *tvb,
    const unix_record_t *rec, const unix_addr_t *conn)
{
	guint32 net, dev;
	guint64 ino;

	if (!unix_tree || !unix_ns_place(rec, conn, &net, &dev, &ino))
		return;
	proto_item_set_generated(proto_tree_add_string(unix_tree, hf_path_ns, tvb, 0, 0,
	    unix_ns_qualify(pinfo->pool, conn, net, dev, ino)));
}

/*
 * Names seen in this file and where they live (name -> place, the first
 * one seen), the names seen in two places or more, and the qualified
 * names shown for those (text -> the same text, so a frame's Info text is
 * one file-scope string however often it is dissected).
 */
static wmem_map_t *name_places;
static wmem_map_t *names_in_two_places;
static wmem_map_t *qualified_names;

static guint64
unix_ns_place_key(guint32 net, guint32 dev, guint64 ino)
{
	return net ? (1ULL << 63) | net : ((guint64)dev << 40) ^ ino;
}

/*
 * The socket name the columns show: the name, or, once the file has shown
 * two sockets of that name living in two places (two network namespaces'
 * "@foo", two mount namespaces' "/run/app.sock"), the name qualified by
 * where this one lives. A single pass shows the plain name until the second
 * place is seen; a second pass (tshark -2, Wireshark) qualifies every
 * frame of such a name.
 */
const char *
unix_ns_column_path(packet_info *pinfo, const unix_record_t *rec, const unix_addr_t *conn,
    const char *path)
{
	guint32 net, dev;
	guint64 ino, key, *first;
	const char *q, *interned;

	if (!path || !unix_ns_place(rec, conn, &net, &dev, &ino))
		return path;
	key = unix_ns_place_key(net, dev, ino);
	if (!PINFO_FD_VISITED(pinfo)) {
		first = (guint64 *)wmem_map_lookup(name_places, path);
		if (!first) {
			first = wmem_new(wmem_file_scope(), guint64);
			*first = key;
			wmem_map_insert(name_places, wmem_strdup(wmem_file_scope(), path), first);
		} else if (*first != key && !wmem_map_contains(names_in_two_places, path)) {
			wmem_map_insert(names_in_two_places, wmem_strdup(wmem_file_scope(), path),
			    GINT_TO_POINTER(1));
		}
	}
	if (!wmem_map_size(names_in_two_places) || !wmem_map_contains(names_in_two_places, path))
		return path;
	q = unix_ns_qualify(pinfo->pool, conn, net, dev, ino);
	interned = (const char *)wmem_map_lookup(qualified_names, q);
	if (!interned) {
		interned = wmem_strdup(wmem_file_scope(), q);
		wmem_map_insert(qualified_names, interned, (void *)interned);
	}
	return interned;
}

void
unix_ns_register(int proto)
{
	name_places = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
	    g_str_equal);
	names_in_two_places = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(),
	    g_str_hash, g_str_equal);
	qualified_names = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
	    g_str_equal);
	static hf_register_info hf[] = {
		{ &hf_tlv_task_ns, { "Task's cgroup and namespaces", "unix.task_ns", FT_NONE,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_tlv_peer_task_ns, { "Peer task's cgroup and namespaces", "unix.peer_task_ns",
		    FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_tlv_sock_ns, { "Sockets' namespaces and files", "unix.sock_ns", FT_NONE,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_tlv_peer_cred_ns, { "Peer credentials in their namespace", "unix.peer_cred_ns",
		    FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_cred_nspid, { "Peer credentials PID in its namespace", "unix.peer_cred.nspid",
		    FT_UINT32, BASE_DEC, NULL, 0x0, "SO_PEERCRED's pid as the peer's own pid namespace "
		    "numbers it: what the peer's container calls it", HFILL } },
		{ &hf_peer_cred_pidns, { "Peer credentials PID namespace", "unix.peer_cred.pidns",
		    FT_UINT32, BASE_DEC, NULL, 0x0, "Inode of the pid namespace the peer was made in",
		    HFILL } },
		{ &hf_cgroup, { "Cgroup ID", "unix.cgroup", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "The task's cgroup v2 id (the inode of its cgroup directory)", HFILL } },
		{ &hf_nspid, { "PID in its namespace", "unix.nspid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "The process as its own pid namespace numbers it", HFILL } },
		{ &hf_nstid, { "TID in its namespace", "unix.nstid", FT_UINT32, BASE_DEC, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_pidns, { "PID namespace", "unix.pidns", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Inode of the task's pid namespace (/proc/PID/ns/pid)", HFILL } },
		{ &hf_mntns, { "Mount namespace", "unix.mntns", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Inode of the task's mount namespace (/proc/PID/ns/mnt)", HFILL } },
		{ &hf_peer_cgroup, { "Peer cgroup ID", "unix.peer_task.cgroup", FT_UINT64, BASE_DEC, NULL,
		    0x0, NULL, HFILL } },
		{ &hf_peer_nspid, { "Peer PID in its namespace", "unix.peer_task.nspid", FT_UINT32,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_nstid, { "Peer TID in its namespace", "unix.peer_task.nstid", FT_UINT32,
		    BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_pidns, { "Peer PID namespace", "unix.peer_task.pidns", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_mntns, { "Peer mount namespace", "unix.peer_task.mntns", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_path_ns, { "Socket path, where it lives", "unix.path_ns", FT_STRING, BASE_NONE,
		    NULL, 0x0, "unix.path qualified by the network namespace of an abstract name or "
		    "the file a path name is bound to: two sockets that share a name in two "
		    "namespaces differ here", HFILL } },
		{ &hf_netns, { "Network namespace", "unix.netns", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "Inode of the network namespace the socket was made in", HFILL } },
		{ &hf_peer_netns, { "Peer network namespace", "unix.peer_netns", FT_UINT32, BASE_DEC,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_file_dev, { "Bound file's device", "unix.file_dev", FT_UINT32, BASE_HEX, NULL,
		    0x0, "Kernel encoding: major << 20 | minor", HFILL } },
		{ &hf_peer_file_dev, { "Peer's bound file's device", "unix.peer_file_dev", FT_UINT32,
		    BASE_HEX, NULL, 0x0, NULL, HFILL } },
		{ &hf_file_ino, { "Bound file's inode", "unix.file_inode", FT_UINT64, BASE_DEC, NULL,
		    0x0, "The file the socket's path name is bound to", HFILL } },
		{ &hf_peer_file_ino, { "Peer's bound file's inode", "unix.peer_file_inode",
		    FT_UINT64, BASE_DEC, NULL, 0x0, NULL, HFILL } },
	};
	proto_register_field_array(proto, hf, array_length(hf));
}
