// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcapng.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_ISB 0x00000005u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define OPT_SHB_OS 3
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_DESCRIPTION 3
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
#define OPT_EPB_PROCESSID_THREADID 8
#define OPT_ISB_STARTTIME 2
#define OPT_ISB_ENDTIME 3
#define OPT_ISB_IFRECV 4
#define OPT_ISB_IFDROP 5

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int reserve(struct pcapng_writer *w, size_t n)
{
	if (w->len + n <= w->cap)
		return 0;
	if (w->len && pcapng_flush(w))
		return -1;
	if (n > w->cap) {
		uint8_t *nb = realloc(w->buf, n);
		if (!nb)
			return -1;
		w->buf = nb;
		w->cap = n;
	}
	return 0;
}

static void put(struct pcapng_writer *w, const void *p, size_t n)
{
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put32(struct pcapng_writer *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put16(struct pcapng_writer *w, uint16_t v)
{
	put(w, &v, 2);
}

static void put_zero(struct pcapng_writer *w, size_t n)
{
	memset(w->buf + w->len, 0, n);
	w->len += n;
}

static size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

static void put_opt(struct pcapng_writer *w, uint16_t code, const void *p, size_t n)
{
	put16(w, code);
	put16(w, (uint16_t)n);
	put(w, p, n);
	put_zero(w, pad4(n) - n);
}

int pcapng_open(struct pcapng_writer *w, int fd, size_t bufsize)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = bufsize;
	w->buf = malloc(bufsize);
	if (!w->buf)
		return -ENOMEM;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		w->is_pipe = 1;
	return 0;
}

void pcapng_reopen(struct pcapng_writer *w, int fd)
{
	struct stat st;

	w->fd = fd;
	w->len = 0;
	w->committed = 0;
	w->error = 0;
	w->is_pipe = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
}

int pcapng_write_header(struct pcapng_writer *w, const char *os, const char *appl, uint16_t linktype,
			uint32_t snaplen, const char *if_name, const char *if_descr)
{
	size_t shb_len = 28 + opt_size(strlen(os)) + opt_size(strlen(appl)) + 4;
	size_t idb_len = 20 + opt_size(strlen(if_name)) + opt_size(strlen(if_descr)) + opt_size(1) + 4;
	uint8_t tsresol = 9; /* nanoseconds */

	if (reserve(w, shb_len + idb_len))
		return -1;
	put32(w, BT_SHB);
	put32(w, (uint32_t)shb_len);
	put32(w, BYTE_ORDER_MAGIC);
	put16(w, 1);
	put16(w, 0);
	put32(w, 0xffffffffu); /* section length unknown */
	put32(w, 0xffffffffu);
	put_opt(w, OPT_SHB_OS, os, strlen(os));
	put_opt(w, OPT_SHB_USERAPPL, appl, strlen(appl));
	put32(w, OPT_ENDOFOPT);
	put32(w, (uint32_t)shb_len);

	put32(w, BT_IDB);
	put32(w, (uint32_t)idb_len);
	put16(w, linktype);
	put16(w, 0);
	put32(w, snaplen);
	put_opt(w, OPT_IF_NAME, if_name, strlen(if_name));
	put_opt(w, OPT_IF_DESCRIPTION, if_descr, strlen(if_descr));
	put_opt(w, OPT_IF_TSRESOL, &tsresol, 1);
	put32(w, OPT_ENDOFOPT);
	put32(w, (uint32_t)idb_len);
	return 0;
}

static size_t epb_len(uint32_t len, bool with_task)
{
	return 28 + pad4(len) + opt_size(4) + (with_task ? opt_size(8) : 0) + 4 + 4;
}

uint8_t *pcapng_packet_space(struct pcapng_writer *w, uint32_t max_len)
{
	if (reserve(w, epb_len(max_len, true)))
		return NULL;
	return w->buf + w->len + 28; /* after the EPB header */
}

void pcapng_commit_packet(struct pcapng_writer *w, uint64_t ts_ns, uint32_t len, uint32_t orig_len,
			  uint32_t epb_flags, const struct pcapng_task *task)
{
	bool with_task = task && task->pid;
	size_t blen = epb_len(len, with_task);
	size_t start = w->len;

	put32(w, BT_EPB);
	put32(w, (uint32_t)blen);
	put32(w, 0); /* interface 0 */
	put32(w, (uint32_t)(ts_ns >> 32));
	put32(w, (uint32_t)ts_ns);
	put32(w, len);
	put32(w, orig_len);
	w->len = start + 28 + len; /* the data is already in place */
	put_zero(w, pad4(len) - len);
	put_opt(w, OPT_EPB_FLAGS, &epb_flags, 4);
	if (with_task) {
		uint32_t ids[2] = { task->pid, task->tid };
		put_opt(w, OPT_EPB_PROCESSID_THREADID, ids, 8);
	}
	put32(w, OPT_ENDOFOPT);
	put32(w, (uint32_t)blen);
}

int pcapng_write_stats(struct pcapng_writer *w, uint64_t ts_ns, uint64_t start_ns, uint64_t recv,
		       uint64_t drop)
{
	size_t blen = 20 + 4 * opt_size(8) + 4 + 4;
	uint32_t t[2];

	if (reserve(w, blen))
		return -1;
	put32(w, BT_ISB);
	put32(w, (uint32_t)blen);
	put32(w, 0);
	put32(w, (uint32_t)(ts_ns >> 32));
	put32(w, (uint32_t)ts_ns);
	t[0] = (uint32_t)(start_ns >> 32);
	t[1] = (uint32_t)start_ns;
	put_opt(w, OPT_ISB_STARTTIME, t, 8);
	t[0] = (uint32_t)(ts_ns >> 32);
	t[1] = (uint32_t)ts_ns;
	put_opt(w, OPT_ISB_ENDTIME, t, 8);
	put_opt(w, OPT_ISB_IFRECV, &recv, 8);
	put_opt(w, OPT_ISB_IFDROP, &drop, 8);
	put32(w, OPT_ENDOFOPT);
	put32(w, (uint32_t)blen);
	return 0;
}

/* Length of the complete blocks at the start of buf[0..n). */
static size_t whole_blocks(const uint8_t *buf, size_t n)
{
	size_t off = 0;

	while (off + 12 <= n) {
		uint32_t bl;
		memcpy(&bl, buf + off + 4, 4);
		if (bl < 12 || off + bl > n)
			break;
		off += bl;
	}
	return off;
}

int pcapng_flush(struct pcapng_writer *w)
{
	size_t done = 0;

	if (w->error)
		return -w->error;
	while (done < w->len) {
		ssize_t n = write(w->fd, w->buf + done, w->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->error = n < 0 ? errno : ENOSPC;
			if (!w->is_pipe) {
				/* Keep the file valid: drop the partial block. */
				size_t keep = whole_blocks(w->buf, done);
				if (ftruncate(w->fd, (off_t)(w->committed + keep)) != 0) {
					/* nothing more we can do */
				}
				w->committed += keep;
			}
			w->len = 0;
			return -w->error;
		}
		done += (size_t)n;
	}
	w->committed += w->len;
	w->len = 0;
	return 0;
}

void pcapng_free(struct pcapng_writer *w)
{
	free(w->buf);
	w->buf = NULL;
}
