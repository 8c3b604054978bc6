/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-engine.c: ENGINE records (doc/FORMAT.md, "Engine records")
 */

#include "packet-unix.h"

/*
 * Which engine made the capture, on which kernel, what it does without and
 * what it cannot see. Not traffic: no stream, conversation, tap, follow or
 * reassembly, so they are dissected apart from the records of sockets.
 */
static int hf_unix_engine_kernel = -1;
static int hf_unix_engine_rung = -1;
static int hf_unix_engine_missing = -1;
static int hf_unix_engine_missing_source = -1;
static int hf_unix_engine_missing_reason = -1;
static int hf_unix_engine_blind = -1;
static int hf_unix_engine_version = -1;
static int hf_unix_engine_reason = -1;
static gint ett_unix_engine_missing = -1;

static const value_string unix_engine_missing_vals[] = {
	{ UDS_MISSING_KERNEL, "the kernel lacks it" },
	{ UDS_MISSING_WITHOUT, "hidden by --without" },
	{ 0, NULL }
};

/* What an ENGINE record said, for the Info column. */
typedef struct {
	const char *kernel, *rung;
	wmem_strbuf_t *missing; /* "a missing, b hidden" */
	guint32 seen;           /* bit per text TLV type seen */
} unix_engine_t;

static const char *
unix_engine_text(packet_info *pinfo, tvbuff_t *tvb, int off, guint len)
{
	return unix_escape_name(pinfo->pool, tvb_get_ptr(tvb, off, len), len);
}

/* One ENGINE_MISSING: u8 source, u8 name_len, name, reason. */
static void
unix_engine_missing(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int voff, guint16 len,
    unix_engine_t *eng, unix_record_t *rec)
{
	proto_item *ti;
	proto_tree *sub;
	guint8 source, name_len;
	const char *name, *reason;

	if (len < UDS_TLV_ENGINE_MISSING_FIXED_LEN ||
	    tvb_get_uint8(tvb, voff + UDS_ENGINE_MISSING_OFF_NAME_LEN) > len - UDS_TLV_ENGINE_MISSING_FIXED_LEN) {
		rec->malformed = TRUE;
		ti = proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		expert_add_info_format(pinfo, ti, &ei_unix_tlv_short,
		    "Missing-feature TLV of %u bytes: too short for its source, name length and name", len);
		return;
	}
	source = tvb_get_uint8(tvb, voff + UDS_ENGINE_MISSING_OFF_SOURCE);
	name_len = tvb_get_uint8(tvb, voff + UDS_ENGINE_MISSING_OFF_NAME_LEN);
	name = unix_engine_text(pinfo, tvb, voff + UDS_ENGINE_MISSING_OFF_NAME, name_len);
	reason = unix_engine_text(pinfo, tvb, voff + UDS_ENGINE_MISSING_OFF_NAME + name_len, len - UDS_TLV_ENGINE_MISSING_FIXED_LEN - name_len);
	ti = proto_tree_add_string_format_value(tree, hf_unix_engine_missing, tvb, voff + UDS_ENGINE_MISSING_OFF_NAME, name_len, name,
	    "%s (%s%s%s)", name, val_to_str(pinfo->pool, source, unix_engine_missing_vals, "source %u"),
	    source == UDS_MISSING_WITHOUT ? "" : ": ", source == UDS_MISSING_WITHOUT ? "" : reason);
	sub = proto_item_add_subtree(ti, ett_unix_engine_missing);
	proto_tree_add_item(sub, hf_unix_engine_missing_source, tvb, voff + UDS_ENGINE_MISSING_OFF_SOURCE, 1, ENC_NA);
	proto_tree_add_string(sub, hf_unix_engine_missing_reason, tvb, voff + UDS_ENGINE_MISSING_OFF_NAME + name_len,
	    len - UDS_TLV_ENGINE_MISSING_FIXED_LEN - name_len, reason);
	wmem_strbuf_append_printf(eng->missing, "%s%s %s", wmem_strbuf_get_len(eng->missing) ? ", " : "",
	    name, source == UDS_MISSING_WITHOUT ? "hidden" : "missing");
}

/* A text TLV: the first of its type counts, as in every record. */
static void
unix_engine_tlv(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint16 type, int voff,
    guint16 len, unix_engine_t *eng)
{
	const char *text = unix_engine_text(pinfo, tvb, voff, len);
	proto_item *ti;
	int hf;

	switch (type) {
	case UDS_TLV_ENGINE_KERNEL: hf = hf_unix_engine_kernel; break;
	case UDS_TLV_ENGINE_RUNG: hf = hf_unix_engine_rung; break;
	case UDS_TLV_ENGINE_BLIND: hf = hf_unix_engine_blind; break;
	case UDS_TLV_ENGINE_VERSION: hf = hf_unix_engine_version; break;
	case UDS_TLV_ENGINE_REASON: hf = hf_unix_engine_reason; break;
	default:
		ti = proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		expert_add_info_format(pinfo, ti, &ei_unix_tlv_unknown,
		    "TLV type %u (%u bytes) in an ENGINE record skipped", type, len);
		return;
	}
	ti = proto_tree_add_string(tree, hf, tvb, voff, len, text);
	if (eng->seen & (1u << (type - UDS_TLV_ENGINE_KERNEL))) {
		expert_add_info(pinfo, ti, &ei_unix_tlv_repeated);
		return;
	}
	eng->seen |= 1u << (type - UDS_TLV_ENGINE_KERNEL);
	if (type == UDS_TLV_ENGINE_KERNEL)
		eng->kernel = text;
	else if (type == UDS_TLV_ENGINE_RUNG)
		eng->rung = text;
}

int
dissect_unix_engine(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *unix_tree,
    proto_item *ti, unix_record_t *rec)
{
	unix_engine_t eng = { NULL, NULL, wmem_strbuf_new(pinfo->pool, ""), 0 };
	int off = UDS_REC_HDR_LEN;

	while (off < rec->header_len) {
		guint16 type, len;
		if (rec->header_len - off < UDS_TLV_HDR_LEN ||
		    tvb_get_letohs(tvb, off + UDS_TLV_OFF_LENGTH) > rec->header_len - off - UDS_TLV_HDR_LEN) {
			proto_item *ei = proto_tree_add_item(unix_tree, hf_unix_tlv_extra, tvb, off,
			    rec->header_len - off, ENC_NA);
			expert_add_info(pinfo, ei, &ei_unix_tlv_overrun);
			rec->malformed = TRUE;
			break;
		}
		type = tvb_get_letohs(tvb, off);
		len = tvb_get_letohs(tvb, off + UDS_TLV_OFF_LENGTH);
		if (type == UDS_TLV_ENGINE_MISSING)
			unix_engine_missing(tvb, pinfo, unix_tree, off + UDS_TLV_HDR_LEN, len, &eng, rec);
		else
			unix_engine_tlv(tvb, pinfo, unix_tree, type, off + UDS_TLV_HDR_LEN, len, &eng);
		off += UDS_TLV_HDR_LEN + len;
	}
	col_add_fstr(pinfo->cinfo, COL_INFO, "Engine %s on %s", eng.rung ? eng.rung : "?",
	    eng.kernel ? eng.kernel : "?");
	if (wmem_strbuf_get_len(eng.missing))
		col_append_fstr(pinfo->cinfo, COL_INFO, " (%s)", wmem_strbuf_get_str(eng.missing));
	if (rec->malformed)
		col_append_str(pinfo->cinfo, COL_INFO, " [Malformed]");
	proto_item_append_text(ti, ", Engine %s on %s", eng.rung ? eng.rung : "?",
	    eng.kernel ? eng.kernel : "?");
	if (rec->payload_avail)
		call_data_dissector(tvb_new_subset_length(tvb, rec->header_len, rec->payload_avail), pinfo,
		    tree);
	return tvb_captured_length(tvb);
}

void
unix_register_engine(void)
{
	static hf_register_info hf[] = {
		{ &hf_unix_engine_kernel, { "Kernel", "unix.engine.kernel", FT_STRING, BASE_NONE, NULL, 0x0,
		    "Release of the kernel the capture ran on", HFILL } },
		{ &hf_unix_engine_rung, { "Engine", "unix.engine.rung", FT_STRING, BASE_NONE, NULL, 0x0,
		    "The engine variant (rung of the load ladder) that ran", HFILL } },
		{ &hf_unix_engine_missing, { "Missing feature", "unix.engine.missing", FT_STRING, BASE_NONE,
		    NULL, 0x0, "A kernel feature the engine ran without", HFILL } },
		{ &hf_unix_engine_missing_source, { "Why missing", "unix.engine.missing.source", FT_UINT8,
		    BASE_DEC, VALS(unix_engine_missing_vals), 0x0, NULL, HFILL } },
		{ &hf_unix_engine_missing_reason, { "Reason", "unix.engine.missing.reason", FT_STRING,
		    BASE_NONE, NULL, 0x0, "Why the feature is missing", HFILL } },
		{ &hf_unix_engine_blind, { "Not seen", "unix.engine.blind", FT_STRING, BASE_NONE, NULL, 0x0,
		    "What this engine does not capture at all", HFILL } },
		{ &hf_unix_engine_version, { "udsdump version", "unix.engine.version", FT_STRING, BASE_NONE,
		    NULL, 0x0, NULL, HFILL } },
		{ &hf_unix_engine_reason, { "Why this engine", "unix.engine.reason", FT_STRING, BASE_NONE,
		    NULL, 0x0, "Why not the fastest engine variant", HFILL } },
	};
	static gint *ett[] = {
		&ett_unix_engine_missing,
	};

	proto_register_field_array(proto_unix, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
}
