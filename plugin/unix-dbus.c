/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-dbus.c: D-Bus on a Unix socket, end to end
 *
 * A D-Bus connection opens with a NUL byte and a line-based SASL handshake
 * (AUTH, OK, NEGOTIATE_UNIX_FD, AGREE_UNIX_FD, BEGIN...), which Wireshark's
 * D-Bus dissector would read as a message header. We show those lines
 * ourselves ("D-Bus auth") and hand what follows to the D-Bus dissector.
 * A message may carry descriptors (its UNIX_FDS header field counts them);
 * they travel as SCM_RIGHTS with the sendmsg of the message's first byte,
 * so we name, under the message, the descriptors of this record it took.
 */

#include "packet-unix.h"

static int proto_dbus_auth = -1;
static int hf_dbus_auth_nul = -1;
static int hf_dbus_auth_line = -1;
static int hf_dbus_auth_command = -1;
static int hf_dbus_fds_count = -1;
static int hf_dbus_fds_fd = -1;
static int hf_dbus_fds_kind = -1;
static int hf_dbus_fds_frame = -1;
static int ett_dbus_auth = -1;
static int ett_dbus_fds = -1;
static int ett_dbus_fd = -1;
static expert_field ei_dbus_fds_missing = EI_INIT;

static dissector_handle_t dbus_tcp_handle;

/* The handshake's commands, both directions (D-Bus specification, "Authentication"). */
static const char *const dbus_auth_commands[] = {
	"AUTH", "CANCEL", "BEGIN", "DATA", "ERROR", "NEGOTIATE_UNIX_FD",
	"REJECTED", "OK", "AGREE_UNIX_FD", NULL
};

#define DBUS_AUTH_LINE_MAX 16384
#define DBUS_HEADER_FIELD_UNIX_FDS 9

gboolean
unix_is_dbus(dissector_handle_t handle)
{
	return handle && handle == dbus_tcp_handle;
}

static gboolean
unix_dbus_command_known(const char *word)
{
	for (int i = 0; dbus_auth_commands[i]; i++)
		if (strcmp(word, dbus_auth_commands[i]) == 0)
			return TRUE;
	return FALSE;
}

/*
 * The handshake line at off: its length with the CRLF, 0 when the bytes
 * there are not one (a message: 'l' or 'B' and a type byte), -1 when they
 * may be one that has not ended yet.
 */
static gint
unix_dbus_auth_line(tvbuff_t *tvb, int off)
{
	guint avail = tvb_captured_length_remaining(tvb, off);
	char word[24];
	guint n = 0;
	gint eol;
	guint8 c = 0;

	while (n < avail && n < sizeof word - 1) {
		c = tvb_get_uint8(tvb, off + n);
		if (!g_ascii_isupper(c) && c != '_')
			break;
		word[n++] = (char)c;
	}
	word[n] = '\0';
	if (n == 0)
		return 0;
	if (n == avail)
		return n < sizeof word - 1 ? -1 : 0; /* the word goes on in the next bytes */
	if ((c != ' ' && c != '\r') || !unix_dbus_command_known(word))
		return 0;
	eol = tvb_find_uint8(tvb, off, MIN(avail, DBUS_AUTH_LINE_MAX), '\n');
	if (eol < 0)
		return avail < DBUS_AUTH_LINE_MAX ? -1 : 0;
	return eol - off + 1;
}

/* One handshake line in the tree and the Info column. */
static void
unix_dbus_show_line(tvbuff_t *tvb, packet_info *pinfo, proto_tree *auth_tree, int off, gint len)
{
	gint text_len = len;
	const guint8 *text;
	proto_item *li;
	proto_tree *lt;
	gint sp;

	while (text_len > 0 && (tvb_get_uint8(tvb, off + text_len - 1) == '\n' ||
	    tvb_get_uint8(tvb, off + text_len - 1) == '\r'))
		text_len--;
	text = tvb_get_string_enc(pinfo->pool, tvb, off, text_len, ENC_ASCII);
	li = proto_tree_add_string(auth_tree, hf_dbus_auth_line, tvb, off, len, (const char *)text);
	lt = proto_item_add_subtree(li, ett_dbus_auth);
	sp = tvb_find_uint8(tvb, off, text_len, ' ');
	proto_tree_add_item(lt, hf_dbus_auth_command, tvb, off, sp < 0 ? text_len : sp - off,
	    ENC_ASCII);
	col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", (const char *)text);
}

/*
 * The handshake at the start of tvb: the bytes it took (0: none). With
 * *more set, a line has not ended: wait for more bytes from its start.
 */
static int
unix_dbus_handshake(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint64 seq,
    gboolean *more)
{
	int off = 0, len = (int)tvb_captured_length(tvb);
	proto_tree *auth_tree = NULL;
	proto_item *ai = NULL;
	gint l;

	*more = FALSE;
	if (seq == 0 && len > 0 && tvb_get_uint8(tvb, 0) == 0)
		off = 1; /* the client's credentials byte */
	while (off < len && (l = unix_dbus_auth_line(tvb, off)) != 0) {
		if (l < 0) {
			*more = TRUE;
			break;
		}
		if (!ai) {
			col_set_str(pinfo->cinfo, COL_PROTOCOL, "D-Bus");
			col_clear(pinfo->cinfo, COL_INFO);
			ai = proto_tree_add_item(tree, proto_dbus_auth, tvb, 0, -1, ENC_NA);
			auth_tree = proto_item_add_subtree(ai, ett_dbus_auth);
			if (off == 1)
				proto_tree_add_item(auth_tree, hf_dbus_auth_nul, tvb, 0, 1, ENC_NA);
		}
		unix_dbus_show_line(tvb, pinfo, auth_tree, off, l);
		off += l;
	}
	if (ai)
		proto_item_set_len(ai, off);
	else if (off == 1 && !*more) {
		ai = proto_tree_add_item(tree, proto_dbus_auth, tvb, 0, 1, ENC_NA);
		proto_tree_add_item(proto_item_add_subtree(ai, ett_dbus_auth), hf_dbus_auth_nul, tvb,
		    0, 1, ENC_NA);
	}
	return off;
}

/* A D-Bus value's alignment (from the message's start). */
static int
unix_dbus_align(int msg, int p, int a)
{
	return msg + ((p - msg + a - 1) / a) * a;
}

/* The UNIX_FDS header field of the message at msg (0: none, or unreadable). */
static guint32
unix_dbus_unix_fds(tvbuff_t *tvb, int msg)
{
	guint avail = tvb_captured_length(tvb);
	guint enc;
	int p, end;

	if ((guint)msg + 16 > avail)
		return 0;
	switch (tvb_get_uint8(tvb, msg)) {
	case 'l': enc = ENC_LITTLE_ENDIAN; break;
	case 'B': enc = ENC_BIG_ENDIAN; break;
	default: return 0;
	}
	p = msg + 16;
	end = p + (int)tvb_get_uint32(tvb, msg + 12, enc);
	if (end > (int)avail || end < p)
		return 0;
	while (p < end) {
		guint8 code, siglen, type;
		int v;
		p = unix_dbus_align(msg, p, 8);
		if (p + 4 > end)
			return 0;
		code = tvb_get_uint8(tvb, p);
		siglen = tvb_get_uint8(tvb, p + 1);
		if (siglen != 1)
			return 0;
		type = tvb_get_uint8(tvb, p + 2);
		v = p + 4;
		switch (type) {
		case 'u':
			v = unix_dbus_align(msg, v, 4);
			if (v + 4 > end)
				return 0;
			if (code == DBUS_HEADER_FIELD_UNIX_FDS)
				return tvb_get_uint32(tvb, v, enc);
			p = v + 4;
			break;
		case 's':
		case 'o':
			v = unix_dbus_align(msg, v, 4);
			if (v + 4 > end)
				return 0;
			p = v + 4 + (int)tvb_get_uint32(tvb, v, enc) + 1;
			break;
		case 'g':
			p = v + 1 + tvb_get_uint8(tvb, v) + 1;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/*
 * The descriptors the message at msg (length mlen) took: the next n of the
 * record's SCM_RIGHTS, from *next on.
 */
static void
unix_dbus_show_fds(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, gboolean reassembled, int msg, int mlen, guint *next)
{
	guint32 n = unix_dbus_unix_fds(tvb, msg);
	guint have = rec->fds ? wmem_array_get_count(rec->fds) : 0;
	proto_item *fi;
	proto_tree *ft;

	if (n == 0)
		return;
	fi = proto_tree_add_uint(tree, hf_dbus_fds_count, tvb, msg, mlen, n);
	proto_item_set_generated(fi);
	ft = proto_item_add_subtree(fi, ett_dbus_fds);
	if (reassembled || *next + n > have) {
		/* They came with the record where the message starts. */
		if (!reassembled)
			expert_add_info_format(pinfo, fi, &ei_dbus_fds_missing,
			    "The message says %u descriptors; this record passed %u", n, have - *next);
		return;
	}
	proto_item_append_text(fi, ", passed with this record (frame %u):", pinfo->num);
	proto_item_set_generated(proto_tree_add_uint(ft, hf_dbus_fds_frame, tvb, msg, mlen, pinfo->num));
	for (guint32 i = 0; i < n; i++) {
		const unix_passed_fd_t *pf = (const unix_passed_fd_t *)wmem_array_index(rec->fds, *next + i);
		const char *kind = val_to_str_const(pf->kind, unix_file_kind_vals, "unknown");
		proto_item *di = proto_tree_add_int(ft, hf_dbus_fds_fd, tvb, msg, mlen, pf->fd);
		proto_item_set_generated(di);
		proto_item_append_text(di, " (index %u): %s", i, kind);
		proto_item_set_generated(proto_tree_add_uint(proto_item_add_subtree(di, ett_dbus_fd),
		    hf_dbus_fds_kind, tvb, msg, mlen, pf->kind));
		proto_item_append_text(fi, "%s %d (%s)", i ? "," : "", pf->fd, kind);
	}
	*next += n;
}

/* The length of the D-Bus message at msg (0: not all of its header is here). */
static int
unix_dbus_message_len(tvbuff_t *tvb, int msg)
{
	guint enc;
	guint32 body, fields;
	if (tvb_captured_length_remaining(tvb, msg) < 16)
		return 0;
	enc = tvb_get_uint8(tvb, msg) == 'B' ? ENC_BIG_ENDIAN : ENC_LITTLE_ENDIAN;
	body = tvb_get_uint32(tvb, msg + 4, enc);
	fields = tvb_get_uint32(tvb, msg + 12, enc);
	if (body > 1u << 27 || fields > 1u << 26)
		return 0;
	return 16 + (int)((fields + 7) & ~7u) + (int)body;
}

/*
 * D-Bus bytes: the handshake, then the messages to Wireshark's dissector,
 * then the descriptors each message took. What is left waits TCP style
 * (pinfo->desegment_*).
 */
void
unix_call_dbus(dissector_handle_t dbus, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
    const unix_record_t *rec, guint64 seq, struct tcpinfo *tcpinfo)
{
	gboolean more;
	int off = unix_dbus_handshake(tvb, pinfo, tree, seq, &more);
	int len = (int)tvb_reported_length(tvb);
	guint next_fd = 0;
	tvbuff_t *msgs;

	if (more) {
		pinfo->desegment_offset = off;
		pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
		return;
	}
	if (off >= len)
		return;
	msgs = off ? tvb_new_subset_remaining(tvb, off) : tvb;
	if (call_dissector_only(dbus, msgs, pinfo, tree, tcpinfo) <= 0 && !pinfo->desegment_len)
		call_data_dissector(msgs, pinfo, tree);
	if (pinfo->desegment_len)
		pinfo->desegment_offset += off;
	/* The messages it took, each with its descriptors. */
	for (int m = 0, end = pinfo->desegment_len ? (int)pinfo->desegment_offset - off :
	    len - off; m < end;) {
		int mlen = unix_dbus_message_len(msgs, m);
		if (mlen <= 0 || m + mlen > end)
			break;
		unix_dbus_show_fds(msgs, pinfo, tree, rec, tcpinfo->is_reassembled, m, mlen, &next_fd);
		m += mlen;
	}
}

void
unix_dbus_register(void)
{
	static hf_register_info hf_auth[] = {
		{ &hf_dbus_auth_nul, { "Credentials byte", "dbus_auth.nul", FT_UINT8, BASE_HEX, NULL,
		    0x0, "The NUL byte a client sends first (with SCM_CREDS where the OS needs it)",
		    HFILL } },
		{ &hf_dbus_auth_line, { "Line", "dbus_auth.line", FT_STRING, BASE_NONE, NULL, 0x0,
		    NULL, HFILL } },
		{ &hf_dbus_auth_command, { "Command", "dbus_auth.command", FT_STRING, BASE_NONE, NULL,
		    0x0, NULL, HFILL } },
	};
	/* What udsdump adds to D-Bus: under unix., where the descriptors are. */
	static hf_register_info hf_fds[] = {
		{ &hf_dbus_fds_count, { "Descriptors of this message", "unix.dbus.unix_fds", FT_UINT32,
		    BASE_DEC, NULL, 0x0, "The message's UNIX_FDS, linked to the SCM_RIGHTS passed "
		    "with it", HFILL } },
		{ &hf_dbus_fds_fd, { "Descriptor", "unix.dbus.fd", FT_INT32, BASE_DEC, NULL, 0x0,
		    "The sender's descriptor number (the message refers to it by index)", HFILL } },
		{ &hf_dbus_fds_kind, { "Kind", "unix.dbus.fd_kind", FT_UINT8, BASE_DEC,
		    VALS(unix_file_kind_vals), 0x0, NULL, HFILL } },
		{ &hf_dbus_fds_frame, { "Passed in", "unix.dbus.fds_frame", FT_FRAMENUM, BASE_NONE,
		    NULL, 0x0, "The record whose SCM_RIGHTS carried them", HFILL } },
	};
	static int *ett[] = { &ett_dbus_auth, &ett_dbus_fds, &ett_dbus_fd };
	static ei_register_info ei[] = {
		{ &ei_dbus_fds_missing, { "dbus_auth.fds_missing", PI_PROTOCOL, PI_WARN,
		    "The message counts more descriptors than came with it", EXPFILL } },
	};

	proto_dbus_auth = proto_register_protocol("D-Bus Authentication", "D-Bus auth", "dbus_auth");
	proto_register_field_array(proto_dbus_auth, hf_auth, array_length(hf_auth));
	proto_register_field_array(proto_unix, hf_fds, array_length(hf_fds));
	proto_register_subtree_array(ett, array_length(ett));
	expert_register_field_array(expert_register_protocol(proto_dbus_auth), ei, array_length(ei));
}

void
unix_dbus_handoff(void)
{
	dbus_tcp_handle = unix_find_dissector("dbus.tcp");
}
