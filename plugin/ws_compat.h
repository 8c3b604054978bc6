/*
 * ws_compat.h: one dissector source for Wireshark 4.0, 4.4 and 4.6.
 *
 * The dissector is written against the newest API (4.6); this header maps
 * those names back onto what older versions offer, keyed on ws_version.h.
 * Include it after the Wireshark headers. Built and tested here on 4.0,
 * 4.4 and 4.6 (scripts/wireshark-matrix); a threshold at 4.2 is where the
 * change reached a release in Wireshark's history (4.2 is not built here).
 *
 * Shims, newest first:
 *   4.6  pletohu16/32/64 (4.0/4.4: pletoh16/32/64, the same functions);
 *        val_to_str(scope, ...) (older: val_to_str_wmem(scope, ...));
 *        dissector_try_uint_with_data / dissector_try_string_with_data
 *        (older: the *_new forms, same arguments).
 *   4.4  tvb_get_uint8, tvb_find_uint8, uint32_to_str_buf,
 *        uint64_to_str_buf (older: the guint names, same arguments).
 *   4.2  wmem_strbuf_new_sized(a, len) (4.0: wmem_strbuf_sized_new(a, len, 0));
 *        address-type column filters take bool (4.0: gboolean);
 *        conversation filters take user data and return bool (4.0: one
 *        filter per plugin through the adapters below);
 *        register_follow_stream takes a stream count and a sub-stream
 *        function (4.0: dropped);
 *        plugin_describe() says what a plugin is (4.0: nothing to say).
 */
#ifndef UDSDUMP_WS_COMPAT_H
#define UDSDUMP_WS_COMPAT_H

#include <stdbool.h>
#include <ws_version.h>
#include <epan/packet.h>
#include <epan/conversation_filter.h>
#include <epan/follow.h>

#define WS_VERSION_AT_LEAST(major, minor) \
	(WIRESHARK_VERSION_MAJOR > (major) || \
	 (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#if !WS_VERSION_AT_LEAST(4, 6)
#define pletohu16 pletoh16
#define pletohu32 pletoh32
#define pletohu64 pletoh64
#define val_to_str(scope, val, vs, fmt) val_to_str_wmem((scope), (val), (vs), (fmt))
#define dissector_try_uint_with_data dissector_try_uint_new
#define dissector_try_string_with_data dissector_try_string_new
#endif

#if !WS_VERSION_AT_LEAST(4, 4)
#define tvb_get_uint8 tvb_get_guint8
#define tvb_find_uint8 tvb_find_guint8
#define tvb_get_uint32 tvb_get_guint32
#define uint32_to_str_buf guint32_to_str_buf
#define uint64_to_str_buf guint64_to_str_buf
#endif

#if WS_VERSION_AT_LEAST(4, 2)
#include <wsutil/plugins.h>

/* The type of an address-type column filter's "is source" flag. */
typedef bool ws_addr_col_filter_bool;
typedef bool ws_bool; /* uat callbacks and bool preferences take bool from 4.2 on */

#define WS_PLUGIN_DESCRIBES_ITSELF 1
#else
typedef gboolean ws_addr_col_filter_bool;
typedef gboolean ws_bool;

#define wmem_strbuf_new_sized(allocator, alloc_size) \
	wmem_strbuf_sized_new((allocator), (alloc_size), 0)

/* Extra callbacks 4.0 has no use for (the GUI's stream count, sub-streams). */
#define register_follow_stream(proto, tap, conv, index, addr, port, tap_cb, count, sub) \
	((void)(count), (void)(sub), \
	 (register_follow_stream)((proto), (tap), (conv), (index), (addr), (port), (tap_cb)))

/*
 * 4.0's conversation-filter callbacks get no user data and use GLib's
 * types: the 4.2 callbacks are called through these adapters, which hold
 * the one filter a plugin registers.
 */
typedef bool (*ws_is_filter_valid_func)(packet_info *pinfo, void *user_data);
typedef char *(*ws_build_filter_string_func)(packet_info *pinfo, void *user_data);

static ws_is_filter_valid_func ws_compat_filter_valid;
static ws_build_filter_string_func ws_compat_filter_build;
static void *ws_compat_filter_data;

static inline gboolean
ws_compat_filter_valid_40(packet_info *pinfo)
{
	return ws_compat_filter_valid(pinfo, ws_compat_filter_data);
}

static inline gchar *
ws_compat_filter_build_40(packet_info *pinfo)
{
	return ws_compat_filter_build(pinfo, ws_compat_filter_data);
}

static inline void
ws_compat_register_conversation_filter(const char *proto_name, const char *display_name,
    ws_is_filter_valid_func is_filter_valid, ws_build_filter_string_func build_filter_string,
    void *user_data)
{
	ws_compat_filter_valid = is_filter_valid;
	ws_compat_filter_build = build_filter_string;
	ws_compat_filter_data = user_data;
	register_conversation_filter(proto_name, display_name, ws_compat_filter_valid_40,
	    ws_compat_filter_build_40);
}

#define register_conversation_filter(proto_name, display_name, valid, build, user_data) \
	ws_compat_register_conversation_filter((proto_name), (display_name), (valid), (build), \
	    (user_data))
#endif

#endif /* UDSDUMP_WS_COMPAT_H */
