/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-conversation.c: conversation and endpoint tables, conversation filter, follow
 */

#include "packet-unix.h"

int unix_tap = -1;

static const char *
unix_conv_get_filter_type(conv_item_t *conv _U_, conv_filter_type_e filter)
{
	/* Table addresses print as the stream index: filter on the connection. */
	if (filter == CONV_FT_SRC_ADDRESS || filter == CONV_FT_DST_ADDRESS ||
	    filter == CONV_FT_ANY_ADDRESS)
		return "unix.stream";
	return CONV_FILTER_INVALID;
}

static ct_dissector_info_t unix_ct_dissector_info = { &unix_conv_get_filter_type };

static tap_packet_status
unix_conversation_packet(void *pct, packet_info *pinfo, epan_dissect_t *edt _U_,
    const void *vip, tap_flags_t flags _U_)
{
	conv_hash_t *hash = (conv_hash_t *)pct;
	const unix_tap_info_t *tap = (const unix_tap_info_t *)vip;

	hash->flags = flags;
	add_conversation_table_data_with_conv_id(hash, &tap->conv_src, &tap->conv_dst, 0, 0,
	    (conv_id_t)tap->stream, 1, tap->event == UDS_EV_DATA ? (int)tap->payload_len : 0,
	    &pinfo->rel_ts, &pinfo->abs_ts, &unix_ct_dissector_info, CONVERSATION_NONE);
	return TAP_PACKET_REDRAW;
}

static const char *
unix_endpoint_get_filter_type(endpoint_item_t *endpoint _U_, conv_filter_type_e filter)
{
	return unix_conv_get_filter_type(NULL, filter);
}

static et_dissector_info_t unix_endpoint_dissector_info = { &unix_endpoint_get_filter_type };

static tap_packet_status
unix_endpoint_packet(void *pit, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
    const void *vip, tap_flags_t flags _U_)
{
	conv_hash_t *hash = (conv_hash_t *)pit;
	const unix_tap_info_t *tap = (const unix_tap_info_t *)vip;
	int bytes = tap->event == UDS_EV_DATA ? (int)tap->payload_len : 0;

	hash->flags = flags;
	add_endpoint_table_data(hash, &tap->conv_src, 0, TRUE, 1, bytes,
	    &unix_endpoint_dissector_info, ENDPOINT_NONE);
	add_endpoint_table_data(hash, &tap->conv_dst, 0, FALSE, 1, bytes,
	    &unix_endpoint_dissector_info, ENDPOINT_NONE);
	return TAP_PACKET_REDRAW;
}

static bool
unix_filter_valid(packet_info *pinfo, void *user_data _U_)
{
	unix_frame_t *fr;
	if (!proto_is_frame_protocol(pinfo->layers, "unix"))
		return FALSE;
	fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	return fr && fr->has_stream;
}

static char *
unix_build_filter(packet_info *pinfo, void *user_data _U_)
{
	unix_frame_t *fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	if (!fr || !fr->has_stream)
		return NULL;
	return g_strdup_printf("unix.stream eq %u", fr->stream);
}

static gchar *
unix_follow_conv_filter(epan_dissect_t *edt _U_, packet_info *pinfo, guint *stream,
    guint *sub_stream _U_)
{
	unix_frame_t *fr;
	if (!proto_is_frame_protocol(pinfo->layers, "unix"))
		return NULL;
	fr = (unix_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_unix, 0);
	if (!fr || !fr->has_stream)
		return NULL;
	*stream = fr->stream;
	return g_strdup_printf("unix.stream eq %u", fr->stream);
}

static gchar *
unix_follow_index_filter(guint stream, guint sub_stream _U_)
{
	return g_strdup_printf("unix.stream eq %u", stream);
}

static gchar *
unix_follow_address_filter(address *src_addr, address *dst_addr, int src_port _U_,
    int dst_port _U_)
{
	const char *a = (const char *)src_addr->data, *b = (const char *)dst_addr->data;
	if (src_addr->type != unix_address_type || dst_addr->type != unix_address_type ||
	    src_addr->len < 3 || dst_addr->len < 3 || a[0] != 'i' || b[0] != 'i')
		return NULL;
	return g_strdup_printf("((unix.src_inode eq %s and unix.dst_inode eq %s) or "
	    "(unix.src_inode eq %s and unix.dst_inode eq %s))", a + 2, b + 2, b + 2, a + 2);
}

/* How many streams the capture has (the GUI's Follow stream selector). */
static uint32_t
unix_follow_stream_count(void)
{
	return unix_streams_seen();
}

static gchar *
unix_follow_port_to_display(wmem_allocator_t *allocator, guint port)
{
	return wmem_strdup_printf(allocator, "%u", port);
}

/*
 * Follow: the bytes sent (DATA records), in order. The first sender is the
 * "client". Unlike follow_tvb_tap_listener, the side is decided by the socket
 * (address), not by a port, since ours are all 0.
 */
static tap_packet_status
unix_follow_tap_listener(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
    const void *data, tap_flags_t flags _U_)
{
	follow_info_t *follow_info = (follow_info_t *)tapdata;
	const unix_tap_info_t *tap = (const unix_tap_info_t *)data;
	follow_record_t *follow_record;
	guint len;

	if (tap->event != UDS_EV_DATA || !tap->payload)
		return TAP_PACKET_DONT_REDRAW;
	len = tvb_captured_length(tap->payload);

	if (follow_info->client_ip.type == AT_NONE) {
		copy_address(&follow_info->client_ip, &tap->src);
		copy_address(&follow_info->server_ip, &tap->dst);
		follow_info->client_port = 0;
		follow_info->server_port = 0;
	}

	follow_record = g_new0(follow_record_t, 1);
	follow_record->data = g_byte_array_sized_new(len);
	if (len)
		g_byte_array_append(follow_record->data, tvb_get_ptr(tap->payload, 0, len), len);
	follow_record->packet_num = pinfo->num;
	follow_record->abs_ts = pinfo->abs_ts;
	follow_record->is_server = !addresses_equal(&follow_info->client_ip, &tap->src);
	follow_info->bytes_written[follow_record->is_server] += len;
	follow_info->payload = g_list_prepend(follow_info->payload, follow_record);
	return TAP_PACKET_DONT_REDRAW;
}


/* The "unix" tap and what listens to it. */
void
unix_register_conversations(void)
{
	unix_tap = register_tap("unix");
	register_conversation_table(proto_unix, TRUE, unix_conversation_packet, unix_endpoint_packet);
	register_conversation_filter("unix", "UNIX", unix_filter_valid, unix_build_filter, NULL);
	register_follow_stream(proto_unix, "unix", unix_follow_conv_filter, unix_follow_index_filter,
	    unix_follow_address_filter, unix_follow_port_to_display, unix_follow_tap_listener,
	    unix_follow_stream_count, NULL);
}
