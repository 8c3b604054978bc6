/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-handoff.c: payload handoff: the one place bytes go to a sub-dissector
 */

#include "packet-unix.h"

/* The "port" RESP (and other tcp.port dissectors) see for the server side
 * when the chosen dissector has no TCP port of its own. */
#define UNIX_RESP_PORT 6379
#define UNIX_CLIENT_PORT 1

ws_bool pref_first_speaker_client = TRUE;

/* protocol index -> its lowest tcp.port + 1 (0: none), per file: a preference
 * may move a dissector's port. */
static GHashTable *unix_server_ports;

struct unix_port_search {
	int proto;
	guint port;
};

static void
unix_port_of_proto(const gchar *table_name _U_, ftenum_t selector_type _U_, gpointer key,
    gpointer value, gpointer user_data)
{
	struct unix_port_search *ps = (struct unix_port_search *)user_data;
	dissector_handle_t h = dtbl_entry_get_handle((dtbl_entry_t *)value);
	guint port = GPOINTER_TO_UINT(key);
	if (h && dissector_handle_get_protocol_index(h) == ps->proto && port &&
	    (!ps->port || port < ps->port))
		ps->port = port;
}

/*
 * The server's port for a dissector: the lowest TCP port it is registered
 * on, so that its "match_uint == destport means request" test holds the way
 * it does over TCP (pgsql 5432, mysql 3306, x11 6000...).
 */
static guint
unix_server_port(dissector_handle_t handle)
{
	struct unix_port_search ps = { 0, 0 };
	gpointer v;
	if (!handle)
		return UNIX_RESP_PORT;
	ps.proto = dissector_handle_get_protocol_index(handle);
	if (ps.proto < 0)
		return UNIX_RESP_PORT;
	if (!unix_server_ports)
		unix_server_ports = g_hash_table_new(g_direct_hash, g_direct_equal);
	v = g_hash_table_lookup(unix_server_ports, GINT_TO_POINTER(ps.proto + 1));
	if (!v) {
		dissector_table_foreach("tcp.port", unix_port_of_proto, &ps);
		v = GUINT_TO_POINTER(ps.port + 1);
		g_hash_table_insert(unix_server_ports, GINT_TO_POINTER(ps.proto + 1), v);
	}
	return GPOINTER_TO_UINT(v) > 1 ? GPOINTER_TO_UINT(v) - 1 : UNIX_RESP_PORT;
}

void
unix_handoff_init(void)
{
	if (unix_server_ports)
		g_hash_table_remove_all(unix_server_ports);
}

/*
 * Which end the record's own socket is. The end that owns the socket's name
 * (the accepted socket inherits the listener's) is the server; an end whose
 * peer is named is the client. With neither named (socketpair), the end that
 * spoke first is taken as the client (a preference turns it round).
 */
guint8
unix_end_role(const unix_record_t *rec, const unix_frame_t *fr)
{
	const unix_stream_t *st = fr && fr->has_stream ? unix_get_stream(fr->stream) : NULL;
	gboolean first;
	if (rec->local.present && rec->local.named)
		return UNIX_ROLE_SERVER;
	if (rec->peer.present && rec->peer.named)
		return UNIX_ROLE_CLIENT;
	first = !st || !st->has_first || st->first_inode == rec->inode;
	if (!pref_first_speaker_client)
		first = !first;
	return UNIX_ROLE_GUESSED | (first ? UNIX_ROLE_CLIENT : UNIX_ROLE_SERVER);
}

/*
 * First pass: which dissector gets these bytes, remembered in the call so
 * that later passes make the same choice. Decode As, then the user's socket
 * table, then the shipped one, then the heuristic dissectors, then the starts
 * we recognise (HTTP/1.x, RESP, HTTP/2, D-Bus, PostgreSQL). A heuristic
 * dissector that accepts the bytes has dissected them already (*done).
 */
static unix_choice_t
unix_choose_dissector(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, unix_stream_t *st,
    const unix_frame_t *fr, guint64 seq, dissector_handle_t da, dissector_handle_t hh,
    gboolean resync, gboolean can_desegment, struct tcpinfo *tcpinfo, gboolean *done)
{
	heur_dtbl_entry_t *hdtbl_entry;
	unix_choice_t c = { UNIX_HOW_DATA, NULL };

	if (da)
		c.how = UNIX_HOW_DECODE_AS;
	else if (st && st->proto == UNIX_HOW_HANDLE) {
		/* Chosen on the stream's first bytes by its path (which stays the
		 * same) or its unmistakable start: not looked up again. */
		c.how = UNIX_HOW_HANDLE;
		c.handle = st->handle;
	} else if (fr && fr->path && (c.handle = unix_socket_table_lookup(fr->path)) != NULL)
		c.how = UNIX_HOW_HANDLE;
	else if (dissector_try_heuristic(unix_heur_list, tvb, pinfo, tree, &hdtbl_entry,
	    tcpinfo)) {
		c.how = UNIX_HOW_HEUR;
		*done = TRUE;
	} else if (hh && unix_looks_like_http(tvb))
		c.how = UNIX_HOW_HTTP;
	else if (tcp_port_table && unix_looks_like_resp(tvb))
		c.how = UNIX_HOW_RESP;
	else if (!resync && (c.handle = unix_recognise_start(tvb, seq)) != NULL)
		c.how = UNIX_HOW_HANDLE;
	else if (resync)
		c.how = UNIX_HOW_DATA; /* the middle of something lost in a gap */
	else if (can_desegment && (unix_maybe_prefix(tvb) || unix_start_prefix(tvb, seq)))
		c.how = UNIX_HOW_WAIT;
	else if (st && st->proto) {
		c.how = st->proto; /* the connection's protocol, as TCP's port */
		c.handle = st->handle;
	}
	if (st && (c.how == UNIX_HOW_HTTP || c.how == UNIX_HOW_RESP ||
	    c.how == UNIX_HOW_HANDLE)) {
		st->proto = c.how;
		st->handle = c.handle;
	}
	return c;
}

/*
 * RESP through the tcp.port table, whole values only (unix-heur.c frames
 * them): the rest waits for more bytes.
 */
static void
unix_call_resp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint32 len,
    gboolean can_desegment, struct tcpinfo *tcpinfo)
{
	guint complete = len;
	tvbuff_t *t = tvb;
	if (can_desegment) {
		complete = unix_resp_whole_values(tvb, len);
		if (complete == 0) {
			pinfo->desegment_offset = 0;
			pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
			return;
		}
		if (complete < len)
			t = tvb_new_subset_length(tvb, 0, complete);
	}
	if (!tcp_port_table || !dissector_try_uint_with_data(tcp_port_table, UNIX_RESP_PORT,
	    t, pinfo, tree, TRUE, tcpinfo))
		call_data_dissector(t, pinfo, tree);
	if (complete < len) {
		pinfo->desegment_offset = complete;
		pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
	} else {
		pinfo->desegment_len = 0;
	}
}

/* A dissector by handle, TCP style: what it did not take it asks for. */
static void
unix_call_handle(dissector_handle_t handle, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, guint64 seq, struct tcpinfo *tcpinfo)
{
	if (unix_is_dbus(handle))
		unix_call_dbus(handle, tvb, pinfo, tree, rec, seq, tcpinfo);
	else if (call_dissector_only(handle, tvb, pinfo, tree, tcpinfo) <= 0 && !pinfo->desegment_len)
		call_data_dissector(tvb, pinfo, tree);
}

/* The handle a choice calls (NULL: RESP's port, a heuristic, data). */
static dissector_handle_t
unix_choice_handle(const unix_choice_t *c, dissector_handle_t da, dissector_handle_t hh)
{
	dissector_handle_t h = NULL;
	switch (c->how) {
	case UNIX_HOW_DECODE_AS: h = da; break;
	case UNIX_HOW_HANDLE: h = c->handle; break;
	case UNIX_HOW_HTTP: h = hh; break;
	default: return NULL;
	}
	/* The stream flavour of HTTP: it knows FIN ends a body. */
	if (h && h == http_handle && http_tcp_handle)
		h = http_tcp_handle;
	return h;
}

/* Call the dissector chosen on the bytes. */
static void
unix_call_chosen(const unix_choice_t *c, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, guint64 seq, dissector_handle_t handle, gboolean can_desegment,
    struct tcpinfo *tcpinfo)
{
	heur_dtbl_entry_t *hdtbl_entry;

	switch (c->how) {
	case UNIX_HOW_DECODE_AS:
	case UNIX_HOW_HANDLE:
	case UNIX_HOW_HTTP:
		if (handle)
			unix_call_handle(handle, tvb, pinfo, tree, rec, seq, tcpinfo);
		else
			call_data_dissector(tvb, pinfo, tree);
		break;
	case UNIX_HOW_HEUR:
		if (!dissector_try_heuristic(unix_heur_list, tvb, pinfo, tree, &hdtbl_entry,
		    tcpinfo))
			call_data_dissector(tvb, pinfo, tree);
		break;
	case UNIX_HOW_RESP:
		unix_call_resp(tvb, pinfo, tree, tvb_reported_length(tvb), can_desegment, tcpinfo);
		break;
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

/*
 * The ports a sub-dissector sees, TCP style: the server's is its own TCP
 * port (match_uint too, which Decode As and call_dissector never set), the
 * client's UNIX_CLIENT_PORT, so that "match_uint == destport" means a
 * request from the client by every route.
 */
static void
unix_set_ports(packet_info *pinfo, gboolean sender_is_server, guint server_port)
{
	pinfo->srcport = sender_is_server ? server_port : UNIX_CLIENT_PORT;
	pinfo->destport = sender_is_server ? UNIX_CLIENT_PORT : server_port;
	pinfo->match_uint = server_port;
}

/*
 * Hand bytes to the next dissector, in this order:
 *   1. Decode As on the socket path (the "unix.path" table, tshark -d);
 *   2. the user's socket table, then the shipped one (unix-socket-table.c);
 *   3. heuristic dissectors registered on the "unix" list;
 *   4. the starts we recognise: HTTP/1.x (request or status line), RESP
 *      (Redis, through the tcp.port table, where it lives in 4.0), and
 *      unix_recognise_start's (HTTP/2, D-Bus, PostgreSQL);
 *   5. data.
 * Payload dissectors see which side is the server (unix_end_role) through
 * the ports and match_uint. They get a struct tcpinfo as data (seq = stream
 * offset, FIN when the stream ended), the way TCP hands it over, and one
 * conversation per unix.stream.
 *
 * Returns what the dissector asked for, TCP style: *dlen 0 when it took
 * everything, else the offset of the first byte it did not take and how much
 * more it needs (a count, DESEGMENT_ONE_MORE_SEGMENT or DESEGMENT_UNTIL_FIN).
 */
void
unix_call_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, const unix_frame_t *fr, guint64 seq, gboolean fin,
    gboolean reassembled, gboolean can_desegment, gboolean resync, unix_choice_t *choice,
    guint32 *doff, guint32 *dlen)
{
	gboolean sender_is_server = (unix_end_role(rec, fr) & UNIX_ROLE_SERVER) != 0;
	guint32 saved_src = pinfo->srcport, saved_dst = pinfo->destport;
	guint32 saved_match = pinfo->match_uint;
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
		sender_is_server = !sender_is_server; /* the record is the reader's */
	unix_set_ports(pinfo, sender_is_server, UNIX_RESP_PORT);
	if (fr && fr->has_stream)
		conversation_set_elements_by_id(pinfo, CONVERSATION_NONE, fr->stream);
	pinfo->can_desegment = can_desegment ? 2 : 0;
	pinfo->desegment_offset = 0;
	pinfo->desegment_len = 0;

	TRY {
		gboolean done = FALSE;
		dissector_handle_t handle;
		/* Decode As on the path: looked up only when it can matter. */
		dissector_handle_t da = (choice->how == UNIX_HOW_UNDECIDED ||
		    choice->how == UNIX_HOW_DECODE_AS) && fr && fr->path ?
		    dissector_get_string_handle(unix_path_table, fr->path) : NULL;

		if (choice->how == UNIX_HOW_UNDECIDED) {
			/* First pass: decide, and remember for the later passes. */
			*choice = unix_choose_dissector(tvb, pinfo, tree, st, fr, seq, da, hh, resync,
			    can_desegment, &tcpinfo, &done);
		}
		handle = unix_choice_handle(choice, da, hh);
		if (handle)
			unix_set_ports(pinfo, sender_is_server, unix_server_port(handle));
		if (!done)
			unix_call_chosen(choice, tvb, pinfo, tree, rec, seq, handle, can_desegment,
			    &tcpinfo);
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
	pinfo->match_uint = saved_match;
}
