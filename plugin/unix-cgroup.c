/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-cgroup.c: CGROUP records (doc/FORMAT.md, "Cgroup records") and the
 * names they give the cgroup ids of the other records: the cgroup's path,
 * the container and the Kubernetes pod. Not traffic: like ENGINE records,
 * they go into no stream, conversation or tap.
 */

#include "packet-unix.h"

static int hf_cgroup_id = -1;
static int hf_cgroup_path = -1;
static int hf_container_runtime = -1;
static int hf_container_monitor = -1;
static int hf_container_id = -1;
static int hf_pod = -1;
static int hf_container_name = -1;
static int hf_peer_container_name = -1;
static int hf_peer_cgroup_path = -1;
static int hf_peer_container_id = -1;
static int hf_peer_container_runtime = -1;

static const value_string runtime_vals[] = {
	{ 1, "docker" },
	{ 2, "containerd" },
	{ 3, "cri-o" },
	{ 4, "podman" },
	{ 5, "Kubernetes (CRI)" },
	{ 0, NULL }
};

static const unix_field_t container_fields[] = {
	{ &hf_container_runtime, UDS_CONTAINER_OFF_RUNTIME, 1, ENC_NA },
	{ &hf_container_monitor, UDS_CONTAINER_OFF_MONITOR, 1, ENC_NA },
};

/* The last CGROUP record of each id (file scope, first pass). */
static wmem_map_t *cgroups;

void
unix_cgroups_init(void)
{
	cgroups = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
}

const unix_cgroup_t *
unix_cgroup_of(guint64 id)
{
	return id && cgroups ? (const unix_cgroup_t *)wmem_map_lookup(cgroups, &id) : NULL;
}

static const char *
unix_cgroup_text(tvbuff_t *tvb, int off, int len)
{
	return unix_escape_name(wmem_file_scope(), tvb_get_ptr(tvb, off, len), (guint)len);
}

/* One TLV of a CGROUP record into *cg and the tree. */
static void
unix_cgroup_tlv(tvbuff_t *tvb, proto_tree *tree, guint16 type, int voff, guint16 len,
    unix_cgroup_t *cg, unix_record_t *rec)
{
	switch (type) {
	case UDS_TLV_CGROUP:
		if (len < UDS_TLV_CGROUP_FIXED_LEN)
			break;
		cg->id = tvb_get_letoh64(tvb, voff + UDS_CGROUP_OFF_CGROUP_ID);
		cg->path = unix_cgroup_text(tvb, voff + UDS_CGROUP_OFF_PATH, len - UDS_CGROUP_OFF_PATH);
		proto_tree_add_item(tree, hf_cgroup_id, tvb, voff + UDS_CGROUP_OFF_CGROUP_ID, 8,
		    ENC_LITTLE_ENDIAN);
		proto_tree_add_string(tree, hf_cgroup_path, tvb, voff + UDS_CGROUP_OFF_PATH,
		    len - UDS_CGROUP_OFF_PATH, cg->path);
		return;
	case UDS_TLV_CONTAINER:
		if (len < UDS_TLV_CONTAINER_FIXED_LEN)
			break;
		cg->runtime = tvb_get_uint8(tvb, voff + UDS_CONTAINER_OFF_RUNTIME);
		cg->monitor = tvb_get_uint8(tvb, voff + UDS_CONTAINER_OFF_MONITOR);
		cg->container = unix_cgroup_text(tvb, voff + UDS_CONTAINER_OFF_ID,
		    len - UDS_CONTAINER_OFF_ID);
		unix_add_fields(tree, tvb, voff, container_fields, G_N_ELEMENTS(container_fields));
		proto_tree_add_string(tree, hf_container_id, tvb, voff + UDS_CONTAINER_OFF_ID,
		    len - UDS_CONTAINER_OFF_ID, cg->container);
		return;
	case UDS_TLV_POD:
		cg->pod = unix_cgroup_text(tvb, voff, len);
		proto_tree_add_string(tree, hf_pod, tvb, voff, len, cg->pod);
		return;
	case UDS_TLV_CONTAINER_NAME:
		cg->name = unix_cgroup_text(tvb, voff, len);
		proto_tree_add_string(tree, hf_container_name, tvb, voff, len, cg->name);
		return;
	default:
		proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
		return;
	}
	rec->malformed = TRUE;
	proto_tree_add_item(tree, hf_unix_tlv_extra, tvb, voff, len, ENC_NA);
}

/* "web-1/" (the runtime's name) or "abcdef123456/" (the short id): what
 * columns put before comm[pid]. */
static const char *
unix_cgroup_label(const unix_cgroup_t *cg)
{
	if (!cg->container || !cg->container[0] || cg->monitor)
		return NULL;
	if (cg->name && cg->name[0])
		return wmem_strdup_printf(wmem_file_scope(), "%s/", cg->name);
	return wmem_strdup_printf(wmem_file_scope(), "%.12s/", cg->container);
}

int
dissect_unix_cgroup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *unix_tree, proto_item *ti,
    unix_record_t *rec)
{
	unix_cgroup_t *cg = wmem_new0(wmem_file_scope(), unix_cgroup_t);
	int off = UDS_REC_HDR_LEN;

	while (off + UDS_TLV_HDR_LEN <= rec->header_len) {
		guint16 type = tvb_get_letohs(tvb, off + UDS_TLV_OFF_TYPE);
		guint16 len = tvb_get_letohs(tvb, off + UDS_TLV_OFF_LENGTH);
		if (len > rec->header_len - off - UDS_TLV_HDR_LEN)
			break;
		unix_cgroup_tlv(tvb, unix_tree, type, off + UDS_TLV_HDR_LEN, len, cg, rec);
		off += UDS_TLV_HDR_LEN + len;
	}
	if (off != rec->header_len) {
		rec->malformed = TRUE;
		expert_add_info(pinfo, proto_tree_add_item(unix_tree, hf_unix_tlv_extra, tvb, off,
		    rec->header_len - off, ENC_NA), &ei_unix_tlv_overrun);
	}
	cg->label = unix_cgroup_label(cg);
	if (cg->id && !PINFO_FD_VISITED(pinfo))
		wmem_map_insert(cgroups, &cg->id, cg);
	col_add_fstr(pinfo->cinfo, COL_INFO, "Cgroup %" PRIu64 " %s", cg->id,
	    cg->path ? cg->path : "?");
	if (cg->container)
		col_append_fstr(pinfo->cinfo, COL_INFO, " (%s %s%s%s%s)",
		    val_to_str_const(cg->runtime, runtime_vals, "runtime ?"), cg->container,
		    cg->name ? " " : "", cg->name ? cg->name : "",
		    cg->monitor ? ", its monitor" : "");
	proto_item_append_text(ti, ", Cgroup %" PRIu64, cg->id);
	return tvb_captured_length(tvb);
}

/* Under a data record's TASK_NS (or PEER_TASK_NS): what the cgroup id is. */
void
unix_cgroup_show(proto_tree *sub, proto_item *ti, tvbuff_t *tvb, int voff, guint64 id,
    gboolean peer)
{
	const unix_cgroup_t *cg = unix_cgroup_of(id);
	proto_item *pi;

	if (!cg)
		return;
	pi = proto_tree_add_string(sub, peer ? hf_peer_cgroup_path : hf_cgroup_path, tvb, voff, 8,
	    cg->path ? cg->path : "");
	proto_item_set_generated(pi);
	if (!cg->container)
		return;
	pi = proto_tree_add_string(sub, peer ? hf_peer_container_id : hf_container_id, tvb, voff, 8,
	    cg->container);
	proto_item_set_generated(pi);
	pi = proto_tree_add_uint(sub, peer ? hf_peer_container_runtime : hf_container_runtime, tvb,
	    voff, 8, cg->runtime);
	proto_item_set_generated(pi);
	if (cg->name) {
		pi = proto_tree_add_string(sub, peer ? hf_peer_container_name : hf_container_name, tvb,
		    voff, 8, cg->name);
		proto_item_set_generated(pi);
	}
	char short_id[13];
	(void)g_strlcpy(short_id, cg->container, sizeof(short_id));
	proto_item_append_text(ti, ", %s container %s", val_to_str_const(cg->runtime,
	    runtime_vals, "?"), cg->name ? cg->name : short_id);
}

void
unix_cgroup_register(int proto)
{
	static hf_register_info hf[] = {
		{ &hf_cgroup_id, { "Cgroup ID", "unix.cgroup_record.id", FT_UINT64, BASE_DEC, NULL, 0x0,
		    "The cgroup id this record names", HFILL } },
		{ &hf_cgroup_path, { "Cgroup path", "unix.cgroup.path", FT_STRING, BASE_NONE, NULL, 0x0,
		    "From the cgroup v2 root, as the capturing host saw it", HFILL } },
		{ &hf_container_runtime, { "Container runtime", "unix.container.runtime", FT_UINT8,
		    BASE_DEC, VALS(runtime_vals), 0x0, NULL, HFILL } },
		{ &hf_container_monitor, { "Runtime's monitor", "unix.container.monitor", FT_UINT8,
		    BASE_DEC, NULL, 0x0, "1: the runtime's monitor of the container (conmon)", HFILL } },
		{ &hf_container_id, { "Container", "unix.container", FT_STRING, BASE_NONE, NULL, 0x0,
		    "The id of the container the task runs in", HFILL } },
		{ &hf_pod, { "Pod UID", "unix.pod", FT_STRING, BASE_NONE, NULL, 0x0,
		    "The Kubernetes pod the cgroup belongs to", HFILL } },
		{ &hf_container_name, { "Container name", "unix.container.name", FT_STRING, BASE_NONE,
		    NULL, 0x0, "The container's name, as its runtime's API gave it to udsdump", HFILL } },
		{ &hf_peer_container_name, { "Peer container name", "unix.peer_task.container.name",
		    FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_cgroup_path, { "Peer cgroup path", "unix.peer_task.cgroup.path", FT_STRING,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_container_id, { "Peer container", "unix.peer_task.container", FT_STRING,
		    BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_peer_container_runtime, { "Peer container runtime",
		    "unix.peer_task.container.runtime", FT_UINT8, BASE_DEC, VALS(runtime_vals), 0x0,
		    NULL, HFILL } },
	};
	proto_register_field_array(proto, hf, array_length(hf));
}
