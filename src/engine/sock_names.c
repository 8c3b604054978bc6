// SPDX-License-Identifier: GPL-2.0-or-later
/* Socket names by generation: see sock_names.h. */
#include "sock_names.h"

#include <glib.h>
#include <string.h>

struct sock_names {
	GHashTable *now, *prev, *retiring; /* inode (gint64) -> uds_sock_names */
	int64_t ended_ns;		   /* when the last generation ended */
	int64_t retire_ns;		   /* retiring goes after a drain past this */
	unsigned max;
	int64_t min_period_ns;
	/* The last answer for each of a few inodes, so that the lookup of
	 * every record seldom hashes: what the tables hold changes only in
	 * sock_names_keep() (one inode) and when a generation is dropped. */
	struct {
		uint64_t ino;
		struct uds_sock_names *n;
	} memo[INODE_MEMO_SLOTS];
};

static GHashTable *generation(void)
{
	return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

struct sock_names *sock_names_new(unsigned max, int64_t min_period_ns)
{
	struct sock_names *t = g_new0(struct sock_names, 1);

	t->now = generation();
	t->prev = generation();
	t->max = max < 2 ? 2 : max;
	t->min_period_ns = min_period_ns;
	return t;
}

void sock_names_free(struct sock_names *t)
{
	if (!t)
		return;
	g_hash_table_destroy(t->now);
	g_hash_table_destroy(t->prev);
	if (t->retiring)
		g_hash_table_destroy(t->retiring);
	g_free(t);
}

struct uds_sock_names *sock_names_lookup(struct sock_names *t, uint64_t ino)
{
	unsigned slot = inode_memo_slot(ino);
	gint64 key = (gint64)ino;
	struct uds_sock_names *n;

	if (t->memo[slot].n && t->memo[slot].ino == ino)
		return t->memo[slot].n;
	n = g_hash_table_lookup(t->now, &key);
	if (!n)
		n = g_hash_table_lookup(t->prev, &key);
	if (!n && t->retiring)
		n = g_hash_table_lookup(t->retiring, &key);
	if (n) {
		t->memo[slot].ino = ino;
		t->memo[slot].n = n;
	}
	return n;
}

static bool next_generation(struct sock_names *t, int64_t now_ns)
{
	if (t->retiring || now_ns - t->ended_ns < t->min_period_ns)
		return false;
	t->retiring = t->prev;
	t->prev = t->now;
	t->now = generation();
	t->ended_ns = now_ns;
	t->retire_ns = now_ns + SOCK_NAMES_RETIRE_NS;
	return true;
}

bool sock_names_keep(struct sock_names *t, const struct uds_sockinfo_event *e, int64_t now_ns)
{
	struct uds_sock_names *n = g_new(struct uds_sock_names, 1);
	gint64 *k = g_new(gint64, 1);

	*k = (gint64)e->sock_ino;
	n->local = e->local_addr;
	n->peer = e->peer_addr;
	n->ns = e->ns;
	n->ident = e->ident;
	n->task = e->task;
	n->task_gen = e->task_gen;
	n->peer_file = 0; /* new or changed: the next record carries it */
	n->peer_written_ns = 0;
	uds_sock_names_encode(n);
	g_hash_table_replace(t->now, k, n); /* frees what the memo may hold */
	t->memo[inode_memo_slot(e->sock_ino)].ino = e->sock_ino;
	t->memo[inode_memo_slot(e->sock_ino)].n = n;
	return g_hash_table_size(t->now) >= t->max && next_generation(t, now_ns);
}

void sock_names_retire(struct sock_names *t, int64_t now_ns)
{
	if (t->retiring && now_ns >= t->retire_ns) {
		g_hash_table_destroy(t->retiring);
		t->retiring = NULL;
		memset(t->memo, 0, sizeof(t->memo));
	}
}

unsigned sock_names_held(const struct sock_names *t)
{
	return g_hash_table_size(t->now) + g_hash_table_size(t->prev) +
	       (t->retiring ? g_hash_table_size(t->retiring) : 0);
}
