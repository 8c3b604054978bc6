// SPDX-License-Identifier: GPL-2.0-or-later
#include "record_writer.h"

#include <endian.h>
#include <stdio.h>
#include <string.h>

struct out {
	uint8_t *p;
	size_t len, cap;
	int overflow;
};

/* The hot path of the writer: one bounds check per field, fixed-size
 * copies the compiler turns into single stores. */
static inline __attribute__((always_inline)) void put(struct out *o, const void *src, size_t n)
{
	if (n == 0)
		return; /* src may be NULL (no payload) */
	if (o->overflow || o->len + n > o->cap) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

static inline __attribute__((always_inline)) void put_u8(struct out *o, uint8_t v)
{
	put(o, &v, 1);
}

static inline __attribute__((always_inline)) void put_u16(struct out *o, uint16_t v)
{
	v = htole16(v);
	put(o, &v, 2);
}

static inline __attribute__((always_inline)) void put_u32(struct out *o, uint32_t v)
{
	v = htole32(v);
	put(o, &v, 4);
}

static inline __attribute__((always_inline)) void put_u64(struct out *o, uint64_t v)
{
	v = htole64(v);
	put(o, &v, 8);
}

static void put_comm(struct out *o, const char *comm)
{
	char c[UDS_COMM_LEN] = { 0 };
	size_t n = strnlen(comm, UDS_COMM_LEN);
	memcpy(c, comm, n);
	put(o, c, UDS_COMM_LEN);
}

static void tlv(struct out *o, uint16_t type, uint16_t len)
{
	put_u16(o, type);
	put_u16(o, len);
}

static void put_addr(struct out *o, uint16_t type, const struct uds_addr *a)
{
	uint16_t n = a->len > UDS_ADDR_MAX ? UDS_ADDR_MAX : a->len;
	uint8_t kind = a->kind;

	if (kind > UDS_ADDR_ABSTRACT)
		kind = UDS_ADDR_UNNAMED;
	if (kind == UDS_ADDR_UNNAMED)
		n = 0;
	tlv(o, type, (uint16_t)(1 + n));
	put_u8(o, kind);
	put(o, a->name, n);
}

static void begin(struct out *o, uint8_t event, uint32_t flags)
{
	const uint8_t magic[4] = { UDS_REC_MAGIC0, UDS_REC_MAGIC1, UDS_REC_MAGIC2, UDS_REC_MAGIC3 };
	put(o, magic, 4);
	put_u8(o, UDS_REC_VERSION);
	put_u8(o, event);
	put_u16(o, 0); /* header_len, patched in finish() */
	put_u32(o, flags);
	put_u32(o, 0); /* payload_len, patched in finish() */
}

static size_t finish(struct out *o, const uint8_t *payload, uint32_t payload_len)
{
	size_t hdr = o->len;

	if (hdr > 0xffff)
		return 0;
	put(o, payload, payload_len);
	if (o->overflow)
		return 0;
	o->p[6] = (uint8_t)hdr;
	o->p[7] = (uint8_t)(hdr >> 8);
	o->p[12] = (uint8_t)payload_len;
	o->p[13] = (uint8_t)(payload_len >> 8);
	o->p[14] = (uint8_t)(payload_len >> 16);
	o->p[15] = (uint8_t)(payload_len >> 24);
	return o->len;
}

size_t uds_fd_display_name(const struct uds_fd_info *fi, char *out, size_t cap)
{
	size_t n = fi->path_len > UDS_FD_PATH_MAX ? UDS_FD_PATH_MAX : fi->path_len;
	int r;

	if (cap == 0)
		return 0;
	switch (fi->file_kind) {
	case UDS_FILE_SOCKET:
		r = snprintf(out, cap, "socket:[%llu]", (unsigned long long)fi->inode);
		break;
	case UDS_FILE_PIPE:
		if (n)
			r = snprintf(out, cap, "%.*s", (int)n, fi->path);
		else
			r = snprintf(out, cap, "pipe:[%llu]", (unsigned long long)fi->inode);
		break;
	case UDS_FILE_ANON:
		r = snprintf(out, cap, "anon_inode:%.*s", (int)n, fi->path);
		break;
	default:
		r = snprintf(out, cap, "%.*s", (int)n, fi->path);
		break;
	}
	if (r < 0)
		return 0;
	return (size_t)r >= cap ? cap - 1 : (size_t)r;
}

void uds_sock_names_encode(struct uds_sock_names *n)
{
	struct out o = { .p = n->tlv, .cap = sizeof(n->tlv) };

	if (n->local.kind != UDS_ADDR_UNNAMED)
		put_addr(&o, UDS_TLV_LOCAL_ADDR, &n->local);
	put_addr(&o, UDS_TLV_PEER_ADDR, &n->peer);
	n->tlv_len = o.overflow ? 0 : (uint16_t)o.len;
}

static void put_fd(struct out *o, int32_t fd, const struct uds_fd_info *fi)
{
	char name[UDS_FD_PATH_MAX + 32];
	size_t n = 0;
	uint8_t kind = UDS_FILE_UNKNOWN, fd_flags = UDS_FD_UNRESOLVED;

	if (fi) {
		kind = fi->file_kind;
		fd_flags = fi->fd_flags;
		/* memfd files are regular shmem files named "memfd:..." */
		if (kind == UDS_FILE_REGULAR && fi->path_len >= 6 && memcmp(fi->path, "memfd:", 6) == 0)
			kind = UDS_FILE_MEMFD;
		n = uds_fd_display_name(fi, name, sizeof(name));
	}
	tlv(o, UDS_TLV_SCM_RIGHTS_FD, (uint16_t)(UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN + n));
	put_u32(o, (uint32_t)fd);
	put_u8(o, kind);
	put_u8(o, fd_flags);
	put_u16(o, fi ? fi->sock_type : 0);
	put_u32(o, fi ? fi->mode : 0);
	put_u16(o, fi ? fi->sock_family : 0);
	put_u16(o, 0);
	put_u64(o, fi ? fi->inode : 0);
	put_u64(o, fi ? fi->dev : 0);
	put(o, name, n);
}

size_t uds_record_from_event(const struct uds_event *ev, const uint8_t *payload,
			     const struct uds_sock_names *names, const struct uds_addr *dest,
			     const struct uds_cmsg_event *cm, const struct uds_peer_hint *hint,
			     uint32_t extra_flags, uint8_t *out, size_t cap)
{
	static const struct uds_addr unnamed = { .kind = UDS_ADDR_UNNAMED };
	struct out o = { .p = out, .cap = cap };
	uint32_t flags = ev->flags | extra_flags;
	uint32_t plen = ev->data_len;

	if (cm && (cm->flags & UDS_F_CMSG_TRUNCATED))
		flags |= UDS_F_CMSG_TRUNCATED;
	begin(&o, (uint8_t)ev->event, flags);

	tlv(&o, UDS_TLV_SOCKET, UDS_TLV_SOCKET_LEN);
	put_u64(&o, ev->sock_ino);
	put_u64(&o, ev->peer_ino);
	put_u16(&o, ev->sock_type);
	put_u16(&o, 0);

	if (ev->pid) {
		tlv(&o, UDS_TLV_TASK, UDS_TLV_TASK_LEN);
		put_u32(&o, ev->pid);
		put_u32(&o, ev->tid);
		put_u32(&o, ev->uid);
		put_u32(&o, ev->gid);
		put_u64(&o, ev->task_start_ns);
		put_comm(&o, ev->comm);
	}

	if (ev->peercred_pid || ev->peercred_uid != 0xffffffffu) {
		tlv(&o, UDS_TLV_PEER_CRED, UDS_TLV_PEER_CRED_LEN);
		put_u32(&o, ev->peercred_pid);
		put_u32(&o, ev->peercred_uid);
		put_u32(&o, ev->peercred_gid);
	}

	if (ev->peer_pid) {
		tlv(&o, UDS_TLV_PEER_TASK, UDS_TLV_PEER_TASK_LEN);
		put_u32(&o, ev->peer_pid);
		put_u32(&o, ev->peer_tid);
		put_u64(&o, ev->peer_task_start_ns);
		put_u8(&o, UDS_PEER_SRC_KERNEL_LAST_SEEN);
		put_u8(&o, 0);
		put_u16(&o, 0);
		put_comm(&o, ev->peer_comm);
	} else if (hint && hint->pid) {
		tlv(&o, UDS_TLV_PEER_TASK, UDS_TLV_PEER_TASK_LEN);
		put_u32(&o, hint->pid);
		put_u32(&o, 0);
		put_u64(&o, 0);
		put_u8(&o, UDS_PEER_SRC_PROCFS);
		put_u8(&o, 0);
		put_u16(&o, 0);
		put_comm(&o, hint->comm);
	}

	if (names && names->tlv_len)
		put(&o, names->tlv, names->tlv_len);
	else
		put_addr(&o, UDS_TLV_PEER_ADDR, &unnamed);
	if (dest && dest->kind != UDS_ADDR_UNNAMED)
		put_addr(&o, UDS_TLV_DEST_ADDR, dest);

	tlv(&o, UDS_TLV_STREAM, UDS_TLV_STREAM_LEN);
	put_u64(&o, ev->stream_offset);
	put_u32(&o, ev->msg_len);
	put_u32(&o, ev->msg_offset);
	put_u32(&o, ev->requested_len);
	put_u16(&o, ev->syscall);
	put_u16(&o, 0);

	if (cm) {
		uint32_t n_fds = cm->n_fds > UDS_FD_MAX ? UDS_FD_MAX : cm->n_fds;
		uint32_t n_info = cm->n_fd_info > UDS_FD_INFO_MAX ? UDS_FD_INFO_MAX : cm->n_fd_info;
		for (uint32_t i = 0; i < n_fds; i++)
			put_fd(&o, cm->all_fds[i], i < n_info ? &cm->fds[i] : NULL);
		if (cm->has_creds) {
			tlv(&o, UDS_TLV_SCM_CREDS, UDS_TLV_SCM_CREDS_LEN);
			put_u32(&o, cm->creds_pid);
			put_u32(&o, cm->creds_uid);
			put_u32(&o, cm->creds_gid);
		}
		for (uint32_t i = 0; i < cm->n_raw && i < 2; i++) {
			uint16_t l = cm->raw[i].len > UDS_CMSG_RAW_MAX ? UDS_CMSG_RAW_MAX : cm->raw[i].len;
			tlv(&o, UDS_TLV_CMSG_RAW, (uint16_t)(UDS_TLV_CMSG_RAW_FIXED_LEN + l));
			put_u32(&o, (uint32_t)cm->raw[i].level);
			put_u32(&o, (uint32_t)cm->raw[i].type);
			put(&o, cm->raw[i].data, l);
		}
	}
	return finish(&o, payload, plen);
}

size_t uds_record_loss(uint64_t records, uint64_t bytes, uint64_t total_records, uint64_t total_bytes,
		       uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };

	begin(&o, UDS_EV_LOSS, 0);
	tlv(&o, UDS_TLV_LOSS, UDS_TLV_LOSS_LEN);
	put_u64(&o, records);
	put_u64(&o, bytes);
	put_u64(&o, total_records);
	put_u64(&o, total_bytes);
	return finish(&o, NULL, 0);
}

/* A text TLV: the string's bytes, no NUL. Longer texts are cut rather than
 * let one TLV overflow the record header's u16 length. */
#define TEXT_TLV_MAX 1024

static void put_text(struct out *o, uint16_t type, const char *s)
{
	size_t n = strnlen(s, TEXT_TLV_MAX);

	tlv(o, type, (uint16_t)n);
	put(o, s, n);
}

static void put_missing(struct out *o, const struct uds_engine_missing *m)
{
	size_t name = strnlen(m->name, 255);
	size_t reason = strnlen(m->reason ? m->reason : "", TEXT_TLV_MAX);

	tlv(o, UDS_TLV_ENGINE_MISSING, (uint16_t)(UDS_TLV_ENGINE_MISSING_FIXED_LEN + name + reason));
	put_u8(o, m->source);
	put_u8(o, (uint8_t)name);
	put(o, m->name, name);
	put(o, m->reason, reason);
}

size_t uds_record_engine(const struct uds_engine_facts *f, uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };

	begin(&o, UDS_EV_ENGINE, 0);
	put_text(&o, UDS_TLV_ENGINE_KERNEL, f->kernel);
	put_text(&o, UDS_TLV_ENGINE_RUNG, f->rung);
	for (size_t i = 0; i < f->n_missing; i++)
		put_missing(&o, &f->missing[i]);
	if (f->blind && f->blind[0])
		put_text(&o, UDS_TLV_ENGINE_BLIND, f->blind);
	put_text(&o, UDS_TLV_ENGINE_VERSION, f->version);
	if (f->reason && f->reason[0])
		put_text(&o, UDS_TLV_ENGINE_REASON, f->reason);
	return finish(&o, NULL, 0);
}
