// SPDX-License-Identifier: GPL-2.0-or-later
/* --recv merged: a socket's consecutive reads in one RECV record (read_merge.h). */
#include "read_merge.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "udsdump/record.h"

/* READS' ns_before is a u32: the reads of one record span less. */
#define READ_MERGE_SPAN_NS 1000000000ULL

/* A socket's held reads: the first one's event, then each read. */
struct held_reads {
	struct uds_event ev;  /* msg_len and requested_len summed; ts the last's */
	uint64_t next_offset; /* where a read must start to join */
	uint32_t n;
	uint64_t ts[READ_MERGE_MAX];
	uint32_t len[READ_MERGE_MAX];
	uint32_t requested[READ_MERGE_MAX];
};

struct read_merge {
	GHashTable *held; /* socket inode -> struct held_reads */
	read_merge_write_fn write;
	void *ctx;
};

struct read_merge *read_merge_new(read_merge_write_fn write, void *ctx)
{
	struct read_merge *m = g_new0(struct read_merge, 1);

	m->held = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	m->write = write;
	m->ctx = ctx;
	return m;
}

void read_merge_free(struct read_merge *m)
{
	if (!m)
		return;
	g_hash_table_destroy(m->held);
	g_free(m);
}

bool read_merge_eligible(const struct uds_event *ev, uint32_t extra_flags)
{
	return ev->event == UDS_EV_RECV && ev->sock_type == SOCK_STREAM && ev->data_len == 0 &&
	       ev->syscall != UDS_SYS_UNKNOWN && (ev->flags & UDS_F_METADATA_ONLY) &&
	       !(ev->flags & (UDS_F_FIRST_SEEN | UDS_F_OOB)) && extra_flags == 0;
}

/* Write h's reads as one record (h stays in the table, emptied). */
static void write_held(struct read_merge *m, struct held_reads *h)
{
	struct uds_read reads[READ_MERGE_MAX];
	uint64_t last = h->ts[h->n - 1];

	for (uint32_t i = 0; i < h->n; i++)
		reads[i] = (struct uds_read){ .ns_before = (uint32_t)(last - h->ts[i]),
					      .msg_len = h->len[i],
					      .requested_len = h->requested[i] };
	h->ev.ts_boot_ns = last;
	m->write(m->ctx, &h->ev, reads, h->n);
	h->n = 0;
}

static bool joins(const struct held_reads *h, const struct uds_event *ev)
{
	return h->n < READ_MERGE_MAX && h->next_offset == ev->stream_offset && h->ev.tid == ev->tid &&
	       h->ev.syscall == ev->syscall && h->ev.task_gen == ev->task_gen &&
	       h->ev.peer_ino == ev->peer_ino && h->ev.flags == ev->flags &&
	       ev->ts_boot_ns >= h->ts[h->n - 1] && ev->ts_boot_ns - h->ts[0] < READ_MERGE_SPAN_NS;
}

void read_merge_hold(struct read_merge *m, const struct uds_event *ev)
{
	gint64 key = (gint64)ev->sock_ino;
	struct held_reads *h = g_hash_table_lookup(m->held, &key);

	if (!h) {
		h = g_new0(struct held_reads, 1);
		h->ev.sock_ino = ev->sock_ino; /* the table's key lives in the value */
		g_hash_table_insert(m->held, (gint64 *)&h->ev.sock_ino, h);
	}
	if (h->n && !joins(h, ev))
		write_held(m, h);
	if (h->n == 0) {
		h->ev = *ev;
		h->ev.msg_len = 0;
		h->ev.requested_len = 0;
	}
	uint64_t requested = (uint64_t)h->ev.requested_len + ev->requested_len;
	h->ts[h->n] = ev->ts_boot_ns;
	h->len[h->n] = ev->msg_len;
	h->requested[h->n] = ev->requested_len;
	h->n++;
	h->ev.msg_len += ev->msg_len;
	h->ev.requested_len = requested > UINT32_MAX ? UINT32_MAX : (uint32_t)requested;
	h->next_offset = ev->stream_offset + ev->msg_len;
	if (h->n == READ_MERGE_MAX)
		write_held(m, h);
}

void read_merge_flush(struct read_merge *m, uint64_t ino)
{
	gint64 key = (gint64)ino;
	struct held_reads *h = g_hash_table_lookup(m->held, &key);

	if (h && h->n)
		write_held(m, h);
}

static gint by_last_read(gconstpointer a, gconstpointer b)
{
	const struct held_reads *x = *(const struct held_reads *const *)a;
	const struct held_reads *y = *(const struct held_reads *const *)b;
	uint64_t tx = x->ts[x->n - 1], ty = y->ts[y->n - 1];

	return tx < ty ? -1 : tx > ty;
}

void read_merge_flush_all(struct read_merge *m)
{
	GPtrArray *due = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, m->held);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		if (((struct held_reads *)value)->n)
			g_ptr_array_add(due, value);
	}
	g_ptr_array_sort(due, by_last_read);
	for (guint i = 0; i < due->len; i++)
		write_held(m, g_ptr_array_index(due, i));
	g_ptr_array_free(due, TRUE);
	/* A socket that read nothing in a pass is forgotten: the table holds
	 * the sockets that read lately, not every socket of a long capture. */
	g_hash_table_remove_all(m->held);
}
