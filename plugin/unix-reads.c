/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-reads.c: a RECV record that stands for several reads (doc/FORMAT.md
 * READS): how many, and each read's time, place in the stream and size.
 * The record's STREAM covers all of them, so the links between sends and
 * reads (unix-links.c) need nothing from here; the count is shown on every
 * RECV (1 without READS) so that `unix.reads` sums to the reads.
 */

#include "packet-unix.h"

static int hf_tlv_reads = -1;
static int hf_reads = -1;
static int hf_read = -1;
static int hf_read_ns_before = -1;
static int hf_read_time = -1;
static int hf_read_offset = -1;
static int hf_read_len = -1;
static int hf_read_requested = -1;

static gint ett_read = -1;

static expert_field ei_reads_length = EI_INIT;
static expert_field ei_reads_sum = EI_INIT;

int
unix_reads_tlv_hf(void)
{
	return hf_tlv_reads;
}

/* The value's count, if its length is exactly that count's. */
static gboolean
unix_reads_count_ok(tvbuff_t *tvb, int voff, guint16 len, guint32 *count)
{
	if (len < UDS_TLV_READS_FIXED_LEN)
		return FALSE;
	*count = tvb_get_letohl(tvb, voff + UDS_READS_OFF_COUNT);
	return *count >= 2 && (guint64)UDS_TLV_READS_FIXED_LEN + (guint64)*count * UDS_READS_ENTRY_LEN == len;
}

/* Read i of the value: its subtree, at its offset in the stream. */
static void
unix_add_read(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, int voff, guint32 i, guint32 count,
    guint64 at)
{
	int e = voff + (int)(i * UDS_READS_ENTRY_LEN);
	guint32 ns_before = tvb_get_letohl(tvb, e + UDS_READS_OFF_NS_BEFORE);
	guint32 len = tvb_get_letohl(tvb, e + UDS_READS_OFF_MSG_LEN);
	nstime_t before, when;
	proto_item *gi;

	proto_item *ti = proto_tree_add_none_format(sub, hf_read, tvb, e + UDS_READS_OFF_NS_BEFORE,
	    UDS_READS_ENTRY_LEN, "Read %u of %u: %u bytes at offset %" PRIu64 ", %u ns before the last",
	    i + 1, count, len, at, ns_before);
	proto_tree *t = proto_item_add_subtree(ti, ett_read);

	before.secs = ns_before / 1000000000u;
	before.nsecs = (int)(ns_before % 1000000000u);
	nstime_delta(&when, &pinfo->abs_ts, &before);
	proto_tree_add_item(t, hf_read_ns_before, tvb, e + UDS_READS_OFF_NS_BEFORE, 4, ENC_LITTLE_ENDIAN);
	gi = proto_tree_add_time(t, hf_read_time, tvb, e + UDS_READS_OFF_NS_BEFORE, 4, &when);
	proto_item_set_generated(gi);
	gi = proto_tree_add_uint64(t, hf_read_offset, tvb, e + UDS_READS_OFF_MSG_LEN, 4, at);
	proto_item_set_generated(gi);
	proto_tree_add_item(t, hf_read_len, tvb, e + UDS_READS_OFF_MSG_LEN, 4, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(t, hf_read_requested, tvb, e + UDS_READS_OFF_REQUESTED_LEN, 4, ENC_LITTLE_ENDIAN);
}

/* READS (the walker of unix-tlv.c calls it). The second walk has the whole
 * record, STREAM included, wherever it stood. */
void
unix_walk_reads(tvbuff_t *tvb, packet_info *pinfo, proto_tree *sub, proto_item *ti, int voff,
    guint16 len, gboolean build, unix_record_t *rec)
{
	guint32 count = 0;
	guint64 at, total = 0;

	if (!unix_reads_count_ok(tvb, voff, len, &count)) {
		rec->malformed = TRUE;
		if (build)
			expert_add_info_format(pinfo, ti, &ei_reads_length,
			    "READS of %u bytes with count %u: it must be 8 + 12 per read, and at least 2 reads",
			    len, count);
		return;
	}
	if (rec->event != UDS_EV_RECV) {
		rec->malformed = TRUE;
		if (build)
			expert_add_info_format(pinfo, ti, &ei_reads_sum, "READS in a record that is no RECV");
		return;
	}
	rec->n_reads = count;
	if (!build)
		return;
	proto_tree_add_item(sub, hf_reads, tvb, voff + UDS_READS_OFF_COUNT, 4, ENC_LITTLE_ENDIAN);
	at = rec->has_stream ? rec->stream_offset : 0;
	for (guint32 i = 0; i < count; i++) {
		unix_add_read(tvb, pinfo, sub, voff, i, count, at);
		guint32 n = tvb_get_letohl(tvb, voff + (int)(i * UDS_READS_ENTRY_LEN) + UDS_READS_OFF_MSG_LEN);
		at += n;
		total += n;
	}
	proto_item_append_text(ti, ": %u reads", count);
	if (rec->has_stream && total != rec->msg_len)
		expert_add_info_format(pinfo, ti, &ei_reads_sum,
		    "The reads add up to %" PRIu64 " bytes, the stream's length says %u", total,
		    rec->msg_len);
}

/* A RECV record of one read: the count, generated. */
void
unix_reads_add_one(tvbuff_t *tvb, proto_tree *unix_tree, const unix_record_t *rec)
{
	if (rec->event != UDS_EV_RECV || rec->n_reads)
		return;
	proto_item_set_generated(proto_tree_add_uint(unix_tree, hf_reads, tvb, 0, 0, 1));
}

void
unix_reads_register(int proto)
{
	static hf_register_info hf[] = {
		{ &hf_tlv_reads, { "Reads", "unix.read_list", FT_NONE, BASE_NONE, NULL, 0x0,
		    "The reads one RECV record stands for", HFILL } },
		{ &hf_reads, { "Reads", "unix.reads", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "How many reads this RECV record stands for (1 without a READS TLV)", HFILL } },
		{ &hf_read, { "Read", "unix.read", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_read_ns_before, { "Before the record's time (ns)", "unix.read.ns_before", FT_UINT32,
		    BASE_DEC, NULL, 0x0, "How long before the end of the last read this one ended",
		    HFILL } },
		{ &hf_read_time, { "Time", "unix.read.time", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_LOCAL, NULL,
		    0x0, "When this read ended", HFILL } },
		{ &hf_read_offset, { "Stream offset", "unix.read.offset", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "Where the bytes of this read start in the socket's stream", HFILL } },
		{ &hf_read_len, { "Length", "unix.read.len", FT_UINT32, BASE_DEC, NULL, 0x0,
		    "The bytes this read returned", HFILL } },
		{ &hf_read_requested, { "Requested", "unix.read.requested", FT_UINT32, BASE_DEC, NULL,
		    0x0, "The size of the buffer this read was given", HFILL } },
	};
	static gint *ett[] = { &ett_read };
	static ei_register_info ei[] = {
		{ &ei_reads_length, { "unix.reads.bad_length", PI_MALFORMED, PI_ERROR,
		    "READS whose length is not that of its count", EXPFILL } },
		{ &ei_reads_sum, { "unix.reads.bad_sum", PI_MALFORMED, PI_ERROR,
		    "READS that do not add up to the stream's length, or in a record that is no RECV",
		    EXPFILL } },
	};

	proto_register_field_array(proto, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
	expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}
