// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udsdump-floor MODE [FILE]: attach floor.bpf.c's programs (MODE "empty":
 * they return at once; "copy": the least a capture with payload can do;
 * "write": the same, and every record is also appended to FILE through a
 * 1 MiB buffer, the least a capture to a file can do) and drain the ring
 * on a 10 ms timer, as udsdump does, counting records, until
 * SIGINT/SIGTERM. Prints "floor: N records, B bytes" at the end.
 * UDSDUMP_FLOOR_RING_MB=N gives the ring N MiB in place of its 64: a ring's
 * size sets what a ring write costs (bench/README.md, session 14), and
 * udsdump's steady ring is 8 MiB.
 *
 * MODE "write-reads" also puts every read in the ring and the file, as
 * udsdump's defaults do. UDSDUMP_FLOOR_PAD=D,R adds D zero bytes to each
 * send's record in the file and R to each read's: a capture that moves
 * the bytes udsdump's records hold and does none of udsdump's work
 * (bench/redis_overhead.py's floor-sized modes). Neither changes what
 * "write" does without them.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "floor.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;
static unsigned long long records, bytes;
static FILE *out;
static unsigned long pad_send, pad_read; /* UDSDUMP_FLOOR_PAD */
static const char zeros[4096];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	records++;
	bytes += len;
	/* what the record holds: header and payload, not the class's tail */
	const struct floor_event *ev = data;
	size_t head = offsetof(struct floor_event, data);
	size_t keep = len >= head && head + ev->len <= len ? head + ev->len : len;
	if (out && fwrite(data, 1, keep, out) != keep)
		return -EIO;
	unsigned long pad = len == FLOOR_READ_EVENT ? pad_read : pad_send;
	if (out && pad && fwrite(zeros, 1, pad, out) != pad)
		return -EIO;
	return 0;
}

/* UDSDUMP_FLOOR_PAD=D,R: the zero bytes added to each send's and each
 * read's record in the file, each at most 4096. */
static int set_pads(void)
{
	const char *env = getenv("UDSDUMP_FLOOR_PAD");
	char *end;

	if (!env)
		return 0;
	pad_send = strtoul(env, &end, 10);
	if (*end == ',')
		pad_read = strtoul(end + 1, &end, 10);
	if (end == env || *end || pad_send > sizeof(zeros) || pad_read > sizeof(zeros)) {
		fprintf(stderr, "udsdump-floor: UDSDUMP_FLOOR_PAD=%s: not D,R bytes (each 0 to %zu)\n", env,
			sizeof(zeros));
		return -1;
	}
	return 0;
}

/* UDSDUMP_FLOOR_RING_MB: the ring's size in MiB (a power of two), else
 * the object's 64 MiB. */
static int set_ring_size(struct floor_bpf *skel)
{
	const char *mb = getenv("UDSDUMP_FLOOR_RING_MB");
	char *end;

	if (!mb)
		return 0;
	unsigned long n = strtoul(mb, &end, 10);
	if (*end || n == 0 || n > 1024 || (n & (n - 1))) {
		fprintf(stderr,
			"udsdump-floor: UDSDUMP_FLOOR_RING_MB=%s: not a power of two from 1 to 1024\n", mb);
		return -1;
	}
	if (bpf_map__set_max_entries(skel->maps.floor_events, (__u32)(n << 20))) {
		fprintf(stderr, "udsdump-floor: cannot size the ring: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool reads = argc == 3 && strcmp(argv[1], "write-reads") == 0;
	bool write_mode = argc == 3 && (reads || strcmp(argv[1], "write") == 0);
	if (!write_mode && (argc != 2 || (strcmp(argv[1], "empty") && strcmp(argv[1], "copy")))) {
		fprintf(stderr, "usage: udsdump-floor empty|copy|write|write-reads FILE\n");
		return 2;
	}
	if (set_pads())
		return 1;
	if (write_mode) {
		out = fopen(argv[2], "w");
		if (!out || setvbuf(out, NULL, _IOFBF, 1 << 20)) {
			fprintf(stderr, "udsdump-floor: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	}
	struct floor_bpf *skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "udsdump-floor: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->copy_payload = strcmp(argv[1], "empty") != 0;
	skel->rodata->record_reads = reads;
	if (set_ring_size(skel)) {
		floor_bpf__destroy(skel);
		return 1;
	}
	int err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "udsdump-floor: cannot load or attach: %s\n", strerror(-err));
		floor_bpf__destroy(skel);
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_events), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "udsdump-floor: cannot open the ring buffer: %s\n", strerror(errno));
		floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "udsdump-floor: attached (%s, %u MiB ring)", argv[1],
		bpf_map__max_entries(skel->maps.floor_events) >> 20);
	if (pad_send || pad_read)
		fprintf(stderr, " each send's record %lu bytes longer, each read's %lu", pad_send, pad_read);
	fputc('\n', stderr);
	while (!stop) {
		/* the programs never wake us (BPF_RB_NO_WAKEUP): drain on the timer */
		err = ring_buffer__poll(rb, 10);
		if (err >= 0)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR)
			break;
	}
	floor_bpf__detach(skel);
	ring_buffer__consume(rb);
	if (out && fclose(out)) {
		fprintf(stderr, "udsdump-floor: %s: %s\n", argv[2], strerror(errno));
		err = -EIO;
	}
	printf("floor: %llu records, %llu bytes\n", records, bytes);
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return err < 0 && err != -EINTR ? 1 : 0;
}
