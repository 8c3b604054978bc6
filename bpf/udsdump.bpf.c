// SPDX-License-Identifier: GPL-2.0
/*
 * udsdump's kernel side: see every message sent on an AF_UNIX socket and
 * hand it to user space through a ring buffer.
 *
 * Where we hook, and why (../doc/FORMAT.md, shared notes on the kernel):
 *  - tp_btf/sock_send_length fires inside sock_sendmsg() for every send on
 *    every socket, with the struct sock and the byte count the kernel
 *    accepted, and costs nothing measurable until the program does work.
 *    Syscall tracepoints would move every task on the host onto the slow
 *    syscall path, so none is attached.
 *  - The payload is not in the tracepoint's arguments: it is still in the
 *    caller's memory, reached through the user registers of the syscall
 *    being served (bpf_task_pt_regs). We trust those registers only after
 *    the fd argument resolves to this very socket; otherwise (io_uring,
 *    splice, sendfile, kernel sockets) the bytes are recorded as a gap.
 *  - tp_btf/sock_recv_length returning 0 on a stream socket is the reader
 *    seeing end of file: we record it as an inferred SHUTDOWN carrying the
 *    writer's final stream offset.
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "udsdump/record.h"
#include "udsdump_bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* KREAD(type, p, field...): a field of a kernel object, followed through
 * pointers like BPF_CORE_READ. With kfuncs (6.2+), through a read-only view
 * (bpf_rdonly_cast): direct CO-RE-relocated loads that the verifier turns
 * into inline fault-safe loads. Without (the object built with
 * UDS_KFUNCS=0 for older kernels), one bpf_probe_read_kernel() per field.
 * A kfunc the kernel lacks fails the whole object's load, so the choice is
 * made per object, by user space's probe. */
#ifndef UDS_KFUNCS
#define UDS_KFUNCS 1
#endif
#if UDS_KFUNCS
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define KVIEW(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))
#define KREAD(type, p, ...) (KVIEW(type, p)->___arrow(__VA_ARGS__))
#else
#define KREAD(type, p, ...) BPF_CORE_READ((type *)(p), __VA_ARGS__)
#endif
/* A register of the syscall being served, as saved at its entry. */
#define SYS_ARG(regs, reg) KREAD(struct pt_regs, regs, reg)

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define MSG_OOB 1

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

/* x86-64 syscall numbers of the sends whose arguments we decode. */
#define NR_write 1
#define NR_writev 20
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_sendmmsg 307
#define NR_read 0
#define NR_readv 19
#define NR_recvfrom 45
#define NR_recvmsg 47
#define NR_recvmmsg 299
#define NR_close 3
#define NR_connect 42
#define NR_accept 43
#define NR_shutdown 48
#define NR_socketpair 53
#define NR_accept4 288
#define MSG_PEEK 2
#define SCM_SECURITY 3
#define SCM_PIDFD 4
/* Key space of mmsg_cursors for recvmmsg (sendmmsg uses the bare tid). */
#define RECV_CURSOR_BIT 0x80000000u

#define UIO_MAXIOV 1024

/* Clamp x with a mask the verifier sees: the empty asm stops clang from
 * dropping the mask when it "knows" the value is already in range. */
#define BOUND(x, mask)                         \
	({                                     \
		asm volatile("" : "+r"(x));    \
		(x) &= (mask);                 \
	})

/* Same, for an upper bound that is not a power of two minus one. */
#define BOUND_MAX(x, max) \
	asm volatile("if %0 <= %1 goto +1\n\t%0 = %1\n\t" : "+r"(x) : "i"(max))
#define CHUNK_MASK (UDS_CHUNK_MAX - 1)

/* Set by user space before load: the verifier drops disabled filters. */
const volatile struct uds_bpf_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by user space */
} events SEC(".maps");

/* Chunking state of the bpf_loop callback. It lives in the per-CPU
 * scratch map, not on the stack: the verifier does not track map contents,
 * so each iteration sees unknown values and the loop verifies in one pass. */
struct payload_ctx {
	__u64 iov_ptr;    /* user iovec array, 0 for a single buffer */
	__u64 cur_base;   /* current segment */
	__u64 cur_left;
	__u32 iov_idx;
	__u32 iov_cnt;
	__u32 remaining;  /* message bytes still to capture */
	__u32 fill;       /* bytes in the current chunk */
	__u32 msg_off;    /* message offset of the current chunk */
	__u32 cap;        /* bytes of the message to capture */
	__u64 stream_off; /* stream offset of the current chunk */
	__u32 base_flags;
	__u32 wake_flags;
	__u32 fault;
	__u32 need_record; /* nothing emitted yet for this message */
	__u32 done;
	__u32 emitted;    /* read only after the loop: no branch on it inside,
			     so the verifier's iterations converge */
};

/* A task, as the records name it. */
struct task_ident {
	__u32 pid;
	__u32 tid;
	__u64 start_ns;
	char comm[UDS_COMM_LEN];
};

/* Everything kept per socket: one lookup per message. */
struct sock_state {
	__u64 ino; /* of the socket this state belongs to */
	__u64 bytes_sent;
	__u64 bytes_read;
	__u64 peer_ino;
	__u32 eof_reported;
	__u32 seen; /* SEEN_SEND / SEEN_RECV: FIRST_SEEN is per direction */
	/* What user space was last told of the socket's names (a
	 * SOCKINFO event), and what the path filter said of them: while
	 * these pointers stay the same, the names are not read again. */
	__u64 local_addr_ptr;
	__u64 peer_sk_ptr;
	__u64 peer_addr_ptr;
	__u32 info_sent;  /* user space has these names */
	__u32 names_read; /* path_ok is the verdict on these pointers */
	__u32 path_ok;
	/* The last task seen using the socket: "who holds the other end"
	 * for the peer's records, and the start time of the current task
	 * without reading it again. */
	struct task_ident last;
	/* SO_PEERCRED as last read, by the kernel objects it came from */
	__u64 peercred_pid_ptr;
	__u64 peercred_cred_ptr;
	__u32 peercred_pid, peercred_uid, peercred_gid;
	__u32 pad2;
};

/* Per-CPU scratch, indexed by CPU: tracepoints run with preemption off. */
struct data_scratch {
	struct payload_ctx pc;
	struct uds_sockinfo_event info;
	struct uds_dest_event dest;
	/* Stack space is short (512 bytes for a whole call chain): larger
	 * temporaries live here. */
	struct uds_name_key name_key;
	struct sock_state fresh_state;
	struct uds_event ev; /* the payload must follow it directly */
	__u8 data[2 * UDS_CHUNK_MAX]; /* 2x so that any (off < CHUNK, n <= CHUNK) fits */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of CPUs by user space */
	__type(key, __u32);
	__type(value, struct data_scratch);
} data_scratch SEC(".maps");

struct path_walk {
	struct dentry *d;
	struct vfsmount *vmnt;
	struct mount *mnt;
	__u32 pos;
	__u32 done;
	__u32 stop;
	__u32 pad;
};

struct cmsg_scratch {
	struct uds_cmsg_event ev;
	struct path_walk walk;
	char path[2 * UDS_FD_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cmsg_scratch);
} cmsg_scratch SEC(".maps");

#define SEEN_SEND 1u
#define SEEN_RECV 2u

/* The state by socket inode (when cfg.sk_storage is off). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_state);
} sock_states SEC(".maps");

/* The state in the socket itself (cfg.sk_storage): found from the socket
 * pointer without hashing, and freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_state);
} sk_states SEC(".maps");

/* Reader inode -> writer inode, to find the writer at end of file. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} writer_of SEC(".maps");


/* sendmmsg fires once per message with no index: keep one per thread. */
struct mmsg_cursor {
	__u64 vec;
	__u32 idx;
	__u32 vlen;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct mmsg_cursor);
} mmsg_cursors SEC(".maps");

/* Path filter: socket files by identity, and names by value. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UDS_MAX_PATH_FILTERS * 2);
	__type(key, struct uds_file_id);
	__type(value, __u8);
} path_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UDS_MAX_PATH_FILTERS);
	__type(key, struct uds_dirent_key);
	__type(value, __u8);
} path_dirents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UDS_MAX_PATH_FILTERS * 2);
	__type(key, struct uds_name_key);
	__type(value, __u8);
} path_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uds_kernel_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* one per CPU, set by user space */
	__type(key, __u32);
	__type(value, struct uds_dirent_key);
} dirent_scratch SEC(".maps");

struct user_iovec {
	__u64 base;
	__u64 len;
};

struct user_msghdr_x {
	__u64 msg_name;
	__s32 msg_namelen;
	__u32 pad0;
	__u64 msg_iov;
	__u64 msg_iovlen;
	__u64 msg_control;
	__u64 msg_controllen;
	__u32 msg_flags;
	__u32 pad1;
};

struct user_cmsghdr {
	__u64 len;
	__s32 level;
	__s32 type;
};

static __always_inline struct uds_kernel_stats *get_stats(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline __u64 socket_ino(struct socket *sock)
{
	if (!sock)
		return 0;
	return KREAD(struct socket_alloc, sock, vfs_inode.i_ino);
}

static __always_inline __u64 sock_ino(struct sock *sk)
{
	if (!sk)
		return 0;
	return socket_ino(KREAD(struct sock, sk, sk_socket));
}

/* The struct file behind descriptor fd of task, or NULL. */
static __always_inline struct file *task_fd_file(struct task_struct *task, int fd)
{
	struct file **fds;
	struct file *f = NULL;
	struct fdtable *fdt;

	if (fd < 0)
		return NULL;
	fdt = KREAD(struct task_struct, task, files, fdt);
	if (!fdt || (unsigned int)fd >= KREAD(struct fdtable, fdt, max_fds))
		return NULL;
	fds = KREAD(struct fdtable, fdt, fd);
	if (bpf_core_read(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* Copy a socket's bound name (unix_sk(sk)->addr) into out. */
static __always_inline void read_sock_addr(struct sock *sk, struct uds_addr *out)
{
	struct unix_address *addr;
	__u64 len;
	int alen;

	out->kind = UDS_ADDR_UNNAMED;
	out->len = 0;
	if (!sk)
		return;
	addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!addr)
		return;
	alen = BPF_CORE_READ(addr, len) - 2; /* minus sun_family */
	if (alen <= 0)
		return;
	len = alen;
	BOUND_MAX(len, UDS_ADDR_MAX);
	if (len == 0 || bpf_probe_read_kernel(out->name, len, &addr->name[0].sun_path))
		return;
	if (out->name[0] == 0) {
		/* abstract: the name is the bytes after the leading NUL */
		out->kind = UDS_ADDR_ABSTRACT;
		len -= 1;
		BOUND_MAX(len, UDS_ADDR_MAX - 1);
		if (len > 0)
			bpf_probe_read_kernel(out->name, len, &addr->name[0].sun_path[1]);
		out->len = len;
	} else {
		/* pathname: the kernel stores strlen(path) + 1 bytes (bind
		 * NUL-terminates), so no scan for the NUL is needed */
		out->kind = UDS_ADDR_PATHNAME;
		__u64 last = (len - 1) & 0x7f;
		out->len = out->name[last] == 0 ? len - 1 : len;
	}
}

/* Copy a user sockaddr_un (sendto's or msg_name) into out. */
static __always_inline void read_user_addr(__u64 uaddr, int alen, struct uds_addr *out)
{
	__u64 len;

	out->kind = UDS_ADDR_UNNAMED;
	out->len = 0;
	if (!uaddr || alen <= 2)
		return;
	len = alen - 2;
	BOUND_MAX(len, UDS_ADDR_MAX);
	if (bpf_probe_read_user(out->name, len, (void *)(uaddr + 2)))
		return;
	if (out->name[0] == 0) {
		out->kind = UDS_ADDR_ABSTRACT;
		len -= 1;
		BOUND_MAX(len, UDS_ADDR_MAX - 1);
		if (len > 0)
			bpf_probe_read_user(out->name, len, (void *)(uaddr + 3));
		out->len = len;
	} else {
		out->kind = UDS_ADDR_PATHNAME;
		int n = 0;
		for (n = 0; n < UDS_ADDR_MAX; n++) {
			if (n >= len || out->name[n] == 0)
				break;
		}
		out->len = n;
	}
}

/* Does a name key of the path filter match this address? */
static __always_inline struct data_scratch *get_data_scratch(void);

static __always_inline bool name_in_filter(struct uds_addr *a)
{
	struct data_scratch *s = get_data_scratch();
	struct uds_name_key *key;

	if (!s || a->kind == UDS_ADDR_UNNAMED)
		return false;
	key = &s->name_key;
	__builtin_memset(key, 0, sizeof(*key));
	key->kind = a->kind;
	key->len = a->len;
	if (a->len > UDS_ADDR_MAX)
		return false;
	__u64 l = a->len;
	BOUND_MAX(l, UDS_ADDR_MAX);
	if (l)
		bpf_probe_read_kernel(key->name, l, a->name);
	return bpf_map_lookup_elem(&path_names, key) != NULL;
}

static __always_inline bool prefix_match(struct uds_addr *a, __u32 i)
{
	__u32 plen;

	if (i >= UDS_MAX_PREFIX_FILTERS)
		return false;
	if (a->kind != cfg.prefixes[i].kind)
		return false;
	plen = cfg.prefixes[i].len;
	if (plen > a->len || plen > UDS_ADDR_MAX)
		return false;
	for (int n = 0; n < UDS_ADDR_MAX; n++) {
		if (n >= plen)
			return true;
		if (a->name[n] != cfg.prefixes[i].name[n])
			return false;
	}
	return true;
}

static __always_inline bool addr_matches_names(struct uds_addr *a)
{
	if (cfg.any_abstract && a->kind == UDS_ADDR_ABSTRACT)
		return true; /* capture filter "abstract" */
	if (cfg.n_path_names && name_in_filter(a))
		return true;
	for (__u32 i = 0; i < UDS_MAX_PREFIX_FILTERS; i++) {
		if (i >= cfg.n_prefixes)
			break;
		if (prefix_match(a, i))
			return true;
	}
	return false;
}

/* Is the socket file bound by sk one the user named? By the file's
 * identity, or by its directory's identity and its name. */
static __always_inline bool sock_file_in_filter(struct sock *sk)
{
	struct uds_file_id id = {};
	struct dentry *d;
	struct inode *inode;

	if (!sk)
		return false;
	d = BPF_CORE_READ((struct unix_sock *)sk, path.dentry);
	if (!d)
		return false;
	inode = BPF_CORE_READ(d, d_inode);
	if (inode) {
		id.ino = BPF_CORE_READ(inode, i_ino);
		id.dev = BPF_CORE_READ(inode, i_sb, s_dev);
		if (bpf_map_lookup_elem(&path_ids, &id))
			return true;
	}
	__u32 cpu = bpf_get_smp_processor_id();
	struct uds_dirent_key *key = bpf_map_lookup_elem(&dirent_scratch, &cpu);
	if (!key)
		return false;
	struct inode *dir = BPF_CORE_READ(d, d_parent, d_inode);
	struct qstr q = BPF_CORE_READ(d, d_name);
	__u64 l = q.len;
	if (!dir || l > UDS_ADDR_MAX)
		return false;
	__builtin_memset(key, 0, sizeof(*key));
	key->dev = BPF_CORE_READ(dir, i_sb, s_dev);
	key->dir_ino = BPF_CORE_READ(dir, i_ino);
	key->len = l;
	BOUND_MAX(l, UDS_ADDR_MAX);
	if (l)
		bpf_probe_read_kernel(key->name, l, q.name);
	return bpf_map_lookup_elem(&path_dirents, key) != NULL;
}

static __always_inline struct data_scratch *get_data_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&data_scratch, &cpu);
}

static __always_inline void count_emit(bool ok, __u64 bytes)
{
	struct uds_kernel_stats *st = get_stats();

	if (!st)
		return;
	if (ok) {
		st->records_emitted++;
	} else {
		st->records_lost++;
		st->bytes_lost += bytes;
	}
}

static __always_inline __u64 wakeup_flags(void)
{
	/* Batch: wake the reader only once a good part of the ring is full;
	 * it also polls on a short timer. A wakeup per record costs more
	 * than the copy. The fill level is looked at every 8th record of a
	 * CPU only: the query reads the ring's shared positions, a cache line
	 * the reader keeps writing. */
	struct uds_kernel_stats *st = get_stats();
	if (st && (st->records_emitted & 7))
		return BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

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
	err = bpf_ringbuf_output(&events, &s->ev, sizeof(struct uds_event) + n, wakeup_flags());
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
		rec = bpf_ringbuf_reserve(&events, sizeof(struct uds_event) + (cls), 0); \
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
		bpf_ringbuf_submit(rec, wakeup_flags());
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

struct iovsum_ctx {
	__u64 iov_ptr;
	__u32 cnt;
	__u64 total;
};

static long iovsum_step(__u32 i, struct iovsum_ctx *c)
{
	struct user_iovec iov;

	if (i >= c->cnt)
		return 1;
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(c->iov_ptr + (__u64)i * sizeof(iov))))
		return 1;
	c->total += iov.len;
	return 0;
}

static __always_inline __u64 iov_total(__u64 iov_ptr, __u32 cnt)
{
	struct iovsum_ctx c = { .iov_ptr = iov_ptr, .cnt = cnt };

	if (cnt > UIO_MAXIOV)
		cnt = UIO_MAXIOV;
	bpf_loop(cnt, iovsum_step, &c, 0);
	return c.total;
}

/* One step of the path walk of describe_fd(). */
/* Put d's name in front of what the walk has written so far, with a '/'
 * before it unless it is the last component; false (walk cut short) when
 * it does not fit. */
static __always_inline bool prepend_name(struct cmsg_scratch *cs, struct dentry *d, bool slash)
{
	struct qstr q = BPF_CORE_READ(d, d_name);
	__u32 l = q.len;
	__u32 pos = cs->walk.pos;

	if (pos > UDS_FD_PATH_MAX || l + slash > pos || l > UDS_FD_PATH_MAX - 2) {
		cs->walk.stop = 1;
		return false;
	}
	pos -= l;
	BOUND(l, UDS_FD_PATH_MAX - 1);
	BOUND(pos, UDS_FD_PATH_MAX - 1);
	bpf_probe_read_kernel(&cs->path[pos], l, q.name);
	if (slash) {
		pos -= 1;
		cs->path[pos & (UDS_FD_PATH_MAX - 1)] = '/';
	}
	cs->walk.pos = pos;
	return true;
}

static long path_step(__u32 i, void *unused)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cmsg_scratch *cs = bpf_map_lookup_elem(&cmsg_scratch, &cpu);
	struct path_walk *w;

	if (!cs)
		return 1;
	w = &cs->walk;
	if (w->done || w->stop)
		return 1;
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	struct vfsmount *vmnt = w->vmnt;
	struct dentry *mnt_root = BPF_CORE_READ(vmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);

	if (d == parent && d != mnt_root) {
		/* A disconnected pseudo dentry (memfd, a deleted file's
		 * orphan): its own name is all the path there is. */
		if (prepend_name(cs, d, false))
			w->done = 1;
		return 1;
	}
	if (d == mnt_root) {
		struct mount *mparent = BPF_CORE_READ(mnt, mnt_parent);
		if (mparent == mnt) {
			w->done = 1; /* the global root */
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mparent;
		w->vmnt = (struct vfsmount *)((char *)mparent + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (!prepend_name(cs, d, true))
		return 1; /* does not fit: cut short */
	w->d = parent;
	return 0;
}

/* Describe descriptor fd of task for SCM_RIGHTS. */
static __always_inline void describe_fd(struct task_struct *task, int fd, struct uds_fd_info *fi)
{
	struct file *f = task_fd_file(task, fd);
	struct inode *inode;
	struct dentry *d;
	__u32 mode;

	fi->fd = fd;
	fi->path_len = 0;
	if (!f) {
		fi->fd_flags = UDS_FD_UNRESOLVED;
		return;
	}
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	fi->mode = mode;
	fi->inode = BPF_CORE_READ(inode, i_ino);
	fi->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	d = BPF_CORE_READ(f, f_path.dentry);
	switch (mode & S_IFMT) {
	case S_IFSOCK: {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		fi->file_kind = UDS_FILE_SOCKET;
		fi->sock_type = BPF_CORE_READ(sock, type);
		fi->sock_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		return;
	}
	case S_IFIFO:
		fi->file_kind = UDS_FILE_PIPE;
		break;
	case S_IFCHR:
		fi->file_kind = UDS_FILE_CHARDEV;
		break;
	case S_IFBLK:
		fi->file_kind = UDS_FILE_BLOCKDEV;
		break;
	case S_IFLNK:
		fi->file_kind = UDS_FILE_SYMLINK;
		break;
	case S_IFDIR:
		fi->file_kind = UDS_FILE_DIRECTORY;
		break;
	case S_IFREG:
		fi->file_kind = UDS_FILE_REGULAR;
		break;
	default:
		fi->file_kind = UDS_FILE_ANON;
		break;
	}
	if (fi->file_kind != UDS_FILE_REGULAR && fi->file_kind != UDS_FILE_DIRECTORY &&
	    fi->file_kind != UDS_FILE_CHARDEV && fi->file_kind != UDS_FILE_BLOCKDEV) {
		/* The kernel's own name: "[eventfd]", "memfd:x"... */
		struct qstr q = BPF_CORE_READ(d, d_name);
		__u32 l = q.len;
		if (l > UDS_FD_PATH_MAX - 1)
			l = UDS_FD_PATH_MAX - 1;
		BOUND(l, UDS_FD_PATH_MAX - 1);
		bpf_probe_read_kernel(fi->path, l, q.name);
		fi->path_len = l;
		return;
	}

	/* Walk d_parent up to the root, crossing mounts, writing names from
	 * the end of the path buffer backwards (bpf_d_path is not allowed
	 * here). The walk's state lives in the scratch map so the verifier
	 * checks one step, not every depth. */
	__u32 cpu = bpf_get_smp_processor_id();
	struct cmsg_scratch *cs = bpf_map_lookup_elem(&cmsg_scratch, &cpu);
	if (!cs)
		return;
	struct vfsmount *vmnt = BPF_CORE_READ(f, f_path.mnt);
	cs->walk.d = d;
	cs->walk.vmnt = vmnt;
	cs->walk.mnt = (struct mount *)((char *)vmnt - bpf_core_field_offset(struct mount, mnt));
	cs->walk.pos = UDS_FD_PATH_MAX;
	cs->walk.done = 0;
	cs->walk.stop = 0;
	bpf_loop(48, path_step, NULL, 0);
	cs = bpf_map_lookup_elem(&cmsg_scratch, &cpu);
	if (!cs)
		return;
	if (!cs->walk.done)
		fi->fd_flags |= UDS_FD_PATH_TRUNCATED;
	__u32 pos = cs->walk.pos;
	if (pos >= UDS_FD_PATH_MAX) {
		fi->path[0] = '/';
		fi->path_len = 1;
		return;
	}
	fi->path_len = UDS_FD_PATH_MAX - pos;
	bpf_probe_read_kernel(fi->path, UDS_FD_PATH_MAX, &cs->path[pos & (UDS_FD_PATH_MAX - 1)]);
}

struct fd_ctx {
	struct task_struct *task;
	__u32 n;
};

static long describe_fd_step(__u32 i, struct fd_ctx *c)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cmsg_scratch *s = bpf_map_lookup_elem(&cmsg_scratch, &cpu);

	if (!s || i >= c->n || i >= UDS_FD_INFO_MAX)
		return 1;
	__u32 idx = i;
	BOUND(idx, UDS_FD_INFO_MAX - 1);
	__builtin_memset(&s->ev.fds[idx], 0, sizeof(s->ev.fds[idx]) - UDS_FD_PATH_MAX);
	describe_fd(c->task, s->ev.all_fds[idx], &s->ev.fds[idx]);
	return 0;
}

/* Parse the sender's control messages; emit them as one CMSG event. */
static __always_inline void emit_cmsgs(struct task_struct *task, __u64 control, __u64 clen, __u64 ino,
				       __u32 tid, bool recv)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct cmsg_scratch *s = bpf_map_lookup_elem(&cmsg_scratch, &cpu);
	struct user_cmsghdr h;
	__u64 off = 0;
	long err;

	if (!s)
		return;
	s->ev.kind = UDS_RING_CMSG;
	s->ev.n_fds = 0;
	s->ev.n_fd_info = 0;
	s->ev.has_creds = 0;
	s->ev.n_raw = 0;
	s->ev.flags = 0;
	s->ev.tid = tid;
	s->ev.sock_ino = ino;

	for (int i = 0; i < UDS_CMSG_MAX; i++) {
		if (off + sizeof(h) > clen)
			break;
		if (bpf_probe_read_user(&h, sizeof(h), (void *)(control + off)))
			break;
		if (h.len < sizeof(h) || h.len > clen - off)
			break;
		/* On receive, the caller's msg_controllen still holds its buffer
		 * size: what follows the kernel's cmsgs is stale memory. Stop at
		 * anything the kernel would not have written. */
		if (recv && (h.level != SOL_SOCKET ||
			     (h.type != SCM_RIGHTS && h.type != SCM_CREDENTIALS &&
			      h.type != SCM_SECURITY && h.type != SCM_PIDFD)))
			break;
		__u64 dlen = h.len - sizeof(h);
		__u64 data = control + off + sizeof(h);
		if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS && s->ev.n_fds == 0) {
			__u32 nfd = dlen / 4;
			if (nfd > UDS_FD_MAX) {
				nfd = UDS_FD_MAX;
				s->ev.flags |= UDS_F_CMSG_TRUNCATED;
			}
			__u64 sz = (__u64)nfd * 4;
			BOUND_MAX(sz, UDS_FD_MAX * 4);
			if (sz > 0 && !bpf_probe_read_user(s->ev.all_fds, sz, (void *)data)) {
				s->ev.n_fds = nfd;
				s->ev.n_fd_info = nfd > UDS_FD_INFO_MAX ? UDS_FD_INFO_MAX : nfd;
			}
		} else if (h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS && dlen >= 12) {
			__u32 cr[3];
			if (!bpf_probe_read_user(cr, sizeof(cr), (void *)data)) {
				s->ev.has_creds = 1;
				s->ev.creds_pid = cr[0];
				s->ev.creds_uid = cr[1];
				s->ev.creds_gid = cr[2];
			}
		} else if (s->ev.n_raw < 2) {
			__u32 r = s->ev.n_raw & 1;
			__u64 l = dlen;
			if (dlen > UDS_CMSG_RAW_MAX)
				s->ev.flags |= UDS_F_CMSG_TRUNCATED;
			s->ev.raw[r].level = h.level;
			s->ev.raw[r].type = h.type;
			s->ev.raw[r].len = l;
			BOUND_MAX(l, UDS_CMSG_RAW_MAX);
			if (l)
				bpf_probe_read_user(s->ev.raw[r].data, l, (void *)data);
			s->ev.n_raw++;
		} else {
			s->ev.flags |= UDS_F_CMSG_TRUNCATED;
		}
		off += (h.len + 7) & ~7ULL; /* CMSG_ALIGN */
	}
	/* The kernel accepted every control message of a send: if any is left
	 * after the ones we parse, say that the record does not show them all. */
	if (!recv && off + sizeof(h) <= clen)
		s->ev.flags |= UDS_F_CMSG_TRUNCATED;
	if (!s->ev.n_fds && !s->ev.has_creds && !s->ev.n_raw && !s->ev.flags)
		return;
	if (s->ev.n_fd_info) {
		struct fd_ctx fc = { .task = task, .n = s->ev.n_fd_info };
		bpf_loop(UDS_FD_INFO_MAX, describe_fd_step, &fc, 0);
	}
	__u32 n = s->ev.n_fd_info;
	if (n > UDS_FD_INFO_MAX)
		n = UDS_FD_INFO_MAX;
	err = bpf_ringbuf_output(&events, &s->ev,
				 sizeof(struct uds_cmsg_event) - sizeof(s->ev.fds) + n * sizeof(struct uds_fd_info),
				 wakeup_flags());
	if (err) {
		struct uds_kernel_stats *st = get_stats();
		if (st)
			st->cmsg_lost++;
	}
}

/* The state of socket sk (inode ino), created if new and asked for.
 * With cfg.sk_storage, sk must be a socket pointer the verifier trusts:
 * callers that only have an untrusted one pass trusted_sk = false (a
 * compile-time constant), and those programs only load with the hash. */
static __always_inline bool in_sk_storage(const bool trusted_sk)
{
	return trusted_sk && cfg.sk_storage;
}

static __always_inline struct sock_state *state_of(struct sock *sk, __u64 ino, bool create,
						   const bool trusted_sk)
{
	struct sock_state *st;

	if (in_sk_storage(trusted_sk)) {
		st = bpf_sk_storage_get(&sk_states, sk, 0, create ? BPF_SK_STORAGE_GET_F_CREATE : 0);
		if (st && !st->ino)
			st->ino = ino;
		return st;
	}
	st = bpf_map_lookup_elem(&sock_states, &ino);
	if (!st && create) {
		struct data_scratch *s = get_data_scratch();
		if (!s)
			return NULL;
		__builtin_memset(&s->fresh_state, 0, sizeof(s->fresh_state));
		s->fresh_state.ino = ino;
		bpf_map_update_elem(&sock_states, &ino, &s->fresh_state, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&sock_states, &ino);
	}
	return st;
}

/* The peer's state, if it has one: it is not created here. */
static __always_inline struct sock_state *peer_state_of(struct sock *sk, __u64 peer_ino, const bool trusted_sk)
{
	if (in_sk_storage(trusted_sk)) {
		/* the helper's result is a unix_sock the verifier knows, so its
		 * peer pointer is one bpf_sk_storage_get() accepts */
		struct unix_sock *u = bpf_skc_to_unix_sock(sk);
		if (!u || !u->peer)
			return NULL;
		return bpf_sk_storage_get(&sk_states, u->peer, 0, 0);
	}
	if (!peer_ino)
		return NULL;
	return bpf_map_lookup_elem(&sock_states, &peer_ino);
}

/* The state of socket sk (created if new), with the current task
 * remembered as the last one seen using it. */
static __always_inline struct sock_state *touch_state(struct sock *sk, __u64 ino, __u32 pid, __u32 tid,
						      struct task_struct *task, const bool trusted_sk)
{
	struct sock_state *st = state_of(sk, ino, true, trusted_sk);

	if (!st)
		return NULL;
	if (st->last.pid != pid || st->last.tid != tid) {
		st->last.pid = pid;
		st->last.tid = tid;
		st->last.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
		bpf_get_current_comm(st->last.comm, sizeof(st->last.comm));
	}
	return st;
}

/* The exclusions of a capture filter: "not pid N", "not uid N", "not comm X". */
static __always_inline bool filter_excludes(__u32 tgid, __u32 uid)
{
	for (__u32 i = 0; i < UDS_MAX_NOT_IDS; i++) {
		if (i < cfg.n_not_pids && tgid == cfg.not_pids[i])
			return true;
		if (i < cfg.n_not_uids && uid == cfg.not_uids[i])
			return true;
	}
	if (cfg.n_not_comms) {
		char comm[UDS_COMM_LEN];
		bpf_get_current_comm(comm, sizeof(comm));
		for (__u32 i = 0; i < UDS_MAX_NOT_COMMS; i++) {
			bool same = true;
			if (i >= cfg.n_not_comms)
				break;
			for (int j = 0; j < UDS_COMM_LEN; j++) {
				if (comm[j] != cfg.not_comms[i][j]) {
					same = false;
					break;
				}
				if (comm[j] == 0)
					break;
			}
			if (same)
				return true;
		}
	}
	return false;
}

/* Who did it (the current task), what SO_PEERCRED says, and the task
 * last seen holding the peer socket. */
static __always_inline void fill_identity(struct uds_event *ev, struct sock *sk, struct sock_state *me,
					  __u64 pid_tgid, __u64 uid_gid, __u64 peer_ino, const bool trusted_sk)
{
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	/* touch_state() has just made the current task this socket's last */
	ev->task_start_ns = me->last.start_ns;
	__builtin_memcpy(ev->comm, me->last.comm, UDS_COMM_LEN);
	/* SO_PEERCRED: set at connect and never changed in place, so read
	 * its values again only when the kernel objects change. */
	struct pid *ppid = KREAD(struct sock, sk, sk_peer_pid);
	const struct cred *pcred = KREAD(struct sock, sk, sk_peer_cred);
	if (!me->peercred_pid_ptr || me->peercred_pid_ptr != (__u64)ppid ||
	    me->peercred_cred_ptr != (__u64)pcred) {
		me->peercred_pid = ppid ? BPF_CORE_READ(ppid, numbers[0].nr) : 0;
		me->peercred_uid = pcred ? BPF_CORE_READ(pcred, uid.val) : 0xffffffff;
		me->peercred_gid = pcred ? BPF_CORE_READ(pcred, gid.val) : 0xffffffff;
		me->peercred_pid_ptr = ppid ? (__u64)ppid : 1;
		me->peercred_cred_ptr = (__u64)pcred;
	}
	ev->peercred_pid = me->peercred_pid;
	ev->peercred_uid = me->peercred_uid;
	ev->peercred_gid = me->peercred_gid;
	ev->peer_pid = 0;
	ev->peer_tid = 0;
	ev->peer_task_start_ns = 0;
	ev->peer_comm[0] = 0;
	if (peer_ino) {
		struct sock_state *ps = peer_state_of(sk, peer_ino, trusted_sk);
		if (ps && ps->last.pid) {
			ev->peer_pid = ps->last.pid;
			ev->peer_tid = ps->last.tid;
			ev->peer_task_start_ns = ps->last.start_ns;
			__builtin_memcpy(ev->peer_comm, ps->last.comm, UDS_COMM_LEN);
		}
	}
}

/* The filters on who did it and on the socket type (all cheap). */
static __always_inline bool task_filtered_out(__u32 tgid, __u32 uid, __u16 type)
{
	if (cfg.has_pid && tgid != cfg.pid)
		return true;
	if (cfg.has_uid && uid != cfg.uid)
		return true;
	if (cfg.sock_type && type != cfg.sock_type)
		return true;
	if (cfg.has_comm) {
		char comm[UDS_COMM_LEN];
		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < UDS_COMM_LEN; i++) {
			if (comm[i] != cfg.comm[i])
				return true;
			if (comm[i] == 0)
				break;
		}
	}
	if (cfg.type_mask && !(cfg.type_mask & (1u << (type & 31))))
		return true;
	return filter_excludes(tgid, uid);
}

/* The path filter on the socket itself: its file or name, or the peer's
 * (names already read into info). */
static __always_inline bool sock_path_ok(struct sock *sk, struct sock *peer, struct uds_sockinfo_event *info)
{
	if (!cfg.path_filter)
		return true;
	if (cfg.n_path_ids && (sock_file_in_filter(sk) || sock_file_in_filter(peer)))
		return true;
	return addr_matches_names(&info->local_addr) || addr_matches_names(&info->peer_addr);
}

/* Hand user space the socket's names (s->info); false if the ring was full. */
static __always_inline bool emit_sockinfo(struct data_scratch *s, __u64 ino)
{
	s->info.kind = UDS_RING_SOCKINFO;
	s->info.sock_ino = ino;
	if (bpf_ringbuf_output(&events, &s->info, sizeof(s->info), wakeup_flags()) == 0)
		return true;
	struct uds_kernel_stats *st = get_stats();
	if (st)
		st->info_lost++;
	return false;
}

static __always_inline int handle_msg(struct sock *sk, int ret, bool recv, const bool trusted_sk)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct socket *sock = KREAD(struct sock, sk, sk_socket);
	struct sock *peer;
	struct data_scratch *s;
	struct uds_event *ev;
	__u64 ino, peer_ino;
	__u16 type;

	if (!sock)
		return 0;
	type = KREAD(struct socket, sock, type);
	if (ret == 0 && type == SOCK_STREAM)
		return 0;
	if (tgid == cfg.self_pid)
		return 0; /* never capture our own writes (e.g. logging) */
	ino = socket_ino(sock);
	/* Before any filter: the peer's records name this task as the other
	 * end even when this task's own traffic is filtered out. */
	struct sock_state *state = touch_state(sk, ino, tgid, tid, task, trusted_sk);
	if (!state)
		return 0;

	/* Cheap filters first. */
	if (task_filtered_out(tgid, (__u32)uid_gid, type))
		return 0;
	peer = KREAD(struct unix_sock, sk, peer);
	peer_ino = sock_ino(peer);
	if (peer && !peer_ino) {
		/* The peer is closing (or not yet accepted): its inode, if we
		 * saw it before, is still the one this socket talks to; a
		 * reader that never saw it learns it from the writer's sends. */
		peer_ino = state->peer_ino;
		if (!peer_ino && in_sk_storage(trusted_sk)) {
			struct sock_state *ps = peer_state_of(sk, 0, trusted_sk);
			if (ps)
				peer_ino = ps->ino;
		} else if (!peer_ino) {
			__u64 *w = bpf_map_lookup_elem(&writer_of, &ino);
			if (w)
				peer_ino = *w;
		}
	}
	if (cfg.inode && ino != cfg.inode && peer_ino != cfg.inode)
		return 0;

	s = get_data_scratch();
	if (!s)
		return 0;
	ev = &s->ev;

	/* The socket's names: read only when user space has not been told
	 * them, or a name may have changed (bind, connect, a new peer). */
	__u64 local_addr_ptr = (__u64)KREAD(struct unix_sock, sk, addr);
	__u64 peer_addr_ptr = peer ? (__u64)KREAD(struct unix_sock, peer, addr) : 0;
	bool names_in_scratch = false;
	if (!state->names_read || state->local_addr_ptr != local_addr_ptr ||
	    state->peer_sk_ptr != (__u64)peer || state->peer_addr_ptr != peer_addr_ptr) {
		read_sock_addr(sk, &s->info.local_addr);
		read_sock_addr(peer, &s->info.peer_addr);
		names_in_scratch = true;
		state->path_ok = sock_path_ok(sk, peer, &s->info);
		state->local_addr_ptr = local_addr_ptr;
		state->peer_sk_ptr = (__u64)peer;
		state->peer_addr_ptr = peer_addr_ptr;
		state->names_read = 1;
		state->info_sent = 0;
	}
	s->dest.dest_addr.kind = UDS_ADDR_UNNAMED;
	s->dest.dest_addr.len = 0;
	/* A connected socket the path filter rejects: done, before decoding
	 * the syscall. (Only an unconnected datagram socket's destination
	 * can still match below.) */
	if (cfg.path_filter && !state->path_ok && peer)
		return 0;

	/* Decode the syscall being served, if it is a send (or, on the
	 * receive side, a read) on this very socket. */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = SYS_ARG(regs, orig_ax);
	int fd = SYS_ARG(regs, di);
	__u16 sys = UDS_SYS_UNKNOWN;
	__u64 buf = 0, iov_ptr = 0, control = 0, clen = 0;
	__u32 iov_cnt = 0, msg_flags = 0;
	__u64 requested = ret;
	bool by_buf, by_iov, by_msg, by_mmsg;

	if (!recv) {
		by_buf = nr == NR_write || nr == NR_sendto;
		by_iov = nr == NR_writev;
		by_msg = nr == NR_sendmsg;
		by_mmsg = nr == NR_sendmmsg;
	} else {
		by_buf = nr == NR_read || nr == NR_recvfrom;
		by_iov = nr == NR_readv;
		by_msg = nr == NR_recvmsg;
		by_mmsg = nr == NR_recvmmsg;
	}
	if (by_buf || by_iov || by_msg || by_mmsg) {
		struct file *f = task_fd_file(task, fd);
		if (!f || KREAD(struct file, f, private_data) != (void *)sock)
			by_buf = by_iov = by_msg = by_mmsg = false; /* registers of something else */
	}
	if (by_buf) {
		sys = nr == NR_write ? UDS_SYS_WRITE
		      : nr == NR_sendto ? UDS_SYS_SENDTO
		      : nr == NR_read ? UDS_SYS_READ : UDS_SYS_RECVFROM;
		buf = SYS_ARG(regs, si);
		requested = SYS_ARG(regs, dx);
		if (nr == NR_sendto || nr == NR_recvfrom)
			msg_flags = SYS_ARG(regs, r10);
		if (nr == NR_sendto)
			read_user_addr(SYS_ARG(regs, r8), SYS_ARG(regs, r9), &s->dest.dest_addr);
	} else if (by_iov) {
		sys = recv ? UDS_SYS_READV : UDS_SYS_WRITEV;
		iov_ptr = SYS_ARG(regs, si);
		iov_cnt = SYS_ARG(regs, dx);
	} else if (by_msg || by_mmsg) {
		struct user_msghdr_x mh;
		__u64 mh_ptr;

		if (by_msg) {
			sys = recv ? UDS_SYS_RECVMSG : UDS_SYS_SENDMSG;
			mh_ptr = SYS_ARG(regs, si);
			msg_flags = SYS_ARG(regs, dx);
		} else {
			/* struct mmsghdr is a user_msghdr plus a u32 (64 bytes);
			 * the tracepoint fires once per message with no index. */
			__u64 vec = SYS_ARG(regs, si);
			__u32 vlen = SYS_ARG(regs, dx);
			__u32 key = recv ? (tid | RECV_CURSOR_BIT) : tid;
			struct mmsg_cursor *cur = bpf_map_lookup_elem(&mmsg_cursors, &key);
			__u32 idx = 0;

			if (cur && cur->vec == vec && cur->vlen == vlen && cur->idx < vlen)
				idx = cur->idx;
			struct mmsg_cursor next = { .vec = vec, .vlen = vlen, .idx = idx + 1 };
			if (idx + 1 >= vlen)
				bpf_map_delete_elem(&mmsg_cursors, &key);
			else
				bpf_map_update_elem(&mmsg_cursors, &key, &next, BPF_ANY);
			sys = recv ? UDS_SYS_RECVMMSG : UDS_SYS_SENDMMSG;
			mh_ptr = vec + (__u64)idx * 64;
			msg_flags = SYS_ARG(regs, r10);
		}
		if (bpf_probe_read_user(&mh, sizeof(mh), (void *)mh_ptr)) {
			sys = UDS_SYS_UNKNOWN;
		} else {
			iov_ptr = mh.msg_iov;
			iov_cnt = mh.msg_iovlen > UIO_MAXIOV ? UIO_MAXIOV : mh.msg_iovlen;
			control = mh.msg_control;
			clen = mh.msg_controllen;
			/* on receive, msg_name is only written after this point */
			if (!recv)
				read_user_addr(mh.msg_name, mh.msg_namelen, &s->dest.dest_addr);
		}
	}
	if (recv && (msg_flags & MSG_PEEK))
		return 0; /* a peek consumes nothing: the real read follows */
	if (iov_ptr)
		requested = iov_total(iov_ptr, iov_cnt);

	/* The path filter: the socket's own verdict, or the destination of an
	 * unconnected datagram. */
	if (cfg.path_filter && !state->path_ok && !addr_matches_names(&s->dest.dest_addr))
		return 0;

	struct uds_kernel_stats *st = get_stats();
	if (st)
		st->sends_seen++;

	/* Assign the stream offset before reserving ring space, so a record
	 * that is then lost leaves a visible gap. */
	__u32 flags = 0;
	__u32 dir = recv ? SEEN_RECV : SEEN_SEND;
	__u64 offset;
	bool new_peer = true;
	if (recv)
		offset = __sync_fetch_and_add(&state->bytes_read, ret);
	else
		offset = __sync_fetch_and_add(&state->bytes_sent, ret);
	if (peer_ino && state->peer_ino == peer_ino && (state->seen & SEEN_SEND))
		new_peer = false; /* writer_of already says so: skip the update */
	if (peer_ino)
		state->peer_ino = peer_ino;
	if (!(state->seen & dir)) {
		state->seen |= dir; /* a lost race only repeats the flag */
		flags |= UDS_F_FIRST_SEEN;
	}
	/* (with sk_storage, the reader finds the writer through its peer
	 * pointer instead) */
	if (peer_ino && !recv && new_peer && !in_sk_storage(trusted_sk))
		bpf_map_update_elem(&writer_of, &peer_ino, &ino, BPF_ANY);


	ev->kind = UDS_RING_DATA;
	ev->event = recv ? UDS_EV_RECV : UDS_EV_DATA;
	ev->sock_type = type;
	ev->syscall = sys;
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->sock_ino = ino;
	ev->peer_ino = peer_ino;
	ev->msg_len = ret;
	ev->requested_len = requested > 0xffffffffULL ? 0xffffffff : requested;
	fill_identity(ev, sk, state, pid_tgid, uid_gid, peer_ino, trusted_sk);

	if (!recv && (__u64)ret < requested)
		flags |= UDS_F_PARTIAL; /* a read of less than the buffer is normal */
	if (msg_flags & MSG_OOB)
		flags |= UDS_F_OOB;

	if (!state->info_sent) {
		if (!names_in_scratch) { /* the last SOCKINFO was lost: again */
			read_sock_addr(sk, &s->info.local_addr);
			read_sock_addr(peer, &s->info.peer_addr);
		}
		state->info_sent = emit_sockinfo(s, ino);
	}
	if (s->dest.dest_addr.kind != UDS_ADDR_UNNAMED) {
		s->dest.kind = UDS_RING_DEST;
		s->dest.tid = tid;
		s->dest.sock_ino = ino;
		if (bpf_ringbuf_output(&events, &s->dest, sizeof(s->dest), wakeup_flags())) {
			struct uds_kernel_stats *st = get_stats();
			if (st)
				st->info_lost++;
		}
	}
	if (control && clen && sys != UDS_SYS_UNKNOWN)
		emit_cmsgs(task, control, clen, ino, tid, recv);

	/* Re-fetch: emit_cmsgs may not clobber data scratch, but keep the
	 * verifier's view simple. */
	s = get_data_scratch();
	if (!s)
		return 0;

	struct payload_ctx *c = &s->pc;
	__builtin_memset(c, 0, sizeof(*c));
	c->stream_off = offset;
	c->remaining = ret;
	if (sys == UDS_SYS_UNKNOWN) {
		flags |= UDS_F_NO_PAYLOAD_SOURCE;
		c->remaining = 0;
	} else if (!cfg.payload || (recv && cfg.recv_mode != UDS_RECV_PAYLOAD)) {
		flags |= UDS_F_METADATA_ONLY;
		c->remaining = 0;
	} else if (cfg.snaplen && (__u32)ret > cfg.snaplen) {
		flags |= UDS_F_TRUNCATED;
		c->remaining = cfg.snaplen;
	}
	c->cap = c->remaining;
	c->base_flags = flags;
	c->need_record = 1;
	if (buf) {
		c->cur_base = buf;
		c->cur_left = c->remaining;
	} else {
		c->iov_ptr = iov_ptr;
		c->iov_cnt = iov_cnt;
	}
	if (c->remaining == 0) {
		emit_chunk(c, s, true);
		return 0;
	}
	/* The common case, one buffer (or one iovec) and one record: copy it
	 * straight, without the loop. */
	if (!buf && iov_cnt == 1) {
		struct user_iovec one;
		if (!bpf_probe_read_user(&one, sizeof(one), (void *)iov_ptr) && one.len >= c->remaining)
			buf = one.base;
	}
	if (buf) {
		/* one chunk per step, each copied once, straight into the ring */
		c->cur_base = buf;
		bpf_loop(c->remaining / UDS_CHUNK_MAX + 1, direct_step, NULL, 0);
		return 0;
	}
	/* one step per iovec load and one per copy, chunk boundaries included */
	__u32 loops = 2 * iov_cnt + 2 * (c->remaining / UDS_CHUNK_MAX) + 4;
	bpf_loop(loops, payload_step, NULL, 0);
	s = get_data_scratch();
	if (!s)
		return 0;
	if (!s->pc.emitted) {
		/* the loop bound ran out before anything went: say so */
		s->pc.fault = 1;
		emit_chunk(&s->pc, s, true);
	}
	return 0;
}

static __always_inline int on_send(struct sock *sk, int ret, const bool trusted_sk)
{
	if (KREAD(struct sock, sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	if (ret < 0) {
		/* sendmmsg stops at an error: its next call starts at 0 */
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		bpf_map_delete_elem(&mmsg_cursors, &tid);
		return 0;
	}
	return handle_msg(sk, ret, false, trusted_sk);
}

/*
 * The hash-state path as global functions: the verifier checks a global
 * function once, on its own, instead of once per call site and per state
 * of its callers. The syscall program calls it from two places and from
 * the sendmmsg/recvmmsg loop; inlined, that was over the 1,000,000
 * instruction budget. The socket is a plain address here: everything is
 * read through views or probe reads, and the state is found by hashing.
 */
__noinline int uds_send_hashed(__u64 sk, int ret)
{
	return on_send((struct sock *)sk, ret, false);
}

__noinline int uds_recv_hashed(__u64 sk, int ret);

/* A typed tracepoint argument as a plain number: a global function takes
 * scalars, and the verifier forbids turning a pointer into one by
 * arithmetic. */
static __always_inline __u64 arg_as_u64(unsigned long long *ctx, int i)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ctx[i]);
	return v;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(uds_send, struct sock *sk, int ret, int flags)
{
	if (cfg.sk_storage)
		return on_send(sk, ret, true);
	return uds_send_hashed(arg_as_u64(ctx, 0), ret);
}

/* A read. End of file seen by a stream reader means the writer is done:
 * the writer's final offset is recorded as an inferred SHUTDOWN. */
static __always_inline int on_recv(struct sock *sk, int ret, const bool trusted_sk)
{
	if (KREAD(struct sock, sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	if (ret < 0) {
		/* recvmmsg stops at an error: its next call starts at 0 */
		__u32 key = (__u32)bpf_get_current_pid_tgid() | RECV_CURSOR_BIT;
		bpf_map_delete_elem(&mmsg_cursors, &key);
		return 0;
	}
	struct socket *sock = KREAD(struct sock, sk, sk_socket);
	if (!sock)
		return 0;
	__u16 type = KREAD(struct socket, sock, type);
	__u64 reader = socket_ino(sock);
	if (ret > 0 || type != SOCK_STREAM) {
		if (cfg.recv_mode != UDS_RECV_NONE)
			return handle_msg(sk, ret, true, trusted_sk);
		/* The reader holds this socket: it is "the other end" for
		 * the records of its peer. */
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		touch_state(sk, reader, pid_tgid >> 32, (__u32)pid_tgid, bpf_get_current_task_btf(), trusted_sk);
		return 0;
	}
	struct sock_state *state;
	if (in_sk_storage(trusted_sk)) {
		/* the writer is the reader's peer: still referenced by it */
		state = peer_state_of(sk, 0, trusted_sk);
	} else {
		__u64 *writer = bpf_map_lookup_elem(&writer_of, &reader);
		if (!writer)
			return 0;
		__u64 wino = *writer;
		state = bpf_map_lookup_elem(&sock_states, &wino);
	}
	/* only a writer whose sends were recorded (past the filters) */
	if (!state || state->eof_reported || !(state->seen & SEEN_SEND))
		return 0;
	__u64 wino = state->ino;
	state->eof_reported = 1;

	struct data_scratch *s = get_data_scratch();
	if (!s)
		return 0;
	struct uds_event *ev = &s->ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->kind = UDS_RING_DATA;
	ev->event = UDS_EV_SHUTDOWN;
	ev->sock_type = SOCK_STREAM;
	ev->flags = UDS_F_INFERRED;
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->sock_ino = wino;
	ev->peer_ino = reader;
	ev->stream_offset = state->bytes_sent;
	ev->peercred_uid = 0xffffffff;
	ev->peercred_gid = 0xffffffff;
	/* The task is the writer, as last seen; the reader is its peer. */
	ev->pid = state->last.pid;
	ev->tid = state->last.tid;
	ev->task_start_ns = state->last.start_ns;
	__builtin_memcpy(ev->comm, state->last.comm, UDS_COMM_LEN);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	ev->peer_pid = pid_tgid >> 32;
	ev->peer_tid = (__u32)pid_tgid;
	ev->peer_task_start_ns = BPF_CORE_READ(bpf_get_current_task_btf(), group_leader, start_boottime);
	bpf_get_current_comm(ev->peer_comm, sizeof(ev->peer_comm));
	/* names of the writer (this record's socket) and of the reader */
	read_sock_addr(BPF_CORE_READ((struct unix_sock *)sk, peer), &s->info.local_addr);
	read_sock_addr(sk, &s->info.peer_addr);
	emit_sockinfo(s, wino);
	long err = bpf_ringbuf_output(&events, ev, sizeof(*ev), wakeup_flags());
	count_emit(err == 0, 0);
	return 0;
}

__noinline int uds_recv_hashed(__u64 sk, int ret)
{
	return on_recv((struct sock *)sk, ret, false);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(uds_recv, struct sock *sk, int ret, int flags)
{
	if (cfg.sk_storage)
		return on_recv(sk, ret, true);
	return uds_recv_hashed(arg_as_u64(ctx, 0), ret);
}

/*
 * The fallback for kernels without sock:sock_send_length (before 6.3):
 * every syscall exit, filtered down to the send and receive syscalls on
 * AF_UNIX sockets. It costs every process on the host (any syscall
 * tracepoint moves all tasks to the slow syscall path), so it is only
 * attached when asked for or when the sock tracepoints are missing.
 * Sends outside these syscalls (io_uring, splice) are not seen here.
 */
struct mmsg_walk {
	struct sock *sk;
	__u64 vec;
	__u32 recv;
};

static long mmsg_step(__u32 i, struct mmsg_walk *w)
{
	__u32 len = 0;

	/* the kernel has written each message's length into mmsghdr.msg_len */
	if (bpf_probe_read_user(&len, sizeof(len), (void *)(w->vec + (__u64)i * 64 + 56)))
		return 1;
	if (len > 0x7fffffff)
		return 1;
	if (w->recv)
		uds_recv_hashed((__u64)w->sk, (int)len);
	else
		uds_send_hashed((__u64)w->sk, (int)len);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(uds_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	bool recv;

	if (nr == NR_write || nr == NR_writev || nr == NR_sendto || nr == NR_sendmsg || nr == NR_sendmmsg)
		recv = false;
	else if (nr == NR_read || nr == NR_readv || nr == NR_recvfrom || nr == NR_recvmsg ||
		 nr == NR_recvmmsg)
		recv = true;
	else
		return 0;
	struct file *f = task_fd_file(bpf_get_current_task_btf(), (int)BPF_CORE_READ(regs, di));
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	if (nr == NR_sendmmsg || nr == NR_recvmmsg) {
		__u32 key = (__u32)bpf_get_current_pid_tgid() | (recv ? RECV_CURSOR_BIT : 0);
		struct mmsg_walk w = { .sk = sk, .vec = BPF_CORE_READ(regs, si), .recv = recv };

		bpf_map_delete_elem(&mmsg_cursors, &key);
		if (ret > 0)
			bpf_loop(ret > UIO_MAXIOV ? UIO_MAXIOV : ret, mmsg_step, &w, 0);
		bpf_map_delete_elem(&mmsg_cursors, &key);
		return 0;
	}
	if (ret < 0 || ret > 0x7fffffff)
		return 0;
	return recv ? uds_recv_hashed((__u64)sk, (int)ret) : uds_send_hashed((__u64)sk, (int)ret);
}

/*
 * Lifecycle events (--lifecycle): connect, accept, socketpair, shutdown and
 * close, observed at the syscalls themselves. Off by default: a syscall
 * tracepoint costs every process on the host while attached.
 */
static __always_inline struct sock *fd_unix_sock(int fd)
{
	struct file *f = task_fd_file(bpf_get_current_task_btf(), fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return NULL;
	return sk;
}

static __always_inline void emit_lifecycle(struct sock *sk, __u16 event)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	__u32 tgid = pid_tgid >> 32;

	if (!sock || tgid == cfg.self_pid)
		return;
	__u16 type = BPF_CORE_READ(sock, type);
	__u64 ino = socket_ino(sock);
	struct sock_state *state = touch_state(sk, ino, tgid, (__u32)pid_tgid, task, false);
	if (!state || task_filtered_out(tgid, (__u32)uid_gid, type))
		return;
	struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	__u64 peer_ino = sock_ino(peer);
	if (peer && !peer_ino)
		peer_ino = state->peer_ino;
	if (cfg.inode && ino != cfg.inode && peer_ino != cfg.inode)
		return;
	struct data_scratch *s = get_data_scratch();
	if (!s)
		return;
	struct uds_event *ev = &s->ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	read_sock_addr(sk, &s->info.local_addr);
	read_sock_addr(peer, &s->info.peer_addr);
	if (!sock_path_ok(sk, peer, &s->info))
		return;
	emit_sockinfo(s, ino);
	ev->kind = UDS_RING_DATA;
	ev->event = event;
	ev->sock_type = type;
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->sock_ino = ino;
	ev->peer_ino = peer_ino;
	/* bytes this capture saw sent so far: the final offset on close */
	ev->stream_offset = state->bytes_sent;
	fill_identity(ev, sk, state, pid_tgid, uid_gid, peer_ino, false);
	long err = bpf_ringbuf_output(&events, ev, sizeof(*ev), wakeup_flags());
	count_emit(err == 0, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(uds_life_exit, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	struct sock *sk;

	if (ret < 0)
		return 0;
	if (nr == NR_connect || nr == NR_shutdown) {
		if (ret != 0 || !(sk = fd_unix_sock((int)BPF_CORE_READ(regs, di))))
			return 0;
		emit_lifecycle(sk, nr == NR_connect ? UDS_EV_CONNECT : UDS_EV_SHUTDOWN);
	} else if (nr == NR_accept || nr == NR_accept4) {
		if ((sk = fd_unix_sock((int)ret)))
			emit_lifecycle(sk, UDS_EV_ACCEPT);
	} else if (nr == NR_socketpair) {
		int sv[2];
		if (ret != 0 || bpf_probe_read_user(sv, sizeof(sv), (void *)BPF_CORE_READ(regs, r10)))
			return 0;
		if ((sk = fd_unix_sock(sv[0])))
			emit_lifecycle(sk, UDS_EV_SOCKETPAIR);
		if ((sk = fd_unix_sock(sv[1])))
			emit_lifecycle(sk, UDS_EV_SOCKETPAIR);
	}
	return 0;
}

/* close() is seen on entry, while the descriptor still names the socket. */
SEC("tp_btf/sys_enter")
int BPF_PROG(uds_life_enter, struct pt_regs *regs, long id)
{
	struct sock *sk;

	if (id != NR_close)
		return 0;
	if ((sk = fd_unix_sock((int)BPF_CORE_READ(regs, di))))
		emit_lifecycle(sk, UDS_EV_CLOSE);
	return 0;
}
