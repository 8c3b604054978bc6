/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-address.c: the address type of socket ends, address keys and the labels columns show
 */

#include "packet-unix.h"

int unix_address_type = -1;

static GHashTable *unix_end_labels;  /* address key -> label for columns */
static guint unix_end_gen = 1;       /* changes whenever unix_end_labels does */

/* An address key string (see unix_new_key) and its label memo. */
typedef struct {
	const char *label; /* the (file scope) label last set or found equal */
	guint gen;         /* unix_end_gen then */
	char str[];
} unix_key_t;
#define UNIX_KEY(s) ((unix_key_t *)(void *)((char *)(s) - offsetof(unix_key_t, str)))

/* The keys of the frame dissected last (file scope; NULL outside a file). */
static const char *unix_cur_keys[2];

/*
 * An address of this type is a NUL-terminated key string (the NUL is part of
 * the address bytes):
 *   "i:<inode>"  a socket, identified by its inode (as ss -x shows)
 *   "p:<name>"   a socket known only by its name (an unconnected datagram
 *                destination), name as unix.path shows it
 *   "s:<stream>:<A|B>"  one end of a connection, for the conversation and
 *                endpoint tables (A: the socket of the connection's first
 *                record), known even before the peer socket has an inode
 * The key says nothing about the process, so that a fork or a descriptor
 * passed to another process does not split a conversation. Columns show a
 * label ("curl[4242]") through the name-resolution callback.
 */

static int
unix_addr_to_str(const address *addr, gchar *buf, int buf_len)
{
	const char *key = (const char *)addr->data;

	if (buf_len <= 0)
		return 0;
	if (addr->len < 3 || key[addr->len - 1] != '\0')
		g_strlcpy(buf, "?", buf_len);
	else if (key[0] == 's') {
		/* "s:<stream>:<side>": the stream index, usable in a filter. */
		const char *colon = strchr(key + 2, ':');
		int n = colon ? (int)(colon - (key + 2)) : (int)strlen(key + 2);
		g_snprintf(buf, buf_len, "%.*s", n, key + 2);
	} else {
		/* "i:<inode>": the inode, usable in a filter; "p:<name>": the name. */
		g_strlcpy(buf, key + 2, buf_len);
	}
	return (int)strlen(buf) + 1;
}

static int
unix_addr_str_len(const address *addr)
{
	/* The inode or the name, plus the NUL. */
	return addr->len;
}

static const char *
unix_addr_col_filter(const address *addr, ws_addr_col_filter_bool is_src)
{
	const char *key = (const char *)addr->data;
	if (addr->len >= 3 && key[0] == 'i')
		return is_src ? "unix.src_inode" : "unix.dst_inode";
	return NULL;
}

/*
 * The last labels looked up (columns ask for the same two ends again and
 * again), valid while unix_end_labels has not changed.
 */
#define UNIX_RES_CACHE 4
#define UNIX_RES_KEY_MAX 32
static struct {
	guint gen;
	int len;
	char key[UNIX_RES_KEY_MAX];
	const char *label;
} unix_res_cache[UNIX_RES_CACHE];
static guint unix_res_next;

static const gchar *
unix_addr_name_res(const address *addr)
{
	const char *key = (const char *)addr->data;
	const char *label;

	if (addr->len < 3 || key[addr->len - 1] != '\0')
		return "?";
	/* The ends of the frame just dissected (the columns ask right after). */
	if (key == unix_cur_keys[0] || key == unix_cur_keys[1]) {
		unix_key_t *k = UNIX_KEY(key);
		if (k->label && k->gen == unix_end_gen)
			return k->label;
	}
	if (addr->len <= UNIX_RES_KEY_MAX) {
		for (guint i = 0; i < UNIX_RES_CACHE; i++)
			if (unix_res_cache[i].gen == unix_end_gen && unix_res_cache[i].len == addr->len &&
			    memcmp(unix_res_cache[i].key, key, addr->len) == 0)
				return unix_res_cache[i].label;
	}
	label = (const char *)g_hash_table_lookup(unix_end_labels, key);
	if (!label) {
		/* Not seen (yet): fall back to a stable string kept in the table. */
		label = key[0] == 'i' ? g_strdup_printf("inode:%s", key + 2) : g_strdup(key + 2);
		g_hash_table_insert(unix_end_labels, g_strdup(key), (gpointer)label);
		unix_end_gen++;
	}
	if (addr->len <= UNIX_RES_KEY_MAX) {
		guint i = unix_res_next++ % UNIX_RES_CACHE;
		unix_res_cache[i].gen = unix_end_gen;
		unix_res_cache[i].len = addr->len;
		memcpy(unix_res_cache[i].key, key, addr->len);
		unix_res_cache[i].label = label;
	}
	return label;
}

static int
unix_addr_name_res_len(void)
{
	return 256;
}

/*
 * An address key (file scope) that remembers which label it last saw in
 * unix_end_labels: while the table has not changed since, setting the same
 * label again costs nothing. Every key a unix_frame_t holds is one of these.
 */

const char *
unix_new_key(const char *fmt, ...)
{
	va_list ap;
	char *tmp;
	size_t n;
	unix_key_t *k;

	va_start(ap, fmt);
	tmp = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	n = strlen(tmp) + 1;
	k = (unix_key_t *)wmem_alloc(wmem_file_scope(), sizeof *k + n);
	k->label = NULL;
	k->gen = 0;
	memcpy(k->str, tmp, n);
	g_free(tmp);
	return k->str;
}

/* The label columns show for an address key (kept unless it changed). */
void
unix_set_end_label(const char *key, const char *label)
{
	unix_key_t *k = UNIX_KEY(key);
	const char *cur;

	if (k->label == label && k->gen == unix_end_gen)
		return;
	cur = (const char *)g_hash_table_lookup(unix_end_labels, key);
	if (!cur || strcmp(cur, label) != 0) {
		g_hash_table_replace(unix_end_labels, g_strdup(key), g_strdup(label));
		unix_end_gen++;
	}
	k->label = label;
	k->gen = unix_end_gen;
}

void
unix_set_address(address *addr, const char *key)
{
	set_address(addr, unix_address_type, (int)strlen(key) + 1, key);
}

/* A frame's ends as addresses, for the columns, conversations and follow. */
void
unix_set_frame_addresses(packet_info *pinfo, const unix_frame_t *fr)
{
	if (fr->src_key) {
		unix_set_address(&pinfo->src, fr->src_key);
		unix_set_end_label(fr->src_key, fr->src_label);
	}
	if (fr->dst_key) {
		unix_set_address(&pinfo->dst, fr->dst_key);
		unix_set_end_label(fr->dst_key, fr->dst_label);
	}
	unix_cur_keys[0] = fr->src_key;
	unix_cur_keys[1] = fr->dst_key;
	if (fr->conv_src_key && fr->src_label)
		unix_set_end_label(fr->conv_src_key, fr->src_label);
	if (fr->conv_dst_key && fr->dst_label)
		unix_set_end_label(fr->conv_dst_key, fr->dst_label);
	copy_address_shallow(&pinfo->net_src, &pinfo->src);
	copy_address_shallow(&pinfo->net_dst, &pinfo->dst);
}

void
unix_register_address_type(void)
{
	unix_address_type = address_type_dissector_register("AT_UNIX", "Unix socket end",
	    unix_addr_to_str, unix_addr_str_len, NULL, unix_addr_col_filter, NULL,
	    unix_addr_name_res, unix_addr_name_res_len);
	unix_end_labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
unix_address_init(void)
{
	g_hash_table_remove_all(unix_end_labels);
	unix_end_gen++;
	unix_cur_keys[0] = unix_cur_keys[1] = NULL;
}

void
unix_address_cleanup(void)
{
	unix_cur_keys[0] = unix_cur_keys[1] = NULL;
}
