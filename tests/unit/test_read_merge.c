// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --recv merged (src/engine/read_merge.c): which reads join a socket's held
 * ones and which start a record of their own, the order held reads are
 * written in, and the READS TLV added to the record (doc/FORMAT.md).
 */
#include <string.h>

#include "check.h"
#include "read_merge.h"
#include "udsdump/record.h"

#define MS 1000000ULL

/* What the writer was handed, record by record. */
static struct written {
	uint64_t ino, ts, offset;
	uint32_t msg_len, requested, tid, n;
	struct uds_read reads[READ_MERGE_MAX];
} out[64];
static int n_out;

static void collect(void *ctx, const struct uds_event *ev, const struct uds_read *reads, uint32_t n)
{
	struct written *w = &out[n_out++];

	(void)ctx;
	w->ino = ev->sock_ino;
	w->ts = ev->ts_boot_ns;
	w->offset = ev->stream_offset;
	w->msg_len = ev->msg_len;
	w->requested = ev->requested_len;
	w->tid = ev->tid;
	w->n = n;
	memcpy(w->reads, reads, n * sizeof(*reads));
}

static struct uds_event read_event(uint64_t ino, uint32_t tid, uint64_t ts, uint64_t offset, uint32_t len)
{
	struct uds_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = UDS_RING_DATA;
	ev.event = UDS_EV_RECV;
	ev.sock_type = 1;
	ev.syscall = UDS_SYS_READ;
	ev.flags = UDS_F_METADATA_ONLY;
	ev.sock_ino = ino;
	ev.tid = tid;
	ev.ts_boot_ns = ts;
	ev.stream_offset = offset;
	ev.msg_len = len;
	ev.requested_len = 4096;
	return ev;
}

static void eligible(void)
{
	struct uds_event ev = read_event(1, 10, MS, 0, 5);

	CHECK(read_merge_eligible(&ev, 0), "a read of metadata on a stream socket can be held");
	CHECK(!read_merge_eligible(&ev, UDS_F_JOINED_MIDSTREAM), "not a read with a flag of the writer's");
	ev.flags |= UDS_F_FIRST_SEEN;
	CHECK(!read_merge_eligible(&ev, 0), "not a socket's first read");
	ev = read_event(1, 10, MS, 0, 5);
	ev.sock_type = 2;
	CHECK(!read_merge_eligible(&ev, 0), "not a datagram");
	ev = read_event(1, 10, MS, 0, 5);
	ev.event = UDS_EV_DATA;
	CHECK(!read_merge_eligible(&ev, 0), "not a send");
	ev = read_event(1, 10, MS, 0, 5);
	ev.flags = 0;
	ev.data_len = 5;
	CHECK(!read_merge_eligible(&ev, 0), "not a read with its payload");
	ev = read_event(1, 10, MS, 0, 5);
	ev.syscall = UDS_SYS_UNKNOWN;
	CHECK(!read_merge_eligible(&ev, 0), "not a read the kernel could not name");
}

static void hold(struct read_merge *m, uint64_t ino, uint32_t tid, uint64_t ts, uint64_t offset, uint32_t len)
{
	struct uds_event ev = read_event(ino, tid, ts, offset, len);
	read_merge_hold(m, &ev);
}

static void joins_and_breaks(void)
{
	struct read_merge *m = read_merge_new(collect, NULL);

	n_out = 0;
	hold(m, 1, 10, 1 * MS, 0, 5);
	hold(m, 2, 20, 2 * MS, 100, 7); /* another socket between */
	hold(m, 1, 10, 3 * MS, 5, 6);
	hold(m, 1, 10, 4 * MS, 11, 4);
	CHECK(n_out == 0, "reads that join are held: %d written", n_out);
	hold(m, 1, 11, 5 * MS, 15, 1); /* another thread */
	CHECK(n_out == 1 && out[0].n == 3 && out[0].msg_len == 15 && out[0].offset == 0 && out[0].tid == 10 &&
		      out[0].ts == 4 * MS && out[0].requested == 3 * 4096,
	      "another thread writes the held reads: one record of 3 reads, 15 bytes from 0 at the last's "
	      "time");
	CHECK(out[0].reads[0].ns_before == 3 * MS && out[0].reads[1].ns_before == MS &&
		      out[0].reads[2].ns_before == 0 && out[0].reads[1].msg_len == 6,
	      "each read's time before the last's, and its size");
	hold(m, 1, 11, 6 * MS, 20, 1); /* a gap of 4 bytes: lost reads */
	CHECK(n_out == 2 && out[1].n == 1 && out[1].offset == 15, "a gap in the offsets ends the record");
	hold(m, 1, 11, 6 * MS + 1000 * MS, 21, 1);
	CHECK(n_out == 3 && out[2].offset == 20, "a second after the first read ends the record");
	read_merge_flush(m, 2);
	CHECK(n_out == 4 && out[3].ino == 2 && out[3].n == 1, "a socket's held reads written at once");
	read_merge_flush(m, 2);
	CHECK(n_out == 4, "and only once");
	read_merge_free(m);
}

static void full_and_order(void)
{
	struct read_merge *m = read_merge_new(collect, NULL);
	uint64_t off = 0;

	n_out = 0;
	for (uint32_t i = 0; i < READ_MERGE_MAX + 1; i++, off += 2)
		hold(m, 5, 1, (10 + i) * MS, off, 2);
	CHECK(n_out == 1 && out[0].n == READ_MERGE_MAX, "a full record is written at once");
	hold(m, 6, 1, 500 * MS, 0, 3);
	hold(m, 7, 1, 400 * MS, 0, 3);
	read_merge_flush_all(m);
	CHECK(n_out == 4 && out[1].ino == 5 && out[2].ino == 7 && out[3].ino == 6,
	      "the end of a pass writes them all, in the order of their last reads");
	read_merge_flush_all(m);
	CHECK(n_out == 4, "nothing is held after it");
	read_merge_free(m);
}

static void reads_tlv(void)
{
	static uint8_t rec[UDS_RECORD_META_MAX];
	struct uds_event ev = read_event(9, 3, MS, 100, 12);
	const struct uds_read reads[2] = { { 500, 5, 64 }, { 0, 7, 64 } };

	ev.requested_len = 128;
	size_t len = uds_record_from_event(&ev, NULL, NULL, NULL, NULL, NULL, 0, rec, sizeof(rec));
	size_t grown = uds_record_add_reads(rec, len, sizeof(rec), reads, 2);
	CHECK(len && grown == len + 4 + UDS_TLV_READS_FIXED_LEN + 2 * UDS_READS_ENTRY_LEN,
	      "READS adds 4 + 8 + 12 per read: %zu -> %zu", len, grown);
	CHECK((size_t)(rec[UDS_HDR_OFF_HEADER_LEN] | rec[UDS_HDR_OFF_HEADER_LEN + 1] << 8) == grown,
	      "header_len covers it");
	const uint8_t *t = rec + len, *v = t + UDS_TLV_HDR_LEN;
	CHECK((t[0] | t[1] << 8) == UDS_TLV_READS && v[UDS_READS_OFF_COUNT] == 2 &&
		      v[UDS_READS_OFF_NS_BEFORE] == (500 & 0xff) &&
		      v[UDS_READS_OFF_NS_BEFORE + 1] == (500 >> 8) &&
		      v[UDS_READS_OFF_MSG_LEN + UDS_READS_ENTRY_LEN] == 7,
	      "the count, then each read at its offsets");
	CHECK(uds_record_add_reads(rec, len, sizeof(rec), reads, 1) == 0, "one read has no READS");
	CHECK(uds_record_add_reads(rec, len, len + 20, reads, 2) == 0, "no room: nothing");
}

int main(void)
{
	eligible();
	joins_and_breaks();
	full_and_order();
	reads_tlv();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
