// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capture engine. Loads the skeleton with the filters baked into
 * .rodata, drains the ring buffer on a short timer (the BPF side only
 * wakes us when the ring fills up: a wakeup per record costs more than the
 * copy), turns every event into a record, and writes pcapng as it goes.
 */
#include "capture.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "engine_attach.h"
#include "engine_load.h"
#include "engine_record.h"
#include "cgroup_records.h"
#include "cgroup_paths.h"
#include "file_ring.h"
#include "pcapng.h"
#include "privs.h"
#include "proc_sockets.h"
#include "read_merge.h"
#include "record_writer.h"
#include "ring_wait.h"
#include "sock_names.h"
#include "sock_summary.h"
#include "udsdump.skel.h"

static volatile sig_atomic_t stop_requested;

void capture_request_stop(void)
{
	stop_requested = 1;
}

/* The traffic we capture can keep every CPU busy (its senders are
 * runnable all the time), and the fair scheduler then gives us one share
 * among them: too little to drain the ring, and the kernel drops records
 * (measured: 64 connections from 4 processes on 2 CPUs lost 18% at nice 0,
 * nothing at -10, at the same message rate). So take a higher priority
 * while we still may (CAP_SYS_NICE: root), unless the user chose a nice
 * value; without the privilege we stay as we are. */
#define CAPTURE_NICE (-10)

static void raise_priority(void)
{
	errno = 0;
	int cur = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && cur == 0)
		(void)setpriority(PRIO_PROCESS, 0, CAPTURE_NICE);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || getenv("UDSDUMP_LIBBPF_QUIET"))
		return 0;
	if (level == LIBBPF_INFO && !getenv("UDSDUMP_LIBBPF_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* ---- the capture ----------------------------------------------------- */

void capture_stop_on_signals(void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed reader shows up as EPIPE */
}

bool capture_output_hung_up(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

#define MAX_PENDING_CMSG 16

struct capture {
	const struct capture_options *o;
	int out_fd;
	uint32_t file_seq;		/* files begun so far (-C, -G: one more each) */
	int64_t start_real, start_mono; /* CLOCK_REALTIME, CLOCK_MONOTONIC ns */
	struct ring_buffer *rb;		/* the steady ring */
	struct ring_buffer *rb_spill;	/* the spill ring, NULL if none */
	struct ring_wait wait;		/* for the kernel's wakeups, between drains */
	struct engine engine;
	struct udsdump_bpf *skel; /* engine.skel */
	bool stats_unreadable;    /* said so once */
	uint64_t skipped_runs;    /* in lost_records too (read_skipped_runs) */
	int64_t skipped_read_ns;  /* when they were last read (CLOCK_MONOTONIC) */
	struct pcapng_writer w;
	const char *out_name;
	struct file_ring *ring;   /* NULL: one file */
	int64_t file_opened_mono; /* when the current file was started */
	bool file_holds_records;  /* of the kernel's, beyond the header's */
	size_t rec_cap; /* the largest record: the room asked of the writer */
	int64_t boot_to_real_ns;
	GHashTable *existing;
	struct sock_summaries *summary; /* --summary's table */
	struct peer_cache peers;
	struct uds_cmsg_event *pending[MAX_PENDING_CMSG];
	struct uds_dest_event *dests[MAX_PENDING_CMSG]; /* of messages in progress */
	struct sock_names *names; /* socket inode -> its names, by generation */
	struct read_merge *merge; /* --recv merged: reads held for a pass, else NULL */
	struct cgroup_records *cgroups; /* which CGROUP records are due */
	uint64_t data_records;  /* DATA records written (for -c) */
	uint64_t kernel_records; /* records written from kernel events (ISB ifrecv) */
	uint64_t spilled;	 /* events read from the spill ring */
	uint64_t lost_records, lost_bytes; /* as reported in-band so far */
	int write_errno;
	bool write_said; /* the error is already told */
	bool done;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Offset from CLOCK_BOOTTIME (what bpf_ktime_get_boot_ns reads) to wall
 * clock; the tightest of a few samples. */
static int64_t boot_to_realtime(void)
{
	int64_t best = 0, best_span = INT64_MAX;

	for (int i = 0; i < 5; i++) {
		int64_t r1 = clock_ns(CLOCK_REALTIME);
		int64_t b = clock_ns(CLOCK_BOOTTIME);
		int64_t r2 = clock_ns(CLOCK_REALTIME);
		if (r2 - r1 < best_span) {
			best_span = r2 - r1;
			best = (r1 + (r2 - r1) / 2) - b;
		}
	}
	return best;
}

/* Where the next record is built: straight in the pcapng writer's buffer,
 * so it is not copied again. NULL once writing has failed. */
static uint8_t *record_space(struct capture *c)
{
	uint8_t *space;

	if (c->write_errno)
		return NULL;
	space = pcapng_packet_space(&c->w, (uint32_t)c->rec_cap);
	if (!space)
		c->write_errno = c->w.error ? c->w.error : EIO;
	return space;
}

/* Commit the record of len bytes built at record_space(); task: whose
 * record it is (the sender of DATA, the reader of RECV), or NULL for the
 * writer's own records. */
static void write_record(struct capture *c, uint64_t ts_boot, size_t len, uint32_t dir,
			 const struct pcapng_task *task)
{
	if (c->write_errno || !len)
		return;
	pcapng_commit_packet(&c->w, (uint64_t)((int64_t)ts_boot + c->boot_to_real_ns), (uint32_t)len,
			     (uint32_t)len, dir, task);
}

static struct uds_cmsg_event *take_pending(struct capture *c, uint32_t tid, uint64_t ino)
{
	for (int i = 0; i < MAX_PENDING_CMSG; i++) {
		struct uds_cmsg_event *p = c->pending[i];
		if (p && p->tid == tid && p->sock_ino == ino) {
			c->pending[i] = NULL;
			return p;
		}
	}
	return NULL;
}

static void keep_pending(struct capture *c, const void *data, size_t size)
{
	struct uds_cmsg_event *copy = g_malloc0(sizeof(*copy));
	int slot = 0;

	memcpy(copy, data, size < sizeof(*copy) ? size : sizeof(*copy));
	/* Replace one of the same thread, else a free slot, else the first. */
	for (int i = 0; i < MAX_PENDING_CMSG; i++) {
		if (!c->pending[i] || c->pending[i]->tid == copy->tid) {
			slot = i;
			break;
		}
	}
	g_free(c->pending[slot]);
	c->pending[slot] = copy;
}

/* The destination of the message in progress on (tid, ino), copied into
 * out; forgotten with the message's last record. */
static bool dest_of(struct capture *c, uint32_t tid, uint64_t ino, bool last, struct uds_addr *out)
{
	for (int i = 0; i < MAX_PENDING_CMSG; i++) {
		struct uds_dest_event *d = c->dests[i];
		if (d && d->tid == tid && d->sock_ino == ino) {
			*out = d->dest_addr;
			if (last) {
				g_free(d);
				c->dests[i] = NULL;
			}
			return true;
		}
	}
	return false;
}

static void keep_dest(struct capture *c, const struct uds_dest_event *e)
{
	int slot = 0;

	for (int i = 0; i < MAX_PENDING_CMSG; i++) {
		if (!c->dests[i] || c->dests[i]->tid == e->tid) {
			slot = i;
			break;
		}
	}
	g_free(c->dests[slot]);
	c->dests[slot] = g_memdup2(e, sizeof(*e));
}

/* A generation of names ends at this many sockets, at most once per
 * NAMES_GENERATION_NS (sock_names.h); UDSDUMP_NAMES_MAX (tests) lowers
 * the size and drops the period. */
#define NAMES_GENERATION_NS (10LL * 1000000000LL)
#define NAMES_GENERATION_MAX 4096

static void keep_names(struct capture *c, const struct uds_sockinfo_event *e)
{
	if (sock_names_keep(c->names, e, clock_ns(CLOCK_MONOTONIC)))
		c->skel->bss->names_epoch++;
}

/* The CGROUP records due before ev's record: its task's cgroup and its
 * peer task's (names: the socket's, with its peer), named once per file
 * and every 10 s. */
static void write_cgroup_records(struct capture *c, const struct uds_event *ev, const struct uds_sock_names *names)
{
	const struct uds_peer_ident *pi = names ? &names->ident : NULL;
	const struct uds_task_ident *task = uds_sock_names_task_of(names, ev);
	uint64_t ids[2] = { task ? task->cgroup_id : 0, pi && pi->peer_pid ? pi->peer_ns.cgroup_id : 0 };
	struct uds_cgroup_facts f;

	for (int i = 0; i < 2; i++) {
		if (!cgroup_record_due(c->cgroups, ids[i], (int64_t)ev->ts_boot_ns, &f))
			continue;
		uint8_t *space = record_space(c);
		write_record(c, ev->ts_boot_ns, space ? uds_record_cgroup(&f, space, c->rec_cap) : 0, 0,
			     NULL);
	}
}

/* A cgroup made: its path, for the records of its tasks. */
static void learn_cgroup(struct capture *c, const struct uds_cgroup_event *ev)
{
	char path[UDS_CGROUP_PATH_MAX + 1];

	if (ev->path_len >= UDS_CGROUP_PATH_MAX)
		return; /* cut: the walk of the cgroup file system names it */
	memcpy(path, ev->path, ev->path_len);
	path[ev->path_len] = 0;
	cgroup_records_learn(c->cgroups, ev->cgroup_id, path);
}

static void next_file_if_full(struct capture *c, size_t event_size);

/* The kernel has just written the event on another CPU: each of its cache
 * lines is a miss here, and taken one at a time as the fields are read
 * they are paid in turn. Ask for all of them at once (the header's line
 * is already here: libbpf read the length). Not the next event's: it may
 * still be being written, and taking its lines would stall the sender. */
#define PREFETCH_BYTES 512
static inline void prefetch_event(const void *data, size_t size)
{
	const char *p = data;
	size_t n = size < PREFETCH_BYTES ? size : PREFETCH_BYTES;

	for (size_t off = 64; off < n; off += 64)
		__builtin_prefetch(p + off);
}

/* A socket's peer identity (PEER_CRED, PEER_TASK and their _NS TLVs: 96
 * of a record's bytes) and SOCK_NS (36 more) are written in its first
 * record of each file, after the kernel tells them again (new or
 * changed), and every PEER_IDENTITY_EVERY_NS; the socket's records in
 * between say "as before" (UDS_F_PEER_AS_BEFORE). Only when the kernel
 * names a peer task: a peer learned from /proc is written every time,
 * and SOCK_NS with it. */
#define PEER_IDENTITY_EVERY_NS (10 * 1000000000LL)
static bool peer_identity_due(struct capture *c, struct uds_sock_names *n, uint64_t ts)
{
	if (!n->peer_tlv_len || !n->ident.peer_pid)
		return true;
	if (n->peer_file == c->file_seq && ts >= n->peer_written_ns &&
	    ts - n->peer_written_ns < (uint64_t)PEER_IDENTITY_EVERY_NS)
		return false;
	n->peer_file = c->file_seq;
	n->peer_written_ns = ts;
	return true;
}

/* The record of a traffic event, with its socket's names and peer and the
 * CGROUP records due before it; reads: the n >= 2 reads a merged RECV
 * stands for (read_merge.c), else NULL. */
static void write_traffic(struct capture *c, const struct uds_event *ev, const uint8_t *payload,
			  const struct uds_addr *dest, const struct uds_cmsg_event *cm, uint32_t extra,
			  const struct uds_read *reads, uint32_t n)
{
	struct uds_sock_names *names = sock_names_lookup(c->names, ev->sock_ino);
	struct uds_peer_hint hint = { 0 };

	if (!(names && names->ident.peer_pid) && ev->peer_ino) {
		const struct proc_owner *po = peer_cache_lookup(&c->peers, ev->peer_ino);
		if (po) {
			hint.pid = po->pid;
			memcpy(hint.comm, po->comm, UDS_COMM_LEN);
		}
	}
	if (c->ring)
		next_file_if_full(c, sizeof(*ev) + ev->data_len + (size_t)n * UDS_READS_ENTRY_LEN);
	if (names && !peer_identity_due(c, names, ev->ts_boot_ns))
		extra |= UDS_F_PEER_AS_BEFORE; /* (in the file the record goes to) */
	write_cgroup_records(c, ev, names);
	uint8_t *space = record_space(c);
	size_t len = space ? uds_record_from_event(ev, payload, names, dest, cm, hint.pid ? &hint : NULL,
						   extra, space, c->rec_cap)
			   : 0;
	if (len && n >= 2)
		len = uds_record_add_reads(space, len, c->rec_cap, reads, n);
	const struct uds_task_ident *who = uds_sock_names_task_of(names, ev);
	struct pcapng_task task = { .pid = who ? who->pid : 0, .tid = ev->tid };
	write_record(c, ev->ts_boot_ns, len,
		     ev->event == UDS_EV_RECV	? PCAPNG_DIR_INBOUND
		     : ev->event == UDS_EV_DATA ? PCAPNG_DIR_OUTBOUND
						: 0,
		     &task);
	c->file_holds_records = true;
}

/* read_merge's writer: a socket's held reads, as one record. */
static void write_merged_reads(void *ctx, const struct uds_event *ev, const struct uds_read *reads,
			       uint32_t n)
{
	write_traffic(ctx, ev, NULL, NULL, NULL, 0, reads, n);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	uint16_t kind;

	if (c->done || size < sizeof(uint16_t))
		return 0;
	prefetch_event(data, size);
	memcpy(&kind, data, sizeof(kind));
	if (kind == UDS_RING_CMSG) {
		if (size >= sizeof(struct uds_cmsg_event) - sizeof(((struct uds_cmsg_event *)0)->fds))
			keep_pending(c, data, size);
		return 0;
	}
	if (kind == UDS_RING_SOCKINFO) {
		if (size < sizeof(struct uds_sockinfo_event))
			return 0;
		if (c->merge) /* its held reads with the names they were made under */
			read_merge_flush(c->merge, ((const struct uds_sockinfo_event *)data)->sock_ino);
		keep_names(c, data);
		return 0;
	}
	if (kind == UDS_RING_DEST) {
		if (size >= sizeof(struct uds_dest_event))
			keep_dest(c, data);
		return 0;
	}
	if (kind == UDS_RING_CGROUP) {
		if (size >= sizeof(struct uds_cgroup_event))
			learn_cgroup(c, data);
		return 0;
	}
	if (kind != UDS_RING_DATA || size < sizeof(struct uds_event))
		return 0;

	const struct uds_event *ev = data;
	const uint8_t *payload = (const uint8_t *)data + sizeof(*ev);
	struct uds_event copy;
	uint32_t extra = 0;
	struct uds_cmsg_event *cm = NULL;

	/* the runtime's replies to udsdump's own questions (names) */
	if (cgroup_records_own_socket(c->cgroups, ev->sock_ino) || cgroup_records_own_socket(c->cgroups, ev->peer_ino))
		return 0;
	if (ev->data_len > size - sizeof(*ev)) {
		/* cannot happen with our BPF object; never trust it anyway */
		copy = *ev;
		copy.data_len = (uint16_t)(size - sizeof(*ev));
		ev = &copy;
	}
	if ((ev->flags & UDS_F_FIRST_SEEN)) {
		gint64 key = (gint64)ev->sock_ino;
		if (g_hash_table_contains(c->existing, &key))
			extra |= UDS_F_JOINED_MIDSTREAM;
	}
	if ((ev->event == UDS_EV_DATA || ev->event == UDS_EV_RECV) && ev->msg_offset == 0)
		cm = take_pending(c, ev->tid, ev->sock_ino);
	struct uds_addr dest_buf;
	const struct uds_addr *dest = NULL;
	if (ev->event == UDS_EV_DATA &&
	    dest_of(c, ev->tid, ev->sock_ino, !(ev->flags & UDS_F_MORE), &dest_buf))
		dest = &dest_buf;
	if (c->merge && !cm && read_merge_eligible(ev, extra)) {
		read_merge_hold(c->merge, ev); /* written at the end of the pass */
	} else {
		if (c->merge && ev->event != UDS_EV_DATA) {
			/* its socket's reads (a SHUTDOWN's: its peer's) before it */
			read_merge_flush(c->merge, ev->sock_ino);
			read_merge_flush(c->merge, ev->peer_ino);
		}
		write_traffic(c, ev, payload, dest, cm, extra, NULL, 0);
	}
	g_free(cm);
	c->kernel_records++;
	if (c->o->summary)
		sock_summaries_account(c->summary, ev, sock_names_lookup(c->names, ev->sock_ino), dest);
	if (ev->event == UDS_EV_DATA) {
		c->data_records++;
		if (c->o->count && c->data_records >= c->o->count && !(ev->flags & UDS_F_MORE)) {
			c->done = true;
			return 1; /* stop consuming */
		}
	}
	return 0;
}

/* An event of the spill ring: counted, so -v can say how much a burst
 * put there. */
static int on_spill_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;

	c->spilled++;
	return on_event(ctx, data, size);
}

static void read_kernel_stats(struct capture *c, struct uds_kernel_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct uds_kernel_stats *per = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*per));
	uint32_t zero = 0;

	memset(out, 0, sizeof(*out));
	if (!per)
		return;
	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.stats), &zero, per) != 0) {
		if (!c->stats_unreadable)
			fprintf(stderr, "udsdump: cannot read the kernel's loss counters (%s): "
					"LOSS records will be missing\n", strerror(errno));
		c->stats_unreadable = true;
	} else {
		for (int i = 0; i < ncpu; i++) {
			out->records_emitted += per[i].records_emitted;
			out->records_lost += per[i].records_lost;
			out->bytes_lost += per[i].bytes_lost;
			out->sends_seen += per[i].sends_seen;
			out->cmsg_lost += per[i].cmsg_lost;
			out->info_lost += per[i].info_lost;
		}
	}
	free(per);
}

/* Runs of our programs the kernel skipped: a tracepoint that fires on a CPU
 * where our program is already running (preempted mid-run by the task now
 * hitting it: PREEMPT_LAZY, sid's 7.x) does not run it again, and counts a
 * recursion miss (5.12+). Each is a send or read never seen: a lost record
 * whose bytes nobody counted, and whose socket's later offsets are short
 * by them. */
static uint64_t read_skipped_runs(struct capture *c)
{
	struct bpf_program *prog;
	uint64_t skipped = 0;

	bpf_object__for_each_program(prog, c->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			skipped += info.recursion_misses;
	}
	return skipped;
}

/* How often the skipped runs are asked for while capturing: one
 * bpf() call per program, so not on every pass of the ring loop. */
#define SKIPPED_RUNS_INTERVAL_NS (200 * 1000 * 1000LL)

/* Turn new kernel-side losses into an in-band LOSS record: records the
 * ring had no room for, and runs the kernel skipped (counted as records,
 * their bytes unknown; asked for every SKIPPED_RUNS_INTERVAL_NS, and at
 * the end). */
static void report_loss(struct capture *c, bool final)
{
	struct uds_kernel_stats st;
	int64_t now = clock_ns(CLOCK_MONOTONIC);

	read_kernel_stats(c, &st);
	if (final || now - c->skipped_read_ns >= SKIPPED_RUNS_INTERVAL_NS) {
		c->skipped_runs = read_skipped_runs(c);
		c->skipped_read_ns = now;
	}
	st.records_lost += c->skipped_runs;
	if (st.records_lost == c->lost_records)
		return;
	uint8_t *space = record_space(c);
	size_t len = space ? uds_record_loss(st.records_lost - c->lost_records, st.bytes_lost - c->lost_bytes,
					     st.records_lost, st.bytes_lost, space, c->rec_cap)
			   : 0;
	c->lost_records = st.records_lost;
	c->lost_bytes = st.bytes_lost;
	write_record(c, (uint64_t)clock_ns(CLOCK_BOOTTIME), len, 0, NULL);
}

/* The in-band ENGINE record: the first record of the file, then again every
 * ENGINE_RECORD_INTERVAL_NS (doc/FORMAT.md, "Engine records"). */
static void write_engine_record(struct capture *c)
{
	uint8_t *space = record_space(c);
	size_t len = space ? engine_record_build(&c->engine, space, c->rec_cap) : 0;

	write_record(c, (uint64_t)clock_ns(CLOCK_BOOTTIME), len, 0, NULL);
}

/* What every file starts with: the section and interface headers, then
 * the ENGINE record; the CGROUP records come again with the first record
 * of each cgroup (doc/FORMAT.md: each file of a ring reads alone). */
static void write_file_start(struct capture *c)
{
	struct utsname un;
	char os[300];

	c->file_seq++;
	if (uname(&un) == 0)
		snprintf(os, sizeof(os), "%s %s %s", un.sysname, un.release, un.machine);
	else
		snprintf(os, sizeof(os), "Linux");
	pcapng_write_header(&c->w, os, "udsdump " UDSDUMP_VERSION, UDS_LINKTYPE, 0, "udsdump",
			    "Unix domain sockets (udsdump)");
	write_engine_record(c);
	if (pcapng_flush(&c->w) != 0)
		c->write_errno = c->w.error;
	c->file_opened_mono = clock_ns(CLOCK_MONOTONIC);
	c->file_holds_records = false;
}

/* Close the current file with its statistics and go on in the ring's
 * next one. A file that cannot be made ends the capture, said once. */
static void next_file(struct capture *c)
{
	char err[512];
	int fd;

	pcapng_write_stats(&c->w, (uint64_t)clock_ns(CLOCK_REALTIME), (uint64_t)c->start_real,
			   c->kernel_records, c->lost_records);
	if (pcapng_flush(&c->w) != 0) {
		c->write_errno = c->w.error;
		return;
	}
	fd = file_ring_open_next(c->ring, time(NULL), err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "udsdump: %s\n", err);
		c->write_errno = -fd;
		c->write_said = true;
		return;
	}
	close(c->out_fd);
	c->out_fd = fd;
	c->out_name = file_ring_current(c->ring);
	pcapng_reopen(&c->w, fd);
	cgroup_records_new_file(c->cgroups);
	write_file_start(c);
}

/* A CGROUP record with the longest path, in its EPB. */
#define CGROUP_RECORD_ROOM (UDS_REC_HDR_LEN + 4096 + 256)

/* -C: before the records of an event of event_size bytes, a new file if
 * they could take this one past its size. */
static void next_file_if_full(struct capture *c, size_t event_size)
{
	uint64_t in_file = c->w.committed + c->w.len;
	uint64_t next = event_size + UDS_RECORD_META_MAX + 2 * CGROUP_RECORD_ROOM;

	if (!c->write_errno &&
	    file_ring_due(c->ring, in_file, next, c->file_holds_records, c->file_opened_mono, c->file_opened_mono))
		next_file(c);
}

/* -G: a new file once the current one has been open long enough. */
static void next_file_if_old(struct capture *c)
{
	if (c->ring && !c->write_errno &&
	    file_ring_due(c->ring, 0, 0, false, c->file_opened_mono, clock_ns(CLOCK_MONOTONIC)))
		next_file(c);
}

static int add_path_filter(struct capture *c, const char *p)
{
	struct uds_name_key key;
	uint8_t one = 1;
	size_t n;
	int mfd = bpf_map__fd(c->skel->maps.path_names);

	memset(&key, 0, sizeof(key));
	if (p[0] == '@') {
		key.kind = UDS_ADDR_ABSTRACT;
		p++;
	} else {
		key.kind = UDS_ADDR_PATHNAME;
	}
	n = strlen(p);
	if (n > UDS_ADDR_MAX)
		n = UDS_ADDR_MAX;
	key.len = (uint16_t)n;
	memcpy(key.name, p, n);
	if (bpf_map_update_elem(mfd, &key, &one, BPF_ANY))
		return -errno;
	if (key.kind == UDS_ADDR_PATHNAME) {
		struct stat st;
		char *real = realpath(p, NULL);
		if (real && strcmp(real, p) != 0 && strlen(real) <= UDS_ADDR_MAX) {
			memset(key.name, 0, sizeof(key.name));
			key.len = (uint16_t)strlen(real);
			memcpy(key.name, real, key.len);
			bpf_map_update_elem(mfd, &key, &one, BPF_ANY);
		}
		free(real);
		/* The socket file by its directory and name: matches however the
		 * socket was bound, even if it is bound after we start. */
		char *slash = strrchr(p, '/');
		if (slash && slash[1]) {
			char *dir = g_strndup(p, (gsize)(slash - p));
			struct stat dst;
			if (stat(*dir ? dir : "/", &dst) == 0 && S_ISDIR(dst.st_mode)) {
				struct uds_dirent_key dk;
				memset(&dk, 0, sizeof(dk));
				dk.dev = ((uint64_t)major(dst.st_dev) << 20) | minor(dst.st_dev);
				dk.dir_ino = dst.st_ino;
				dk.len = (uint32_t)strlen(slash + 1);
				if (dk.len <= UDS_ADDR_MAX) {
					memcpy(dk.name, slash + 1, dk.len);
					if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.path_dirents), &dk,
								&one, BPF_ANY)) {
						g_free(dir);
						return -errno;
					}
				}
			}
			g_free(dir);
		}
		/* The socket file by identity: any other path to it matches. */
		if (stat(p, &st) == 0 && S_ISSOCK(st.st_mode)) {
			struct uds_file_id id = {
				.dev = ((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev),
				.ino = st.st_ino,
			};
			if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.path_ids), &id, &one, BPF_ANY))
				return -errno;
		}
	}
	return 0;
}

static void print_summary(struct capture *c)
{
	fprintf(stderr, "udsdump: %llu records written, %llu lost\n", (unsigned long long)c->kernel_records,
		(unsigned long long)c->lost_records);
	/* What the kernel side counted: a capture that wrote nothing says here
	 * whether its programs saw no matching send or lost every event. */
	struct uds_kernel_stats st;
	read_kernel_stats(c, &st);
	fprintf(stderr,
		"udsdump: the kernel saw %llu sends and reads that matched the filter and put %llu events "
		"in the ring (%llu lost, and %llu names or control data)\n",
		(unsigned long long)st.sends_seen, (unsigned long long)st.records_emitted,
		(unsigned long long)st.records_lost, (unsigned long long)(st.info_lost + st.cmsg_lost));

	sock_summaries_print(c->summary, stderr);
}

/* The tables and the writer of a capture; false (said) if out of memory. */
static bool capture_init(struct capture *c, const struct capture_options *o, int out_fd,
			 const char *out_name, struct file_ring *ring)
{
	c->o = o;
	c->out_fd = out_fd;
	c->out_name = out_name;
	c->ring = ring;
	c->start_real = clock_ns(CLOCK_REALTIME);
	c->start_mono = clock_ns(CLOCK_MONOTONIC);
	libbpf_set_print(libbpf_print);
	c->existing = read_existing_sockets();
	c->summary = sock_summaries_new();
	/* UDSDUMP_NAMES_MAX: smaller generations, at once (for the tests) */
	const char *names_max = getenv("UDSDUMP_NAMES_MAX");
	if (names_max && atoi(names_max) >= 2)
		c->names = sock_names_new((unsigned)atoi(names_max), 0);
	else
		c->names = sock_names_new(NAMES_GENERATION_MAX, NAMES_GENERATION_NS);
	c->cgroups = cgroup_records_new(NULL);
	c->peers.owner = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	c->rec_cap = UDS_RECORD_META_MAX + UDS_CHUNK_MAX + 64;
	c->boot_to_real_ns = boot_to_realtime();
	if (o->merge_reads)
		c->merge = read_merge_new(write_merged_reads, c);
	if (pcapng_open(&c->w, out_fd, 1 << 20) != 0) {
		fprintf(stderr, "udsdump: out of memory\n");
		return false;
	}
	return true;
}

/* The cgroup filter's path to the id the kernel compares; false: said why. */
static bool resolve_cgroup_filter(struct capture *c)
{
	struct uds_cgroup_paths *p = uds_cgroup_paths_new(NULL);
	char err[512];
	bool ok = uds_cgroup_id_of(p, c->o->cgroup, &c->engine.cgroup_filter_id, err, sizeof(err)) == 0;

	if (!ok)
		fprintf(stderr, "udsdump: %s\n", err);
	uds_cgroup_paths_free(p);
	return ok;
}

/* Load along the ladder, set the path filters, attach, open the ring,
 * then give up what privilege is no longer needed. false: said why. */
static bool capture_start(struct capture *c)
{
	const struct capture_options *o = c->o;

	if (o->cgroup && !resolve_cgroup_filter(c))
		return false;
	if (engine_load(&c->engine, o) != 0)
		return false;
	c->skel = c->engine.skel;
	if (!o->quiet)
		engine_print_line(&c->engine, stderr);
	if (o->verbose)
		engine_print_details(&c->engine, stderr);
	for (int i = 0; i < o->n_paths; i++) {
		if (add_path_filter(c, o->paths[i]) != 0) {
			fprintf(stderr, "udsdump: cannot set the path filter: %s\n", strerror(errno));
			return false;
		}
	}
	int reattached;
	if (engine_attach(&c->engine, &reattached) != 0)
		return false;
	if (reattached && !o->quiet)
		fprintf(stderr,
			"udsdump: the kernel did not run the capture program it had attached; attached it "
			"again (%d time%s)\n",
			reattached, reattached == 1 ? "" : "s");
	uint32_t spill_mb = capture_spill_mb(c->o);
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), on_event, c, NULL);
	if (c->rb && spill_mb)
		c->rb_spill = ring_buffer__new(bpf_map__fd(c->skel->maps.spill), on_spill_event, c, NULL);
	if (!c->rb || (spill_mb && !c->rb_spill) ||
	    ring_wait_open(&c->wait, bpf_map__fd(c->skel->maps.events),
			   spill_mb ? bpf_map__fd(c->skel->maps.spill) : -1,
			   (uint64_t)capture_ring_mb(c->o) << 20) != 0) {
		fprintf(stderr, "udsdump: cannot open the ring buffer: %s\n", strerror(errno));
		return false;
	}
	if (c->o->verbose)
		fprintf(stderr, "udsdump: rings: %u MiB for the steady flow, %u MiB for bursts\n",
			capture_ring_mb(c->o), spill_mb);
	raise_priority();
	if (privs_drop_all_but_bpf() != 0) {
		fprintf(stderr, "udsdump: cannot drop capabilities: %s\n", strerror(errno));
		return false;
	}
	return true;
}

/* The file's header and first ENGINE record, then "capturing". */
static void capture_announce(struct capture *c)
{
	write_file_start(c);
	if (!c->o->quiet)
		fprintf(stderr, "udsdump: capturing Unix socket messages, writing to %s%s\n", c->out_name,
			c->ring ? " and the files after it" : "");
	if (c->o->verbose)
		fprintf(stderr, "udsdump: %.3f s from start to capturing\n",
			(double)(clock_ns(CLOCK_MONOTONIC) - c->start_mono) / 1e9);
}

/* Read both rings in the order their events happened. While spilling,
 * the steady ring holds what came before the spill: it goes first; once
 * the spill ring is found empty the kernel goes back to the steady ring.
 * Otherwise the spill ring can only hold what a program put there just
 * before spilling ended: older than the steady ring's, so first too.
 * (Programs on two CPUs at the moment of a switch can still land an event
 * in either ring, out of order by that much.) */
static int drain_rings(struct capture *c)
{
	int err;

	if (!c->rb_spill)
		return ring_buffer__consume(c->rb);
	if (!c->skel->bss->spilling) {
		err = ring_buffer__consume(c->rb_spill);
		return err < 0 || c->done ? err : ring_buffer__consume(c->rb);
	}
	err = ring_buffer__consume(c->rb);
	if (err < 0 || c->done)
		return err;
	err = ring_buffer__consume(c->rb_spill);
	if (err == 0) {
		c->skel->bss->spilling = 0;
		err = ring_buffer__consume(c->rb_spill); /* put there meanwhile */
	}
	return err;
}

/* Drain the ring until asked to stop, the count or duration is reached,
 * the output fails or its reader goes away. Readers that stop reading
 * before they stop us (Wireshark closes the FIFO, then sends SIGTERM)
 * still get recent statistics. */
static void capture_loop(struct capture *c)
{
	const struct capture_options *o = c->o;
	int64_t last_isb = c->start_mono, last_engine = clock_ns(CLOCK_MONOTONIC);

	while (!stop_requested && !c->done && !c->write_errno) {
		int err = ring_wait(&c->wait, 10);
		if (err >= 0 && !c->done)
			err = drain_rings(c);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "udsdump: reading the ring buffer: %s\n", strerror(-err));
			break;
		}
		if (c->merge)
			read_merge_flush_all(c->merge); /* before the names of idle sockets go */
		report_loss(c, false);
		sock_names_retire(c->names, clock_ns(CLOCK_MONOTONIC));
		next_file_if_old(c);
		if (clock_ns(CLOCK_MONOTONIC) - last_engine >= ENGINE_RECORD_INTERVAL_NS) {
			last_engine = clock_ns(CLOCK_MONOTONIC);
			write_engine_record(c);
		}
		if (o->isb_interval > 0 && !c->write_errno &&
		    clock_ns(CLOCK_MONOTONIC) - last_isb >= (int64_t)(o->isb_interval * 1e9)) {
			last_isb = clock_ns(CLOCK_MONOTONIC);
			pcapng_write_stats(&c->w, (uint64_t)clock_ns(CLOCK_REALTIME), (uint64_t)c->start_real,
					   c->kernel_records, c->lost_records);
		}
		if (!c->write_errno && pcapng_flush(&c->w) != 0)
			c->write_errno = c->w.error;
		if (o->duration > 0 && (double)(clock_ns(CLOCK_MONOTONIC) - c->start_mono) / 1e9 >= o->duration)
			break;
		if (c->w.is_pipe && capture_output_hung_up(c->out_fd, 0)) {
			c->write_errno = EPIPE; /* the reader went away: a normal end */
			break;
		}
	}
}

/* Detach, drain what is already in the ring, write the last statistics.
 * The exit status. */
static int capture_finish(struct capture *c)
{
	udsdump_bpf__detach(c->skel);
	if (!c->done && !c->write_errno)
		drain_rings(c);
	if (c->merge)
		read_merge_flush_all(c->merge);
	report_loss(c, true);
	if (c->skipped_runs)
		fprintf(stderr, "udsdump: %llu sends and reads were not seen: the kernel skipped the capture on a "
				"CPU where it was already running; counted as lost records (their bytes are "
				"missing without a gap)\n",
			(unsigned long long)c->skipped_runs);
	if (!c->write_errno) {
		pcapng_write_stats(&c->w, (uint64_t)clock_ns(CLOCK_REALTIME), (uint64_t)c->start_real,
				   c->kernel_records, c->lost_records);
		if (pcapng_flush(&c->w) != 0)
			c->write_errno = c->w.error;
	}
	int status = 0;
	if (c->write_errno && c->write_errno != EPIPE) { /* EPIPE: the reader went away, a normal end */
		if (!c->write_said)
			fprintf(stderr, "udsdump: writing %s: %s\n", c->out_name, strerror(c->write_errno));
		status = 1;
	}
	if (c->o->verbose && c->rb_spill)
		fprintf(stderr,
			"udsdump: %llu events went through the spill ring (the steady one was full)\n",
			(unsigned long long)c->spilled);
	if (c->o->verbose)
		fprintf(stderr, "udsdump: %llu passes over the rings, %llu of them woken by the kernel\n",
			(unsigned long long)c->wait.passes, (unsigned long long)c->wait.woken);
	if (c->o->summary)
		print_summary(c);
	return status;
}

static void capture_free(struct capture *c)
{
	ring_buffer__free(c->rb);
	ring_buffer__free(c->rb_spill);
	ring_wait_close(&c->wait);
	engine_destroy(&c->engine);
	for (int i = 0; i < MAX_PENDING_CMSG; i++) {
		g_free(c->pending[i]);
		g_free(c->dests[i]);
	}
	sock_names_free(c->names);
	read_merge_free(c->merge);
	cgroup_records_free(c->cgroups);
	pcapng_free(&c->w);
	g_hash_table_destroy(c->existing);
	sock_summaries_free(c->summary);
	g_hash_table_destroy(c->peers.owner);
	if (c->ring && c->out_fd >= 0)
		close(c->out_fd); /* the ring's files are the capture's own */
}

int capture_run(const struct capture_options *o, int out_fd, const char *out_name,
		struct file_ring *ring)
{
	struct capture c = { .wait.epfd = -1 };
	int status = 1;

	if (capture_init(&c, o, out_fd, out_name, ring) && capture_start(&c)) {
		capture_announce(&c);
		capture_loop(&c);
		status = capture_finish(&c);
	}
	capture_free(&c);
	return status;
}
