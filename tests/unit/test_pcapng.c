// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the pcapng writer (src/format/pcapng.c): packets built in
 * place make blocks whose lengths walk the file exactly, with every data
 * length's padding; and a full disk (a file size limit stands for it)
 * leaves only whole blocks in the file, so it stays readable.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng.h"

#include "check.h"

static uint8_t payload[20000];

static int temp_file(void)
{
	char name[] = "/tmp/udsdump-test-pcapng-XXXXXX";
	int fd = mkstemp(name);

	if (fd >= 0)
		unlink(name);
	return fd;
}

static size_t file_bytes(int fd, uint8_t **out)
{
	struct stat st;

	fstat(fd, &st);
	*out = malloc((size_t)st.st_size + 1);
	return (size_t)pread(fd, *out, (size_t)st.st_size, 0);
}

/* One packet of len bytes of the payload pattern; 0 or the writer's error. */
static int write_packet(struct pcapng_writer *w, uint32_t len, uint64_t ts, uint32_t pid)
{
	struct pcapng_task task = { .pid = pid, .tid = pid + 1 };
	uint8_t *space = pcapng_packet_space(w, len);

	if (!space)
		return w->error;
	memcpy(space, payload, len);
	pcapng_commit_packet(w, ts, len, len + 100, 2, &task);
	return 0;
}

/* Block lengths walk the file to its end, each matched by its trailer:
 * the number of blocks, or -1. *epb_data: the EPBs' data bytes. */
static int count_blocks(const uint8_t *b, size_t n, uint64_t *epb_data)
{
	size_t off = 0;
	int blocks = 0;

	*epb_data = 0;
	while (off < n) {
		uint32_t type, bl, trailer, caplen;
		if (off + 12 > n)
			return -1;
		memcpy(&type, b + off, 4);
		memcpy(&bl, b + off + 4, 4);
		if (bl < 12 || bl % 4 || off + bl > n)
			return -1;
		memcpy(&trailer, b + off + bl - 4, 4);
		if (trailer != bl)
			return -1;
		if (type == 6) {
			memcpy(&caplen, b + off + 20, 4);
			if (memcmp(b + off + 28, payload, caplen))
				return -1;
			*epb_data += caplen;
		}
		off += bl;
		blocks++;
	}
	return blocks;
}

static void test_blocks_walk_the_file(void)
{
	int fd = temp_file();
	struct pcapng_writer w;
	uint64_t sent = 0, seen;
	uint8_t *b;

	pcapng_open(&w, fd, 8192); /* smaller than some packets: it grows */
	pcapng_write_header(&w, "Linux", "test", 147, 0, "if", "descr");
	for (uint32_t i = 0; i < 300; i++) {
		uint32_t len = (i * 4099 + i % 4) % sizeof(payload);
		CHECK(write_packet(&w, len, 1000 + i, i % 3) == 0, "packet %u", i);
		sent += len;
	}
	pcapng_write_stats(&w, 5000, 1000, 300, 0);
	CHECK(pcapng_flush(&w) == 0, "flush");
	size_t n = file_bytes(fd, &b);
	CHECK(n == w.committed, "committed %llu of %zu", (unsigned long long)w.committed, n);
	CHECK(count_blocks(b, n, &seen) == 300 + 3, "SHB, IDB, 300 EPBs, ISB: %d", count_blocks(b, n, &seen));
	CHECK(seen == sent, "the EPBs hold every byte: %llu of %llu", (unsigned long long)seen,
	      (unsigned long long)sent);
	pcapng_free(&w);
	free(b);
	close(fd);
}

static void test_full_disk_keeps_whole_blocks(void)
{
	struct rlimit old, lim;
	int fd = temp_file(), err = 0;
	struct pcapng_writer w;
	uint64_t seen;
	uint8_t *b;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 100000;
	setrlimit(RLIMIT_FSIZE, &lim);
	pcapng_open(&w, fd, 1 << 16);
	pcapng_write_header(&w, "Linux", "test", 147, 0, "if", "descr");
	for (int i = 0; i < 40 && !err; i++)
		err = write_packet(&w, 9999, 1, 0);
	if (!err && pcapng_flush(&w) != 0)
		err = w.error;
	setrlimit(RLIMIT_FSIZE, &old);
	size_t n = file_bytes(fd, &b);
	CHECK(err == EFBIG, "the write failed: %s", strerror(err));
	CHECK(n > 0 && n <= 100000 && n == w.committed, "the file is what was committed: %zu", n);
	CHECK(count_blocks(b, n, &seen) > 2, "whole blocks only: %d", count_blocks(b, n, &seen));
	CHECK(pcapng_flush(&w) == -EFBIG, "the error stays");
	pcapng_free(&w);
	free(b);
	close(fd);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + i / 256);
	test_blocks_walk_the_file();
	test_full_disk_keeps_whole_blocks();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
