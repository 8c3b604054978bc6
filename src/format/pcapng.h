/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small pcapng writer for one interface: SHB, IDB, EPBs (built in place)
 * and a closing ISB. Blocks are buffered and written whole; if the disk fills up, the
 * file is cut back to the last complete block so it stays readable.
 */
#ifndef UDSDUMP_PCAPNG_H
#define UDSDUMP_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

struct pcapng_writer {
	int fd;
	int is_pipe;        /* cannot truncate: a FIFO or pipe */
	uint8_t *buf;
	size_t len, cap;
	uint64_t committed; /* bytes known to be in the file */
	int error;          /* errno of the first failed write, 0 if none */
};

#define PCAPNG_DIR_INBOUND 1u
#define PCAPNG_DIR_OUTBOUND 2u

int pcapng_open(struct pcapng_writer *w, int fd, size_t bufsize);
/* Go on writing into another file, fd, from its start (a ring of files:
 * the buffer must have been flushed). */
void pcapng_reopen(struct pcapng_writer *w, int fd);
int pcapng_write_header(struct pcapng_writer *w, const char *os, const char *appl, uint16_t linktype,
			uint32_t snaplen, const char *if_name, const char *if_descr);
/* A packet built in place, without a copy: the space for up to max_len
 * bytes of packet data in the buffer (NULL on a write error), then
 * pcapng_commit_packet() with the length actually written there. Nothing
 * else may be written in between. */
uint8_t *pcapng_packet_space(struct pcapng_writer *w, uint32_t max_len);
/* The task a packet belongs to: the EPB option epb_processid_threadid
 * (code 8), which Wireshark 4.7+ shows as frame.process.* and older
 * readers skip. */
struct pcapng_task {
	uint32_t pid, tid;
};
/* task: NULL (or pid 0) writes no process option. */
void pcapng_commit_packet(struct pcapng_writer *w, uint64_t ts_ns, uint32_t len, uint32_t orig_len,
			  uint32_t epb_flags, const struct pcapng_task *task);
int pcapng_write_stats(struct pcapng_writer *w, uint64_t ts_ns, uint64_t start_ns, uint64_t recv,
		       uint64_t drop);
/* Write buffered blocks; 0 or -errno. */
int pcapng_flush(struct pcapng_writer *w);
void pcapng_free(struct pcapng_writer *w);

#endif
