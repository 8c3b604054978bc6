// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: ring-buffer events -> on-wire records (src/format/record_writer.c,
 * uds_record_from_event, uds_record_loss and uds_record_engine; the ENGINE
 * record's texts are NUL-separated strings of the payload). The input fills a struct
 * uds_event, optionally the socket's names, a sendto destination, a struct
 * uds_cmsg_event and a peer hint, the payload
 * and the output capacity. Every record produced is checked by a small
 * reader written from doc/FORMAT.md: magic, version, header_len = 16 + the
 * TLVs exactly, known TLVs of their documented size, address kinds and
 * lengths, payload_len and payload bytes as given, one SCM_RIGHTS_FD per
 * passed descriptor (at most 253) in order. With room for the largest
 * record the writer must not give up.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_writer.h"

#define FAIL(...)                                  \
	do {                                       \
		fprintf(stderr, "record check: "); \
		fprintf(stderr, __VA_ARGS__);      \
		fprintf(stderr, "\n");             \
		abort();                           \
	} while (0)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void check_record(const uint8_t *r, size_t len, const struct uds_event *ev,
			 const struct uds_peer_ident *pi, const struct uds_task_ident *task,
			 const uint8_t *payload, const struct uds_cmsg_event *cm)
{
	if (len < 16 || memcmp(r, "UDSK", 4) || r[4] != 1)
		FAIL("bad header");
	if (r[5] != (uint8_t)ev->event)
		FAIL("event %u, want %u", r[5], (uint8_t)ev->event);
	size_t hl = rd16(r + 6);
	uint32_t pl = rd32(r + 12);
	if (hl < 16 || hl + (size_t)pl != len)
		FAIL("header_len %zu + payload_len %u != %zu", hl, pl, len);
	if (pl != ev->data_len || (pl && memcmp(r + hl, payload, pl)))
		FAIL("payload differs");
	if ((rd32(r + 8) & ev->flags) != ev->flags)
		FAIL("flags lost");
	uint32_t want_fds = 0, n_fds = 0;
	if (cm)
		want_fds = cm->n_fds > UDS_FD_MAX ? UDS_FD_MAX : cm->n_fds;
	int seen_socket = 0, seen_stream = 0, seen_task = 0;
	size_t off = 16;
	while (off < hl) {
		if (off + 4 > hl)
			FAIL("TLV header past header_len");
		uint16_t t = rd16(r + off), l = rd16(r + off + 2);
		const uint8_t *v = r + off + 4;
		if (off + 4 + l > hl)
			FAIL("TLV %u length %u past header_len", t, l);
		switch (t) {
		case UDS_TLV_SOCKET:
			if (l != UDS_TLV_SOCKET_LEN || rd64(v) != ev->sock_ino || rd64(v + 8) != ev->peer_ino)
				FAIL("SOCKET");
			seen_socket++;
			break;
		case UDS_TLV_TASK:
			if (l != UDS_TLV_TASK_LEN || !task || rd32(v) != task->pid || rd32(v + 4) != ev->tid)
				FAIL("TASK");
			seen_task++;
			break;
		case UDS_TLV_PEER_CRED:
			if (l != UDS_TLV_PEER_CRED_LEN)
				FAIL("PEER_CRED");
			break;
		case UDS_TLV_PEER_TASK:
			if (l != UDS_TLV_PEER_TASK_LEN || (v[16] != 1 && v[16] != 2))
				FAIL("PEER_TASK");
			break;
		case UDS_TLV_LOCAL_ADDR:
		case UDS_TLV_PEER_ADDR:
		case UDS_TLV_DEST_ADDR:
			if (l < 1 || l > 1 + UDS_ADDR_MAX || v[0] > 2 || (v[0] == 0 && l != 1))
				FAIL("ADDR type %u len %u kind %u", t, l, v[0]);
			break;
		case UDS_TLV_STREAM:
			if (l != UDS_TLV_STREAM_LEN || rd64(v) != ev->stream_offset || rd32(v + 8) != ev->msg_len)
				FAIL("STREAM len %u offset %llu/%llu msg_len %u/%u", l,
				     (unsigned long long)rd64(v), (unsigned long long)ev->stream_offset,
				     rd32(v + 8), ev->msg_len);
			seen_stream++;
			break;
		case UDS_TLV_SCM_RIGHTS_FD:
			if (l < UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN || l > UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN + UDS_FD_PATH_MAX + 32)
				FAIL("SCM_RIGHTS_FD length %u", l);
			if (!cm || n_fds >= want_fds || (int32_t)rd32(v) != cm->all_fds[n_fds])
				FAIL("SCM_RIGHTS_FD #%u", n_fds);
			n_fds++;
			break;
		case UDS_TLV_SCM_CREDS:
			if (l != UDS_TLV_SCM_CREDS_LEN || !cm || !cm->has_creds)
				FAIL("SCM_CREDS");
			break;
		case UDS_TLV_CMSG_RAW:
			if (l < UDS_TLV_CMSG_RAW_FIXED_LEN || l > UDS_TLV_CMSG_RAW_FIXED_LEN + UDS_CMSG_RAW_MAX)
				FAIL("CMSG_RAW");
			break;
		case UDS_TLV_TASK_NS:
			if (l != UDS_TLV_TASK_NS_LEN || !task || rd64(v) != task->cgroup_id ||
			    rd32(v + 12) != ev->ns_tid)
				FAIL("TASK_NS");
			break;
		case UDS_TLV_PEER_TASK_NS:
			if (l != UDS_TLV_PEER_TASK_NS_LEN || !pi || !pi->peer_pid || rd64(v) != pi->peer_ns.cgroup_id)
				FAIL("PEER_TASK_NS");
			break;
		case UDS_TLV_SOCK_NS:
			if (l != UDS_TLV_SOCK_NS_LEN)
				FAIL("SOCK_NS");
			break;
		case UDS_TLV_PEER_CRED_NS:
			if (l != UDS_TLV_PEER_CRED_NS_LEN || !pi || !pi->peercred_pid || rd32(v) != pi->peercred_ns_pid ||
			    rd32(v + 4) != pi->peercred_pid_ns)
				FAIL("PEER_CRED_NS");
			break;
		default:
			FAIL("unexpected TLV type %u", t);
		}
		off += 4 + (size_t)l;
	}
	if (off != hl)
		FAIL("TLVs end at %zu, header_len %zu", off, hl);
	if (seen_socket != 1 || seen_stream != 1)
		FAIL("SOCKET x%d, STREAM x%d", seen_socket, seen_stream);
	if (seen_task != (task != NULL))
		FAIL("TASK x%d, the socket's task %s", seen_task, task ? "known" : "not known");
	if (n_fds != want_fds)
		FAIL("%u SCM_RIGHTS_FD, %u passed", n_fds, want_fds);
}

static size_t take(const uint8_t **d, size_t *n, void *dst, size_t want)
{
	size_t k = *n < want ? *n : want;
	memset(dst, 0, want);
	memcpy(dst, *d, k);
	*d += k;
	*n -= k;
	return k;
}

/* Up to n NUL-separated strings from the input, kept in buf. */
static size_t split_strings(const uint8_t *d, size_t size, char *buf, size_t bufsz, const char **s, size_t n)
{
	size_t k = size < bufsz - 1 ? size : bufsz - 1, got = 0, start = 0;

	memcpy(buf, d, k);
	buf[k] = 0;
	for (size_t i = 0; i <= k && got < n; i++) {
		if (buf[i] == 0) {
			s[got++] = buf + start;
			start = i + 1;
		}
	}
	for (size_t i = got; i < n; i++)
		s[i] = "";
	return got;
}

/* One text TLV as FORMAT.md says: the string's bytes (at most 1024), no NUL. */
static size_t check_text(const uint8_t *r, size_t o, uint16_t type, const char *want)
{
	size_t n = strnlen(want, 1024);

	if (rd16(r + o) != type || rd16(r + o + 2) != n || memcmp(r + o + 4, want, n))
		FAIL("ENGINE text TLV %u", type);
	return o + 4 + n;
}

/* ENGINE records (uds_record_engine) from strings of the input: the TLVs
 * in the documented order, texts and missing features byte for byte. */
static void check_engine(const uint8_t *data, size_t size, uint8_t nmiss, uint8_t *out, size_t cap)
{
	static char buf[16384];
	const char *s[5 + 2 * 8];
	struct uds_engine_missing miss[8];
	size_t o = 16, len;

	split_strings(data, size, buf, sizeof(buf), s, 5 + 2 * 8);
	nmiss %= 9;
	for (size_t i = 0; i < nmiss; i++)
		miss[i] = (struct uds_engine_missing){ (uint8_t)(i & 3), s[5 + 2 * i], s[6 + 2 * i] };
	struct uds_engine_facts f = { s[0], s[1], s[2], s[3], s[4], miss, nmiss };
	len = uds_record_engine(&f, out, cap);
	if (len > cap)
		FAIL("ENGINE: wrote %zu bytes into %zu", len, cap);
	if (!len) {
		if (cap >= 16 + 5 * (4 + 1024) + 8 * (4 + 2 + 255 + 1024))
			FAIL("ENGINE record not written into %zu bytes", cap);
		return;
	}
	if (memcmp(out, "UDSK", 4) || out[4] != 1 || out[5] != UDS_EV_ENGINE || rd16(out + 6) != len ||
	    rd32(out + 8) || rd32(out + 12))
		FAIL("ENGINE header");
	o = check_text(out, o, UDS_TLV_ENGINE_KERNEL, s[0]);
	o = check_text(out, o, UDS_TLV_ENGINE_RUNG, s[1]);
	for (size_t i = 0; i < nmiss; i++) {
		size_t nl = strnlen(miss[i].name, 255), rl = strnlen(miss[i].reason, 1024);
		if (rd16(out + o) != UDS_TLV_ENGINE_MISSING || rd16(out + o + 2) != 2 + nl + rl ||
		    out[o + 4] != miss[i].source || out[o + 5] != nl || memcmp(out + o + 6, miss[i].name, nl) ||
		    memcmp(out + o + 6 + nl, miss[i].reason, rl))
			FAIL("ENGINE_MISSING %zu", i);
		o += 6 + nl + rl;
	}
	if (s[3][0])
		o = check_text(out, o, UDS_TLV_ENGINE_BLIND, s[3]);
	o = check_text(out, o, UDS_TLV_ENGINE_VERSION, s[2]);
	if (s[4][0])
		o = check_text(out, o, UDS_TLV_ENGINE_REASON, s[4]);
	if (o != len)
		FAIL("ENGINE: %zu bytes of TLVs, header_len %zu", o, len);
}

/* A CGROUP record from the payload's bytes as path and ids: its TLVs in
 * order, each of the length its text needs, or nothing written. */
static void check_cgroup(const uint8_t *data, size_t size, uint8_t ctl, uint64_t id, uint8_t *out,
			 size_t cap)
{
	char path[256] = "", ctr[70] = "", pod[40] = "", name[64] = "";
	size_t n = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
	struct uds_cgroup_facts f = { .cgroup_id = id, .path = path, .runtime = ctl & 7,
				      .monitor = (ctl >> 3) & 1, .container = ctr, .pod = pod, .name = name };

	if (n)
		memcpy(path, data, n);
	memcpy(ctr, path, strnlen(path, sizeof(ctr) - 1));
	memcpy(pod, path, strnlen(path, sizeof(pod) - 1));
	memcpy(name, path, strnlen(path, sizeof(name) - 1));
	if (!(ctl & 16))
		pod[0] = 0;
	if (!(ctl & 32))
		name[0] = 0;
	size_t len = uds_record_cgroup(&f, out, cap);
	if (!len)
		return;
	size_t pl = strlen(path), cl = f.runtime ? strlen(ctr) : 0, dl = strlen(pod);
	size_t nl = f.runtime ? strlen(name) : 0;
	size_t want = 16 + 4 + 8 + pl + (f.runtime ? 4 + 2 + cl : 0) + (dl ? 4 + dl : 0) + (nl ? 4 + nl : 0);
	if (len != want || len > cap || out[5] != UDS_EV_CGROUP || rd16(out + 6) != len ||
	    rd16(out + 16) != UDS_TLV_CGROUP || rd16(out + 18) != 8 + pl || rd64(out + 20) != id ||
	    memcmp(out + 28, path, pl))
		FAIL("CGROUP record layout (%zu bytes, want %zu)", len, want);
	if (f.runtime && (rd16(out + 28 + pl) != UDS_TLV_CONTAINER || out[32 + pl] != f.runtime))
		FAIL("CONTAINER TLV");
}

/* READS appended to the record of len bytes (--recv merged): reads taken
 * from the input, the TLV where the header says and nothing past cap. */
static void add_reads(uint8_t *out, size_t len, size_t cap, const uint8_t *data, size_t size)
{
	struct uds_read reads[8];
	uint32_t n = (uint32_t)(size % 9);
	bool has_payload = rd32(out + UDS_HDR_OFF_PAYLOAD_LEN) != 0;

	for (uint32_t i = 0; i < n; i++)
		reads[i] = (struct uds_read){ .ns_before = i,
					      .msg_len = size > i ? data[i] : 0,
					      .requested_len = 1 };
	size_t grown = uds_record_add_reads(out, len, cap, reads, n);
	size_t tlv = 4 + UDS_TLV_READS_FIXED_LEN + (size_t)n * UDS_READS_ENTRY_LEN;
	if (grown && (n < 2 || has_payload || grown != len + tlv || grown > cap || rd16(out + 6) != grown ||
		      rd16(out + len) != UDS_TLV_READS || rd32(out + len + 4) != n))
		FAIL("READS layout: %zu -> %zu for %u reads", len, grown, n);
	if (!grown && n >= 2 && !has_payload && len + tlv <= cap)
		FAIL("READS not added with room for it");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uds_event ev;
	static struct uds_cmsg_event cm;
	static uint8_t out[UDS_RECORD_META_MAX + 65536 + 64];
	static struct uds_sock_names names;
	struct uds_addr dest;
	struct uds_peer_hint hint;
	uint8_t ctl[4] = { 0 };
	size_t cap, len;

	take(&data, &size, ctl, sizeof(ctl));
	take(&data, &size, &ev, sizeof(ev));
	if (ctl[0] & 1)
		take(&data, &size, &cm, sizeof(cm));
	take(&data, &size, &hint, sizeof(hint));
	if (ctl[0] & 4) {
		take(&data, &size, &names.local, sizeof(names.local));
		take(&data, &size, &names.peer, sizeof(names.peer));
		take(&data, &size, &names.ns, sizeof(names.ns));
		take(&data, &size, &names.ident, sizeof(names.ident));
		take(&data, &size, &names.task, sizeof(names.task));
		/* (the task of this event, more often than by chance) */
		if (ctl[1] & 4)
			names.task_gen = ev.task_gen;
		uds_sock_names_encode(&names);
	}
	if (ctl[0] & 8)
		take(&data, &size, &dest, sizeof(dest));
	/* the payload is what is left (a real event's data_len matches it) */
	if (size > UDS_CHUNK_MAX)
		size = UDS_CHUNK_MAX;
	ev.data_len = (uint16_t)size;
	/* capacity: roomy, or as small as the fuzzer likes */
	cap = (ctl[1] & 3) ? sizeof(out) : ((size_t)ctl[2] << 8 | ctl[3]);
	if (cap > sizeof(out))
		cap = sizeof(out);

	len = uds_record_from_event(&ev, size ? data : NULL, (ctl[0] & 4) ? &names : NULL,
				    (ctl[0] & 8) ? &dest : NULL, (ctl[0] & 1) ? &cm : NULL,
				    (ctl[0] & 2) ? &hint : NULL, (uint32_t)ctl[1] << 8, out, cap);
	if (len > cap)
		FAIL("wrote %zu bytes into %zu", len, cap);
	if (len)
		check_record(out, len, &ev, (ctl[0] & 4) ? &names.ident : NULL,
			     uds_sock_names_task_of((ctl[0] & 4) ? &names : NULL, &ev), data,
			     (ctl[0] & 1) ? &cm : NULL);
	else if (cap >= UDS_RECORD_META_MAX + (size_t)ev.data_len)
		FAIL("gave up with room for the largest record (%zu >= %zu)", cap,
		     (size_t)UDS_RECORD_META_MAX + ev.data_len);
	if (len)
		add_reads(out, len, cap, data, size);

	uint64_t lv[4] = { ev.sock_ino, ev.peer_ino, ev.stream_offset, (uint64_t)ev.tid << 32 | ev.msg_len };
	len = uds_record_loss(lv[0], lv[1], lv[2], lv[3], out, cap);
	if (len) {
		if (len != 16 + 4 + 32 || rd16(out + 6) != 52 || out[5] != UDS_EV_LOSS || rd32(out + 12) != 0 ||
		    rd16(out + 16) != UDS_TLV_LOSS || rd16(out + 18) != 32)
			FAIL("LOSS record layout");
		for (int i = 0; i < 4; i++)
			if (rd64(out + 20 + 8 * i) != lv[i])
				FAIL("LOSS value %d", i);
	} else if (cap >= 52) {
		FAIL("LOSS record not written into %zu bytes", cap);
	}
	check_engine(data, size, ctl[2], out, cap);
	check_cgroup(data, size, ctl[3], names.task.cgroup_id, out, cap);
	return 0;
}
