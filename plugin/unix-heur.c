/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-heur.c: protocol heuristics: HTTP/1.x starts and RESP (Redis) framing
 */

#include "packet-unix.h"

/* How an HTTP/1.x request or response starts. */
static const char *const http_starts[] = {
	"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
	"CONNECT ", "TRACE ", "HTTP/1.", NULL
};

gboolean
unix_looks_like_http(tvbuff_t *tvb)
{
	guint avail = tvb_captured_length(tvb);
	guint8 c;
	if (avail == 0)
		return FALSE;
	/* Every method (and "HTTP/1.") starts with one of these. */
	c = tvb_get_uint8(tvb, 0);
	if (c != 'G' && c != 'P' && c != 'D' && c != 'H' && c != 'O' && c != 'C' && c != 'T')
		return FALSE;
	for (int i = 0; http_starts[i]; i++) {
		guint n = (guint)strlen(http_starts[i]);
		if (avail >= n && tvb_memeql(tvb, 0, (const guint8 *)http_starts[i], n) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
unix_looks_like_resp(tvbuff_t *tvb)
{
	guint avail = tvb_captured_length(tvb);
	guint8 c;
	if (avail < 3)
		return FALSE;
	c = tvb_get_uint8(tvb, 0);
	if (c == 0 || !strchr("*$+-:", c))
		return FALSE;
	/* A RESP element is CRLF-terminated; the first line must be. */
	return tvb_find_uint8(tvb, 1, MIN(avail - 1, 1024), '\n') > 0;
}

/*
 * RESP framing (the role get_pdu_len plays for tcp_dissect_pdus): the length
 * of the complete RESP value at off, -1 when more bytes are needed. RESP in
 * 4.0 asks for more from the middle of a command (the bulk string, not the
 * array), which splits pipelined commands; we hand it whole values only.
 */
static gint64
unix_resp_int(tvbuff_t *tvb, guint from, guint to, gboolean *ok)
{
	gint64 v = 0;
	gboolean neg = FALSE;
	*ok = FALSE;
	if (from < to && tvb_get_uint8(tvb, from) == '-') {
		neg = TRUE;
		from++;
	}
	for (guint i = from; i < to; i++) {
		guint8 c = tvb_get_uint8(tvb, i);
		if (c < '0' || c > '9' || v > G_GINT64_CONSTANT(1) << 40)
			return 0;
		v = v * 10 + (c - '0');
		*ok = TRUE;
	}
	return neg ? -v : v;
}

static gint64
unix_resp_value_len(tvbuff_t *tvb, guint off, int depth)
{
	guint avail = tvb_captured_length(tvb);
	gint eol;
	guint line, end;
	guint8 c;
	gint64 n;
	gboolean ok;

	if (off >= avail)
		return -1;
	eol = tvb_find_uint8(tvb, off, avail - off, '\n');
	if (eol < 0)
		return -1;
	line = (guint)eol + 1 - off;
	end = (guint)eol;
	if (end > off && tvb_get_uint8(tvb, end - 1) == '\r')
		end--;
	c = tvb_get_uint8(tvb, off);
	switch (c) {
	case '$': case '!': case '=':
		n = unix_resp_int(tvb, off + 1, end, &ok);
		if (!ok || n < 0)
			return line;
		if ((guint64)eol + 1 + (guint64)n + 2 > avail)
			return -1;
		return line + n + 2;
	case '*': case '~': case '>': case '%': case '|': {
		gint64 total = line;
		n = unix_resp_int(tvb, off + 1, end, &ok);
		if (!ok || n <= 0 || depth > 30)
			return line;
		if (c == '%' || c == '|')
			n *= 2;
		for (gint64 i = 0; i < n; i++) {
			gint64 l = unix_resp_value_len(tvb, off + (guint)total, depth + 1);
			if (l < 0)
				return l;
			total += l;
		}
		return total;
	}
	default:
		/* Simple values, and inline commands: one line. */
		return line;
	}
}

/*
 * How many of the first len bytes are whole RESP values, one after another
 * (pipelined commands); 0: not even one yet.
 */
guint
unix_resp_whole_values(tvbuff_t *tvb, guint len)
{
	guint complete = 0;
	gint64 l;

	while (complete < len && (l = unix_resp_value_len(tvb, complete, 0)) > 0)
		complete += (guint)l;
	return complete;
}

/* Could these few bytes become an HTTP or RESP start with more data? */
gboolean
unix_maybe_prefix(tvbuff_t *tvb)
{
	guint avail = tvb_captured_length(tvb);
	guint8 c;

	if (avail == 0)
		return FALSE;
	c = tvb_get_uint8(tvb, 0);
	if (c && strchr("*$+-:", c))
		return avail < 1024 && tvb_find_uint8(tvb, 0, avail, '\n') < 0;
	for (int i = 0; http_starts[i]; i++) {
		guint n = (guint)strlen(http_starts[i]);
		if (avail < n && tvb_memeql(tvb, 0, (const guint8 *)http_starts[i], avail) == 0)
			return TRUE;
	}
	/* An HTTP request or status line not ended yet. */
	return unix_looks_like_http(tvb) && avail < 8192 &&
	    tvb_find_uint8(tvb, 0, avail, '\n') < 0;
}

/*
 * Starts that name their protocol unambiguously, at stream offset 0 only:
 * the HTTP/2 client preface (gRPC: containerd, CRI), the NUL byte and AUTH
 * command a D-Bus client opens with, and a PostgreSQL startup, SSL, GSSAPI
 * or cancel request (length, then a code no other protocol starts with).
 */
static const struct {
	const char *bytes;
	guint len;
	const char *dissector;
} unix_starts[] = {
	{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24, "http2" },
	{ "\0AUTH ", 6, "dbus.tcp" },
};
static dissector_handle_t unix_start_handles[G_N_ELEMENTS(unix_starts)];
static dissector_handle_t pgsql_handle;

#define PG_PROTOCOL_3_0 196608u
#define PG_CANCEL_REQUEST 80877102u
#define PG_SSL_REQUEST 80877103u
#define PG_GSSENC_REQUEST 80877104u

static gboolean
unix_looks_like_pgsql_startup(tvbuff_t *tvb)
{
	guint32 len, code;
	if (tvb_captured_length(tvb) < 8)
		return FALSE;
	len = tvb_get_ntohl(tvb, 0);
	code = tvb_get_ntohl(tvb, 4);
	switch (code) {
	case PG_PROTOCOL_3_0:
		return len > 8 && len <= 10000 && tvb_captured_length(tvb) >= len &&
		    tvb_get_uint8(tvb, len - 1) == 0; /* name/value pairs end in NUL */
	case PG_SSL_REQUEST:
	case PG_GSSENC_REQUEST:
		return len == 8;
	case PG_CANCEL_REQUEST:
		return len == 16;
	default:
		return FALSE;
	}
}

dissector_handle_t
unix_recognise_start(tvbuff_t *tvb, guint64 seq)
{
	guint avail = tvb_captured_length(tvb);
	if (seq != 0)
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(unix_starts); i++) {
		if (unix_start_handles[i] && avail >= unix_starts[i].len &&
		    tvb_memeql(tvb, 0, (const guint8 *)unix_starts[i].bytes, unix_starts[i].len) == 0)
			return unix_start_handles[i];
	}
	if (pgsql_handle && unix_looks_like_pgsql_startup(tvb))
		return pgsql_handle;
	return NULL;
}

/* Could these first bytes of a stream become one of those starts? */
gboolean
unix_start_prefix(tvbuff_t *tvb, guint64 seq)
{
	guint avail = tvb_captured_length(tvb);
	if (seq != 0 || avail == 0)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(unix_starts); i++) {
		if (avail < unix_starts[i].len &&
		    tvb_memeql(tvb, 0, (const guint8 *)unix_starts[i].bytes, avail) == 0)
			return TRUE;
	}
	/* A startup packet not all here yet (libpq writes it whole: rare). */
	if (avail >= 8 && tvb_get_ntohl(tvb, 4) == PG_PROTOCOL_3_0) {
		guint32 len = tvb_get_ntohl(tvb, 0);
		return len > 8 && len <= 10000 && avail < len;
	}
	return FALSE;
}

void
unix_heur_handoff(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(unix_starts); i++)
		unix_start_handles[i] = unix_find_dissector(unix_starts[i].dissector);
	pgsql_handle = unix_find_dissector("pgsql");
}
