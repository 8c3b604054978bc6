// SPDX-License-Identifier: GPL-2.0-or-later
#include "record_writer.h"

#include <endian.h>
#include <stdbool.h>
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

/* Little-endian stores at a field's offset (record.h: UDS_*_OFF_*). */
static inline __attribute__((always_inline)) void set_u16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static inline __attribute__((always_inline)) void set_u32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static inline __attribute__((always_inline)) void set_u64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void set_comm(uint8_t *p, const char *comm)
{
	memcpy(p, comm, strnlen(comm, UDS_COMM_LEN)); /* the rest stays 0 */
}

/* A TLV with len value bytes, zeroed (reserved fields stay 0): where its
 * value starts, for the UDS_*_OFF_* offsets; NULL once the record is full. */
static inline __attribute__((always_inline)) uint8_t *tlv_value(struct out *o, uint16_t type, size_t len)
{
	uint8_t *t;

	if (o->overflow || len > 0xffff || o->len + UDS_TLV_HDR_LEN + len > o->cap) {
		o->overflow = 1;
		return NULL;
	}
	t = o->p + o->len;
	set_u16(t + UDS_TLV_OFF_TYPE, type);
	set_u16(t + UDS_TLV_OFF_LENGTH, (uint16_t)len);
	memset(t + UDS_TLV_HDR_LEN, 0, len);
	o->len += UDS_TLV_HDR_LEN + len;
	return t + UDS_TLV_HDR_LEN;
}

static void put_addr(struct out *o, uint16_t type, const struct uds_addr *a)
{
	uint16_t n = a->len > UDS_ADDR_MAX ? UDS_ADDR_MAX : a->len;
	uint8_t kind = a->kind;

	if (kind > UDS_ADDR_ABSTRACT)
		kind = UDS_ADDR_UNNAMED;
	if (kind == UDS_ADDR_UNNAMED)
		n = 0;
	uint8_t *v = tlv_value(o, type, UDS_ADDR_OFF_NAME + (size_t)n);
	if (!v)
		return;
	v[UDS_ADDR_OFF_KIND] = kind;
	memcpy(v + UDS_ADDR_OFF_NAME, a->name, n);
}

static void begin(struct out *o, uint8_t event, uint32_t flags)
{
	const uint8_t magic[4] = { UDS_REC_MAGIC0, UDS_REC_MAGIC1, UDS_REC_MAGIC2, UDS_REC_MAGIC3 };
	uint8_t *h = o->p;

	if (o->cap < UDS_REC_HDR_LEN) {
		o->overflow = 1;
		return;
	}
	memset(h, 0, UDS_REC_HDR_LEN); /* header_len, payload_len: set in finish() */
	memcpy(h + UDS_HDR_OFF_MAGIC, magic, 4);
	h[UDS_HDR_OFF_VERSION] = UDS_REC_VERSION;
	h[UDS_HDR_OFF_EVENT] = event;
	set_u32(h + UDS_HDR_OFF_FLAGS, flags);
	o->len = UDS_REC_HDR_LEN;
}

static size_t finish(struct out *o, const uint8_t *payload, uint32_t payload_len)
{
	size_t hdr = o->len;

	if (hdr > 0xffff)
		return 0;
	put(o, payload, payload_len);
	if (o->overflow)
		return 0;
	set_u16(o->p + UDS_HDR_OFF_HEADER_LEN, (uint16_t)hdr);
	set_u32(o->p + UDS_HDR_OFF_PAYLOAD_LEN, payload_len);
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

/* SOCK_NS, when the kernel told anything of it. */
static void put_sock_ns(struct out *o, const struct uds_sock_ns *ns)
{
	uint8_t *v;

	if (!ns->net_ns && !ns->peer_net_ns && !ns->file_ino && !ns->peer_file_ino)
		return;
	v = tlv_value(o, UDS_TLV_SOCK_NS, UDS_TLV_SOCK_NS_LEN);
	if (!v)
		return;
	set_u32(v + UDS_SOCK_NS_OFF_NET_NS, ns->net_ns);
	set_u32(v + UDS_SOCK_NS_OFF_PEER_NET_NS, ns->peer_net_ns);
	set_u32(v + UDS_SOCK_NS_OFF_FILE_DEV, ns->file_dev);
	set_u32(v + UDS_SOCK_NS_OFF_PEER_FILE_DEV, ns->peer_file_dev);
	set_u64(v + UDS_SOCK_NS_OFF_FILE_INO, ns->file_ino);
	set_u64(v + UDS_SOCK_NS_OFF_PEER_FILE_INO, ns->peer_file_ino);
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
	uint8_t *v = tlv_value(o, UDS_TLV_SCM_RIGHTS_FD, UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN + n);
	if (!v)
		return;
	set_u32(v + UDS_SCM_RIGHTS_FD_OFF_FD, (uint32_t)fd);
	v[UDS_SCM_RIGHTS_FD_OFF_FILE_KIND] = kind;
	v[UDS_SCM_RIGHTS_FD_OFF_FD_FLAGS] = fd_flags;
	if (fi) {
		set_u16(v + UDS_SCM_RIGHTS_FD_OFF_SOCK_TYPE, fi->sock_type);
		set_u32(v + UDS_SCM_RIGHTS_FD_OFF_MODE, fi->mode);
		set_u16(v + UDS_SCM_RIGHTS_FD_OFF_SOCK_FAMILY, fi->sock_family);
		set_u64(v + UDS_SCM_RIGHTS_FD_OFF_INODE, fi->inode);
		set_u64(v + UDS_SCM_RIGHTS_FD_OFF_DEV, fi->dev);
	}
	memcpy(v + UDS_SCM_RIGHTS_FD_OFF_PATH, name, n);
}

static void put_socket(struct out *o, const struct uds_event *ev)
{
	uint8_t *v = tlv_value(o, UDS_TLV_SOCKET, UDS_TLV_SOCKET_LEN);
	if (!v)
		return;
	set_u64(v + UDS_SOCKET_OFF_INODE, ev->sock_ino);
	set_u64(v + UDS_SOCKET_OFF_PEER_INODE, ev->peer_ino);
	set_u16(v + UDS_SOCKET_OFF_SOCK_TYPE, ev->sock_type);
}

static void put_task(struct out *o, const struct uds_task_ident *t, uint32_t tid)
{
	uint8_t *v = tlv_value(o, UDS_TLV_TASK, UDS_TLV_TASK_LEN);
	if (!v)
		return;
	set_u32(v + UDS_TASK_OFF_PID, t->pid);
	set_u32(v + UDS_TASK_OFF_TID, tid);
	set_u32(v + UDS_TASK_OFF_UID, t->uid);
	set_u32(v + UDS_TASK_OFF_GID, t->gid);
	set_u64(v + UDS_TASK_OFF_START_NS, t->start_ns);
	set_comm(v + UDS_TASK_OFF_COMM, t->comm);
}

static void put_peer_cred(struct out *o, const struct uds_peer_ident *pi)
{
	uint8_t *v = tlv_value(o, UDS_TLV_PEER_CRED, UDS_TLV_PEER_CRED_LEN);
	if (!v)
		return;
	set_u32(v + UDS_PEER_CRED_OFF_PID, pi->peercred_pid);
	set_u32(v + UDS_PEER_CRED_OFF_UID, pi->peercred_uid);
	set_u32(v + UDS_PEER_CRED_OFF_GID, pi->peercred_gid);
	if (!pi->peercred_pid || !pi->peercred_pid_ns)
		return;
	v = tlv_value(o, UDS_TLV_PEER_CRED_NS, UDS_TLV_PEER_CRED_NS_LEN);
	if (!v)
		return;
	set_u32(v + UDS_PEER_CRED_NS_OFF_NS_PID, pi->peercred_ns_pid);
	set_u32(v + UDS_PEER_CRED_NS_OFF_PID_NS, pi->peercred_pid_ns);
}

static void put_peer_task(struct out *o, uint32_t pid, uint32_t tid, uint64_t start_ns, uint8_t source,
			  const char *comm)
{
	uint8_t *v = tlv_value(o, UDS_TLV_PEER_TASK, UDS_TLV_PEER_TASK_LEN);
	if (!v)
		return;
	set_u32(v + UDS_PEER_TASK_OFF_PID, pid);
	set_u32(v + UDS_PEER_TASK_OFF_TID, tid);
	set_u64(v + UDS_PEER_TASK_OFF_START_NS, start_ns);
	v[UDS_PEER_TASK_OFF_SOURCE] = source;
	set_comm(v + UDS_PEER_TASK_OFF_COMM, comm);
}

/* TASK_NS or PEER_TASK_NS, when the kernel read them. */
static void put_task_ns(struct out *o, uint16_t type, const struct uds_task_ns *ns)
{
	uint8_t *v;

	if (!ns->cgroup_id && !ns->mnt_ns && !ns->pid_ns)
		return;
	v = tlv_value(o, type, UDS_TLV_TASK_NS_LEN);
	if (!v)
		return;
	set_u64(v + UDS_TASK_NS_OFF_CGROUP_ID, ns->cgroup_id);
	set_u32(v + UDS_TASK_NS_OFF_NS_PID, ns->ns_pid);
	set_u32(v + UDS_TASK_NS_OFF_NS_TID, ns->ns_tid);
	set_u32(v + UDS_TASK_NS_OFF_PID_NS, ns->pid_ns);
	set_u32(v + UDS_TASK_NS_OFF_MNT_NS, ns->mnt_ns);
}

/* The peer TLVs of a socket: SO_PEERCRED and the kernel's peer task. */
static void put_peer_ident(struct out *o, const struct uds_peer_ident *pi)
{
	if (pi->peercred_pid || pi->peercred_uid != 0xffffffffu)
		put_peer_cred(o, pi);
	if (pi->peer_pid) {
		put_peer_task(o, pi->peer_pid, pi->peer_tid, pi->peer_task_start_ns, UDS_PEER_SRC_KERNEL_LAST_SEEN,
			      pi->peer_comm);
		put_task_ns(o, UDS_TLV_PEER_TASK_NS, &pi->peer_ns);
	}
}

void uds_sock_names_encode(struct uds_sock_names *n)
{
	struct out o = { .p = n->tlv, .cap = sizeof(n->tlv) };
	struct out p = { .p = n->peer_tlv, .cap = sizeof(n->peer_tlv) };

	if (n->local.kind != UDS_ADDR_UNNAMED)
		put_addr(&o, UDS_TLV_LOCAL_ADDR, &n->local);
	put_addr(&o, UDS_TLV_PEER_ADDR, &n->peer);
	n->addr_tlv_len = (uint16_t)o.len;
	put_sock_ns(&o, &n->ns);
	n->tlv_len = o.overflow ? 0 : (uint16_t)o.len;
	put_peer_ident(&p, &n->ident);
	n->peer_tlv_len = p.overflow ? 0 : (uint16_t)p.len;
}

static void put_stream(struct out *o, const struct uds_event *ev)
{
	uint8_t *v = tlv_value(o, UDS_TLV_STREAM, UDS_TLV_STREAM_LEN);
	if (!v)
		return;
	set_u64(v + UDS_STREAM_OFF_STREAM_OFFSET, ev->stream_offset);
	set_u32(v + UDS_STREAM_OFF_MSG_LEN, ev->msg_len);
	set_u32(v + UDS_STREAM_OFF_MSG_OFFSET, ev->msg_offset);
	set_u32(v + UDS_STREAM_OFF_REQUESTED_LEN, ev->requested_len);
	set_u16(v + UDS_STREAM_OFF_SYSCALL, ev->syscall);
}

static void put_creds(struct out *o, const struct uds_cmsg_event *cm)
{
	uint8_t *v = tlv_value(o, UDS_TLV_SCM_CREDS, UDS_TLV_SCM_CREDS_LEN);
	if (!v)
		return;
	set_u32(v + UDS_SCM_CREDS_OFF_PID, cm->creds_pid);
	set_u32(v + UDS_SCM_CREDS_OFF_UID, cm->creds_uid);
	set_u32(v + UDS_SCM_CREDS_OFF_GID, cm->creds_gid);
}

static void put_cmsg_raw(struct out *o, int32_t level, int32_t type, const uint8_t *data, uint16_t len)
{
	size_t l = len > UDS_CMSG_RAW_MAX ? UDS_CMSG_RAW_MAX : len;
	uint8_t *v = tlv_value(o, UDS_TLV_CMSG_RAW, UDS_TLV_CMSG_RAW_FIXED_LEN + l);
	if (!v)
		return;
	set_u32(v + UDS_CMSG_RAW_OFF_LEVEL, (uint32_t)level);
	set_u32(v + UDS_CMSG_RAW_OFF_TYPE, (uint32_t)type);
	memcpy(v + UDS_CMSG_RAW_OFF_DATA, data, l);
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

	put_socket(&o, ev);
	const struct uds_task_ident *task = uds_sock_names_task_of(names, ev);
	if (task) {
		const struct uds_task_ns ns = { .cgroup_id = task->cgroup_id,
						.ns_pid = task->ns_pid,
						.ns_tid = ev->ns_tid,
						.pid_ns = task->pid_ns,
						.mnt_ns = task->mnt_ns };
		put_task(&o, task, ev->tid);
		put_task_ns(&o, UDS_TLV_TASK_NS, &ns);
	}
	bool as_before = names && (extra_flags & UDS_F_PEER_AS_BEFORE);
	if (names && !as_before)
		put(&o, names->peer_tlv, names->peer_tlv_len);
	if ((!names || !names->ident.peer_pid) && hint && hint->pid)
		put_peer_task(&o, hint->pid, 0, 0, UDS_PEER_SRC_PROCFS, hint->comm);

	if (names && names->tlv_len)
		put(&o, names->tlv, as_before ? names->addr_tlv_len : names->tlv_len);
	else
		put_addr(&o, UDS_TLV_PEER_ADDR, &unnamed);
	if (dest && dest->kind != UDS_ADDR_UNNAMED)
		put_addr(&o, UDS_TLV_DEST_ADDR, dest);

	put_stream(&o, ev);

	if (cm) {
		uint32_t n_fds = cm->n_fds > UDS_FD_MAX ? UDS_FD_MAX : cm->n_fds;
		uint32_t n_info = cm->n_fd_info > UDS_FD_INFO_MAX ? UDS_FD_INFO_MAX : cm->n_fd_info;
		for (uint32_t i = 0; i < n_fds; i++)
			put_fd(&o, cm->all_fds[i], i < n_info ? &cm->fds[i] : NULL);
		if (cm->has_creds)
			put_creds(&o, cm);
		for (uint32_t i = 0; i < cm->n_raw && i < 2; i++)
			put_cmsg_raw(&o, cm->raw[i].level, cm->raw[i].type, cm->raw[i].data, cm->raw[i].len);
	}
	return finish(&o, payload, plen);
}

size_t uds_record_add_reads(uint8_t *rec, size_t len, size_t cap, const struct uds_read *reads, uint32_t n)
{
	struct out o = { .p = rec, .cap = cap, .len = len };

	if (n < 2 || len < UDS_REC_HDR_LEN || rec[UDS_HDR_OFF_PAYLOAD_LEN] ||
	    rec[UDS_HDR_OFF_PAYLOAD_LEN + 1] || rec[UDS_HDR_OFF_PAYLOAD_LEN + 2] ||
	    rec[UDS_HDR_OFF_PAYLOAD_LEN + 3])
		return 0;
	uint8_t *v = tlv_value(&o, UDS_TLV_READS, UDS_TLV_READS_FIXED_LEN + (size_t)n * UDS_READS_ENTRY_LEN);
	if (!v || o.len > 0xffff)
		return 0;
	set_u32(v + UDS_READS_OFF_COUNT, n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *e = v + (size_t)i * UDS_READS_ENTRY_LEN;
		set_u32(e + UDS_READS_OFF_NS_BEFORE, reads[i].ns_before);
		set_u32(e + UDS_READS_OFF_MSG_LEN, reads[i].msg_len);
		set_u32(e + UDS_READS_OFF_REQUESTED_LEN, reads[i].requested_len);
	}
	set_u16(rec + UDS_HDR_OFF_HEADER_LEN, (uint16_t)o.len);
	return o.len;
}

size_t uds_record_loss(uint64_t records, uint64_t bytes, uint64_t total_records, uint64_t total_bytes,
		       uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };

	begin(&o, UDS_EV_LOSS, 0);
	uint8_t *v = tlv_value(&o, UDS_TLV_LOSS, UDS_TLV_LOSS_LEN);
	if (v) {
		set_u64(v + UDS_LOSS_OFF_RECORDS, records);
		set_u64(v + UDS_LOSS_OFF_BYTES, bytes);
		set_u64(v + UDS_LOSS_OFF_TOTAL_RECORDS, total_records);
		set_u64(v + UDS_LOSS_OFF_TOTAL_BYTES, total_bytes);
	}
	return finish(&o, NULL, 0);
}

/* A text TLV: the string's bytes, no NUL. Longer texts are cut rather than
 * let one TLV overflow the record header's u16 length. */
#define TEXT_TLV_MAX 1024

static void put_text(struct out *o, uint16_t type, const char *s)
{
	size_t n = strnlen(s, TEXT_TLV_MAX);

	uint8_t *v = tlv_value(o, type, n);
	if (v)
		memcpy(v, s, n);
}

static void put_missing(struct out *o, const struct uds_engine_missing *m)
{
	size_t name = strnlen(m->name, 255);
	size_t reason = strnlen(m->reason ? m->reason : "", TEXT_TLV_MAX);

	uint8_t *v = tlv_value(o, UDS_TLV_ENGINE_MISSING, UDS_TLV_ENGINE_MISSING_FIXED_LEN + name + reason);
	if (!v)
		return;
	v[UDS_ENGINE_MISSING_OFF_SOURCE] = m->source;
	v[UDS_ENGINE_MISSING_OFF_NAME_LEN] = (uint8_t)name;
	memcpy(v + UDS_ENGINE_MISSING_OFF_NAME, m->name, name);
	memcpy(v + UDS_ENGINE_MISSING_OFF_NAME + name, m->reason, reason);
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

/* A CGROUP record: a cgroup id, its path and the container it is. */
size_t uds_record_cgroup(const struct uds_cgroup_facts *f, uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };
	size_t n = strnlen(f->path, TEXT_TLV_MAX);
	uint8_t *v;

	begin(&o, UDS_EV_CGROUP, 0);
	v = tlv_value(&o, UDS_TLV_CGROUP, UDS_CGROUP_OFF_PATH + n);
	if (v) {
		set_u64(v + UDS_CGROUP_OFF_CGROUP_ID, f->cgroup_id);
		memcpy(v + UDS_CGROUP_OFF_PATH, f->path, n);
	}
	if (f->runtime) {
		n = strnlen(f->container, TEXT_TLV_MAX);
		v = tlv_value(&o, UDS_TLV_CONTAINER, UDS_CONTAINER_OFF_ID + n);
		if (v) {
			v[UDS_CONTAINER_OFF_RUNTIME] = f->runtime;
			v[UDS_CONTAINER_OFF_MONITOR] = f->monitor;
			memcpy(v + UDS_CONTAINER_OFF_ID, f->container, n);
		}
	}
	if (f->pod && f->pod[0])
		put_text(&o, UDS_TLV_POD, f->pod);
	if (f->runtime && f->name && f->name[0])
		put_text(&o, UDS_TLV_CONTAINER_NAME, f->name);
	return finish(&o, NULL, 0);
}
