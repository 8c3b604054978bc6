/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine's settings (.rodata, set by user space before the load), its
 * maps, the per-CPU scratch space (the stack is only 512 bytes for a whole
 * call chain), and the ring: counting and waking its reader.
 */
#ifndef UDS_BPF_LIB_MAPS_H
#define UDS_BPF_LIB_MAPS_H

#include "common.h"

/* Set by user space before load: the verifier drops disabled filters. */
const volatile struct uds_bpf_config cfg = {};

/* Bumped by user space when it forgets the names of sockets it has not
 * heard from for a while (its table stays bounded over days): each
 * socket's names are sent again with its next message. */
volatile __u32 names_epoch;

/* Set by the syscall program's first run, cleared by user space before it
 * attaches: proof that the kernel calls what it accepted (engine_attach.c;
 * a 5.10 arm64 kernel once attached it and never ran it). */
volatile __u32 hook_ran;

/*
 * Two rings. The steady one is small (8 MiB), so that the lines an event
 * is written to are still in the CPUs' caches from the lap before: with
 * 64 MiB every event lands on lines evicted long ago, and a message's BPF
 * time is a fifth to a quarter more (bench/README.md, session 14). The
 * spill ring (--buffer-size) takes the events of a burst that the steady
 * one has no room for: from the first event that finds it full until user
 * space has emptied the spill ring again, every event goes there, so each
 * ring holds one stretch of time and user space reads them in order.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by user space */
} spill SEC(".maps");

/* 1 from the first event the steady ring had no room for; user space
 * clears it once it has emptied the spill ring. */
volatile __u32 spilling;

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
	struct uds_task_ns ns; /* read again when the task or its cgroup changes */
};

/* Everything kept per socket: one lookup per message.
 *
 * Laid out by who touches what. The programs of the peer's messages, on
 * the peer's CPU, read this state on every message of theirs: the map's
 * key beside its start, and last. The counters that every message of this
 * socket writes sit at the end, more than a cache line away from both, so
 * no line moves between the two ends' CPUs on each message (measured:
 * bench/README.md, session 16). Between them, the fields only this
 * socket's own messages use; after them a pad, for whatever the kernel
 * keeps next (another socket's map element). */
struct sock_state {
	/* read by the peer's programs; written only when they change */
	__u64 ino; /* of the socket this state belongs to */
	__u32 eof_reported;
	__u32 seen; /* SEEN_SEND / SEEN_RECV: FIRST_SEEN is per direction */
	/* The last task seen using the socket: "who holds the other end"
	 * for the peer's records, and the start time of the current task
	 * without reading it again. */
	struct task_ident last;
	/* this socket's own. What user space was last told of the socket's
	 * names (a SOCKINFO event), and what the path filter said of them:
	 * while these pointers stay the same, the names are not read again. */
	__u64 local_addr_ptr;
	__u64 peer_sk_ptr;
	__u64 peer_addr_ptr;
	__u32 info_sent;  /* user space has these names */
	__u32 names_read; /* path_ok and netns_ok are the verdicts on these pointers */
	__u32 path_ok;
	__u32 netns_ok;
	__u32 info_epoch; /* names_epoch when user space was told them */
	/* SO_PEERCRED as last read, by the kernel objects it came from */
	__u64 peercred_pid_ptr;
	__u64 peercred_cred_ptr;
	__u32 peercred_pid, peercred_uid, peercred_gid;
	__u32 peercred_ns_pid, peercred_pid_ns;
	__u32 pad2;
	/* who is at the other end, as user space was last told it (in the
	 * socket's SOCKINFO event) */
	struct uds_peer_ident ident_sent;
	/* and the process using this socket, as user space was last told
	 * it, and the generation of that (uds_event.task_gen) */
	struct uds_task_ident task_sent;
	__u64 task_gen; /* (64 bits: the atomics of -mcpu=v1) */
	/* written by every message of this socket */
	__u64 bytes_sent;
	__u64 bytes_read;
	__u64 peer_ino;
	__u8 pad_end[64]; /* never touched */
};
/* (a field added in the wrong place moves a line between CPUs again) */
_Static_assert(__builtin_offsetof(struct sock_state, bytes_sent) -
			       (__builtin_offsetof(struct sock_state, last) + sizeof(struct task_ident)) >= 64,
	       "the per-message counters share a cache line with what the peer reads");
_Static_assert(sizeof(struct sock_state) - __builtin_offsetof(struct sock_state, pad_end) >= 64,
	       "the per-message counters share a cache line with the next map element");

/* sendmmsg fires once per message with no index: keep one per thread. */
struct mmsg_cursor {
	__u64 vec;
	__u32 idx;
	__u32 vlen;
};

/* Per-CPU scratch, indexed by CPU: tracepoints run with preemption off. */
/* The syscall being served, decoded: where the message's bytes are. */
struct msg_call {
	__u64 buf;       /* one user buffer, or 0 */
	__u64 iov_ptr;   /* a user iovec array, or 0 */
	__u64 control;   /* msg_control, msg_controllen */
	__u64 clen;
	__u64 requested; /* bytes the caller asked to send (or read into) */
	__u32 iov_cnt;
	__u32 msg_flags;
	__u16 sys;       /* UDS_SYS_*; UNKNOWN: the bytes come from elsewhere */
};

struct data_scratch {
	__u64 owner; /* pid_tgid of the program run using this slot, 0: free */
	struct payload_ctx pc;
	struct uds_sockinfo_event info;
	struct uds_dest_event dest;
	/* Stack space is short (512 bytes for a whole call chain): larger
	 * temporaries live here. */
	struct uds_name_key name_key;
	struct sock_state fresh_state;
	struct user_msghdr_x mh;
	char cgroup_name[128]; /* a cgroup's directory name (bpf/lib/cgroup.h) */
	struct mmsg_cursor next_cursor;
	struct msg_call call; /* the message being handled */
	struct {
		__u64 iov_ptr;
		__u64 total;
		__u32 cnt;
		__u32 pad;
	} iovsum; /* iov_total()'s sum */
	struct uds_event ev; /* the payload must follow it directly */
	__u8 data[2 * UDS_CHUNK_MAX]; /* 2x so that any (off < CHUNK, n <= CHUNK) fits */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* UDS_SCRATCH_SLOTS per CPU, set by user space */
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

/* The container filters' verdict on a cgroup id (bpf/lib/cgroup.h): 1
 * matches, 2 does not; worked out once per cgroup. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} cgroup_verdicts SEC(".maps");

/* Reader inode -> writer inode, to find the writer at end of file. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} writer_of SEC(".maps");


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
	__uint(max_entries, 1); /* UDS_SCRATCH_SLOTS per CPU, set by user space */
	__type(key, __u32);
	__type(value, struct uds_dirent_key);
} dirent_scratch SEC(".maps");

static __always_inline struct uds_kernel_stats *get_stats(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&stats, &zero);
}

/*
 * Scratch slots. A program run keeps its message's state in scratch space
 * across helper calls and bpf_loop steps. Tracing programs run with
 * migration disabled but, on preemptible kernels (PREEMPT_LAZY, the
 * default of Debian's 7.x, or PREEMPT), not with preemption disabled: a
 * run can be preempted on its CPU by another task's run, and resumed before
 * or after it. So each CPU has UDS_SCRATCH_SLOTS slots, and a run owns one
 * (claimed by its thread with an atomic compare-and-swap, released at
 * its end) and finds it again by its thread. Seen on sid's 7.2 before: chunks of
 * large messages vanished without a LOSS record.
 */
static __always_inline __u32 scratch_index(void)
{
	__u32 base = bpf_get_smp_processor_id() * UDS_SCRATCH_SLOTS;
	__u64 me = bpf_get_current_pid_tgid();

	for (__u32 k = 0; k < UDS_SCRATCH_SLOTS; k++) {
		__u32 i = base + k;
		struct data_scratch *s = bpf_map_lookup_elem(&data_scratch, &i);
		if (s && s->owner == me)
			return i;
	}
	return base; /* not claimed: callers have claimed one */
}

static __always_inline struct data_scratch *get_data_scratch(void)
{
	__u32 i = scratch_index();
	return bpf_map_lookup_elem(&data_scratch, &i);
}

/* Claim a free slot of this CPU for the current run; false if all are in
 * use (as many runs preempted mid-message on this CPU). */
static __always_inline bool scratch_claim(void)
{
	__u32 base = bpf_get_smp_processor_id() * UDS_SCRATCH_SLOTS;
	__u64 me = bpf_get_current_pid_tgid();

	for (__u32 k = 0; k < UDS_SCRATCH_SLOTS; k++) {
		__u32 i = base + k;
		struct data_scratch *s = bpf_map_lookup_elem(&data_scratch, &i);
#if UDS_LEGACY
		if (s && !s->owner) { /* (no BPF program is preempted there) */
			s->owner = me;
			return true;
		}
#else
		if (s && __sync_val_compare_and_swap(&s->owner, 0, me) == 0)
			return true;
#endif
	}
	return false;
}

static __always_inline void scratch_release(void)
{
	struct data_scratch *s = get_data_scratch();

	if (s && s->owner == bpf_get_current_pid_tgid())
		s->owner = 0;
}

static __always_inline void count_emit(bool ok, __u64 bytes)
{
	struct uds_kernel_stats *st = get_stats();

	if (!st)
		return;
	if (ok) {
		st->records_emitted++; /* (only paces wakeups: need not add up) */
	} else {
		COUNT_ADD(&st->records_lost, 1);
		COUNT_ADD(&st->bytes_lost, bytes);
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

/* While spilling the reader is behind: wake it every 8th record of a CPU. */
static __always_inline __u64 spill_wakeup_flags(void)
{
	struct uds_kernel_stats *st = get_stats();
	return st && (st->records_emitted & 7) ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP;
}

/* Copy an event into the ring: the steady one, or the spill ring while
 * spilling. 0, or the helper's error when neither has room. */
static __always_inline long ring_output(void *data, __u64 size)
{
	if (!cfg.spill || !spilling) {
		long err = bpf_ringbuf_output(&events, data, size, wakeup_flags());
		if (!err || !cfg.spill)
			return err;
		spilling = 1;
	}
	return bpf_ringbuf_output(&spill, data, size, spill_wakeup_flags());
}

/* Reserve size bytes (a constant) the same way; NULL when neither ring
 * has room. Submit with ring_submit(). */
#define ring_reserve(size)                                                     \
	({                                                                     \
		void *__rec = NULL;                                            \
		if (!cfg.spill || !spilling) {                                 \
			__rec = bpf_ringbuf_reserve(&events, (size), 0);       \
			if (!__rec && cfg.spill)                               \
				spilling = 1;                                  \
		}                                                              \
		if (!__rec && cfg.spill)                                       \
			__rec = bpf_ringbuf_reserve(&spill, (size), 0);        \
		__rec;                                                         \
	})

static __always_inline void ring_submit(void *rec)
{
	bpf_ringbuf_submit(rec, spilling ? spill_wakeup_flags() : wakeup_flags());
}

#endif /* UDS_BPF_LIB_MAPS_H */
