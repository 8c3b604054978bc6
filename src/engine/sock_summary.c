// SPDX-License-Identifier: GPL-2.0-or-later
#include "sock_summary.h"

#include <ctype.h>
#include <glib.h>
#include <string.h>

#include "values.h"

struct sock_summary {
	uint64_t ino, peer_ino;
	uint16_t type;
	struct uds_addr path;
	uint32_t pid, peer_pid;
	char comm[UDS_COMM_LEN], peer_comm[UDS_COMM_LEN];
	uint64_t records, bytes;
};

struct sock_summaries {
	GHashTable *by_ino;			     /* inode -> struct sock_summary */
	struct sock_summary *memo[INODE_MEMO_SLOTS]; /* the last of each slot: no hashing per record */
};

struct sock_summaries *sock_summaries_new(void)
{
	struct sock_summaries *ss = g_new0(struct sock_summaries, 1);

	ss->by_ino = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	return ss;
}

void sock_summaries_free(struct sock_summaries *ss)
{
	if (!ss)
		return;
	g_hash_table_destroy(ss->by_ino);
	g_free(ss);
}

static struct sock_summary *summary_of(struct sock_summaries *ss, const struct uds_event *ev)
{
	gint64 key = (gint64)ev->sock_ino;
	struct sock_summary **memo = &ss->memo[inode_memo_slot(ev->sock_ino)];
	struct sock_summary *s =
		*memo && (*memo)->ino == ev->sock_ino ? *memo : g_hash_table_lookup(ss->by_ino, &key);

	if (!s) {
		gint64 *k = g_new(gint64, 1);
		*k = key;
		s = g_new0(struct sock_summary, 1);
		s->ino = ev->sock_ino;
		s->type = ev->sock_type;
		g_hash_table_insert(ss->by_ino, k, s);
	}
	*memo = s; /* held by by_ino until the capture ends */
	return s;
}

void sock_summaries_account(struct sock_summaries *ss, const struct uds_event *ev,
			    const struct uds_sock_names *names, const struct uds_addr *dest)
{
	struct sock_summary *s = summary_of(ss, ev);

	s->peer_ino = ev->peer_ino;
	if (names && names->local.kind != UDS_ADDR_UNNAMED)
		s->path = names->local;
	else if (names && names->peer.kind != UDS_ADDR_UNNAMED)
		s->path = names->peer;
	else if (dest && dest->kind != UDS_ADDR_UNNAMED)
		s->path = *dest;
	const struct uds_task_ident *task = uds_sock_names_task_of(names, ev);
	if (ev->event == UDS_EV_DATA) {
		if (task) {
			s->pid = task->pid;
			memcpy(s->comm, task->comm, UDS_COMM_LEN);
		}
		s->bytes += ev->data_len;
		s->records++;
	}
	if (names && names->ident.peer_pid) {
		s->peer_pid = names->ident.peer_pid;
		memcpy(s->peer_comm, names->ident.peer_comm, UDS_COMM_LEN);
	}
}

static void format_addr(const struct uds_addr *a, char *out, size_t cap)
{
	size_t o = 0;
	size_t n = a->len > UDS_ADDR_MAX ? UDS_ADDR_MAX : a->len;

	if (a->kind == UDS_ADDR_UNNAMED) {
		snprintf(out, cap, "(unnamed)");
		return;
	}
	if (a->kind == UDS_ADDR_ABSTRACT && o + 1 < cap)
		out[o++] = '@';
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)a->name[i];
		if (isprint(c) && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	out[o] = 0;
}

void sock_summaries_print(const struct sock_summaries *ss, FILE *out)
{
	GHashTableIter it;
	gpointer k, v;

	fprintf(out, "%-10s %-10s %-9s %-32s %-22s %-22s %8s %10s\n", "inode", "peer", "type", "path",
		"sender", "peer process", "records", "bytes");
	g_hash_table_iter_init(&it, ss->by_ino);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct sock_summary *s = v;
		const char *type = sock_type_name(s->type);
		char path[512], who[48], peer[48];
		format_addr(&s->path, path, sizeof(path));
		snprintf(who, sizeof(who), "%.16s[%u]", s->comm, s->pid);
		if (s->peer_pid)
			snprintf(peer, sizeof(peer), "%.16s[%u]", s->peer_comm, s->peer_pid);
		else
			snprintf(peer, sizeof(peer), "-");
		fprintf(out, "%-10llu %-10llu %-9s %-32s %-22s %-22s %8llu %10llu\n",
			(unsigned long long)s->ino, (unsigned long long)s->peer_ino, type ? type : "?", path,
			who, peer, (unsigned long long)s->records, (unsigned long long)s->bytes);
	}
}
