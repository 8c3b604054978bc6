/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copying the payload of a message into the ring: straight from one user
 * buffer into a reservation of a size class, or chunk by chunk through the
 * scratch space from an iovec array; each chunk carries its offsets, so a
 * chunk that is lost or unreadable is a gap of exact size.
 */
#ifndef UDS_BPF_LIB_PAYLOAD_H
#define UDS_BPF_LIB_PAYLOAD_H

#include "maps.h"

/* The event header (in scratch) of the message's next chunk, n bytes at
 * the context's offsets; the context then moves past it. */
static __always_inline void next_chunk(struct payload_ctx *c, struct data_scratch *s, __u32 n, bool last)
{
	s->ev.data_len = n;
	s->ev.msg_offset = c->msg_off;
	s->ev.stream_offset = c->stream_off;
	s->ev.flags = c->base_flags | (last ? 0 : UDS_F_MORE) | (c->fault ? UDS_F_READ_FAULT : 0);
	c->base_flags &= ~UDS_F_FIRST_SEEN;
	c->emitted++;
	c->msg_off += n;
	c->stream_off += n;
}

/* Emit the chunk in scratch (c->fill payload bytes) as one event. */
static __always_inline void emit_chunk(struct payload_ctx *c, struct data_scratch *s, bool last)
{
	__u32 n = c->fill;
	long err;

	if (n > UDS_CHUNK_MAX)
		n = UDS_CHUNK_MAX;
	next_chunk(c, s, n, last);
	c->need_record = 0;
	if (last)
		c->done = 1;
	err = ring_output(&s->ev, sizeof(struct uds_event) + n);
	count_emit(err == 0, n);
	c->fill = 0;
}

static long payload_step(__u32 i, void *unused)
{
	struct data_scratch *s = get_data_scratch();
	struct payload_ctx *c;
	struct user_iovec iov;
	__u64 n;
	__u32 fill;

	if (!s)
		return 1;
	c = &s->pc;
	if (c->done)
		return 1;
	if (c->remaining == 0) {
		if (c->fill || c->need_record)
			emit_chunk(c, s, true);
		c->done = 1;
		return 1;
	}
	if (c->cur_left == 0) {
		if (!c->iov_ptr || c->iov_idx >= c->iov_cnt || c->iov_idx >= UIO_MAXIOV) {
			c->fault = 1; /* fewer bytes in the iovecs than sent? */
			emit_chunk(c, s, true);
			return 1;
		}
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(c->iov_ptr + (__u64)c->iov_idx * sizeof(iov)))) {
			c->fault = 1;
			emit_chunk(c, s, true);
			return 1;
		}
		c->iov_idx++;
		c->cur_base = iov.base;
		c->cur_left = iov.len;
		return 0;
	}
	n = c->cur_left;
	if (n > c->remaining)
		n = c->remaining;
	fill = c->fill & CHUNK_MASK;
	if (n > UDS_CHUNK_MAX - fill)
		n = UDS_CHUNK_MAX - fill;
	if (n > UDS_CHUNK_MAX)
		n = UDS_CHUNK_MAX;
	BOUND(fill, CHUNK_MASK);
	BOUND_MAX(n, UDS_CHUNK_MAX);
	if (bpf_probe_read_user(&s->data[fill], n, (void *)c->cur_base)) {
		c->fault = 1;
		emit_chunk(c, s, true);
		return 1;
	}
	c->fill = fill + n;
	c->cur_base += n;
	c->cur_left -= n;
	c->remaining -= n;
	if (c->fill >= UDS_CHUNK_MAX || c->remaining == 0) {
		emit_chunk(c, s, c->remaining == 0);
		if (c->remaining == 0)
			return 1;
	}
	return 0;
}

/* One chunk of a one-buffer message straight into the ring: reserve a
 * size class that holds it, put the header in, copy the caller's bytes
 * into the reservation and submit. One copy of the payload instead of two
 * (user -> scratch -> ring); the reservation's unused tail is ring space
 * only (the event says how many bytes are payload). */
#define RESERVE_CLASS(cls)                                                             \
	do {                                                                           \
		rec = ring_reserve(sizeof(struct uds_event) + (cls));               \
		if (rec) {                                                             \
			__builtin_memcpy(rec, &s->ev, sizeof(struct uds_event));       \
			BOUND_MAX(n, (cls));                                           \
			if (n && bpf_probe_read_user((void *)rec + sizeof(struct uds_event), n, \
						     (void *)src))                        \
				fault = 1;                                             \
		}                                                                      \
	} while (0)

static long direct_step(__u32 i, void *unused)
{
	struct data_scratch *s = get_data_scratch();
	struct payload_ctx *c;
	struct uds_event *rec = NULL;
	__u32 n, fault = 0;
	__u64 src;
	bool last;

	if (!s)
		return 1;
	c = &s->pc;
	if (c->done)
		return 1;
	n = c->remaining > UDS_CHUNK_MAX ? UDS_CHUNK_MAX : c->remaining;
	last = n == c->remaining;
	src = c->cur_base;
	next_chunk(c, s, n, last);
	if (n <= 256)
		RESERVE_CLASS(256);
	else if (n <= 1024)
		RESERVE_CLASS(1024);
	else if (n <= 4096)
		RESERVE_CLASS(4096);
	else
		RESERVE_CLASS(UDS_CHUNK_MAX);
	if (!rec) {
		count_emit(false, n);
	} else {
		if (fault) {
			/* unreadable: these bytes and the rest are a gap */
			rec->data_len = 0;
			rec->flags = (rec->flags & ~UDS_F_MORE) | UDS_F_READ_FAULT;
			last = true;
		}
		ring_submit(rec);
		count_emit(true, n);
	}
	c->cur_base += n;
	c->remaining -= n;
	if (last || !c->remaining) {
		c->done = 1;
		return 1;
	}
	return 0;
}

LOOP_GLOBAL(payload_step)
LOOP_GLOBAL(direct_step)

#if !UDS_LEGACY
/* The bytes the caller's iovecs ask for (requested_len). The sum's state
 * is in scratch, not on the stack: with it on the stack, 6.1's verifier
 * finds the syscall program's call chain over 512 bytes. The legacy
 * object has no bpf_loop and cannot afford the walk (bpf/lib/msg.h). */
static long iovsum_step(__u32 i, void *unused)
{
	struct data_scratch *s = get_data_scratch();
	struct user_iovec iov;

	if (!s || i >= s->iovsum.cnt)
		return 1;
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(s->iovsum.iov_ptr + (__u64)i * sizeof(iov))))
		return 1;
	s->iovsum.total += iov.len;
	return 0;
}

static __always_inline __u64 iov_total(__u64 iov_ptr, __u32 cnt)
{
	struct data_scratch *s = get_data_scratch();

	if (!s)
		return 0;
	s->iovsum.iov_ptr = iov_ptr;
	s->iovsum.cnt = cnt > UIO_MAXIOV ? UIO_MAXIOV : cnt;
	s->iovsum.total = 0;
	bpf_loop(s->iovsum.cnt, iovsum_step, NULL, 0);
	s = get_data_scratch();
	return s ? s->iovsum.total : 0;
}
#endif

#endif /* UDS_BPF_LIB_PAYLOAD_H */
