/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-handoff.c: payload handoff: the one place bytes go to a sub-dissector
 */

#include "packet-unix.h"

/* The "port" RESP (and other tcp.port dissectors) see for the server side. */
#define UNIX_RESP_PORT 6379
#define UNIX_CLIENT_PORT 1

/*
 * First pass: which dissector gets these bytes (UNIX_HOW_*), remembered in
 * the call so that later passes make the same choice. A heuristic dissector
 * that accepts them has dissected them already (*done).
 */
static guint8
unix_choose_dissector(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, unix_stream_t *st,
    dissector_handle_t da, dissector_handle_t hh, gboolean resync, gboolean can_desegment,
    struct tcpinfo *tcpinfo, gboolean *done)
{
	heur_dtbl_entry_t *hdtbl_entry;
	guint8 h;

	if (da)
		h = UNIX_HOW_DECODE_AS;
	else if (dissector_try_heuristic(unix_heur_list, tvb, pinfo, tree, &hdtbl_entry,
	    tcpinfo)) {
		h = UNIX_HOW_HEUR;
		*done = TRUE;
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
	return h;
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

/* Call the dissector chosen (h) on the bytes. */
static void
unix_call_chosen(guint8 h, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_frame_t *fr, dissector_handle_t da, dissector_handle_t hh, guint32 len,
    gboolean can_desegment, struct tcpinfo *tcpinfo)
{
	heur_dtbl_entry_t *hdtbl_entry;

	switch (h) {
	case UNIX_HOW_DECODE_AS:
		if (da && da == http_handle && http_tcp_handle) {
			/* The stream flavour of HTTP: it knows FIN ends a body. */
			if (call_dissector_only(http_tcp_handle, tvb, pinfo, tree, tcpinfo) <= 0 &&
			    !pinfo->desegment_len)
				call_data_dissector(tvb, pinfo, tree);
		} else if (!da || !dissector_try_string_with_data(unix_path_table, fr->path, tvb,
		    pinfo, tree, TRUE, tcpinfo)) {
			call_data_dissector(tvb, pinfo, tree);
		}
		break;
	case UNIX_HOW_HEUR:
		if (!dissector_try_heuristic(unix_heur_list, tvb, pinfo, tree, &hdtbl_entry,
		    tcpinfo))
			call_data_dissector(tvb, pinfo, tree);
		break;
	case UNIX_HOW_HTTP:
		if (!hh || (call_dissector_only(hh, tvb, pinfo, tree, tcpinfo) <= 0 &&
		    !pinfo->desegment_len))
			call_data_dissector(tvb, pinfo, tree);
		break;
	case UNIX_HOW_RESP:
		unix_call_resp(tvb, pinfo, tree, len, can_desegment, tcpinfo);
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
void
unix_call_payload(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, const unix_frame_t *fr, guint64 seq, gboolean fin,
    gboolean reassembled, gboolean can_desegment, gboolean resync, guint8 *how, guint32 *doff,
    guint32 *dlen)
{
	gboolean sender_is_server = rec->local.present && rec->local.named;
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
			h = unix_choose_dissector(tvb, pinfo, tree, st, da, hh, resync, can_desegment,
			    &tcpinfo, &done);
			*how = h;
		}
		if (!done)
			unix_call_chosen(h, tvb, pinfo, tree, fr, da, hh, len, can_desegment, &tcpinfo);
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
