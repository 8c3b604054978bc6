// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring of files (src/format/file_ring.c): the names it gives, when a
 * new file is due, and that it keeps exactly the newest N files, in a
 * directory of its own.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "file_ring.h"

static void names(void)
{
	char out[256];
	/* 2026-12-05 01:02:03 UTC; TZ=UTC below */
	time_t t = 1796432523;

	CHECK(file_ring_name("ring.pcapng", true, 1, t, out, sizeof(out)) &&
		      !strcmp(out, "ring_00001.pcapng"),
	      "numbered: %s", out);
	CHECK(file_ring_name("/d.x/ring", true, 12, t, out, sizeof(out)) && !strcmp(out, "/d.x/ring_00012"),
	      "no extension, a dot in the directory: %s", out);
	CHECK(file_ring_name("/d/.hidden", true, 2, t, out, sizeof(out)) && !strcmp(out, "/d/.hidden_00002"),
	      "a leading dot is no extension: %s", out);
	CHECK(file_ring_name("a.tar.gz", true, 100000, t, out, sizeof(out)) &&
		      !strcmp(out, "a.tar_100000.gz"),
	      "the last extension, past 5 digits: %s", out);
	CHECK(file_ring_name("cap-%Y%m%d-%H%M%S.pcapng", false, 3, t, out, sizeof(out)) &&
		      !strcmp(out, "cap-20261205-010203.pcapng"),
	      "by time: %s", out);
	CHECK(file_ring_name("cap-%H%M.pcapng", true, 3, t, out, sizeof(out)) &&
		      !strcmp(out, "cap-0102_00003.pcapng"),
	      "by time and numbered: %s", out);
	CHECK(!file_ring_name("ring.pcapng", true, 1, t, out, 10), "a name that does not fit is refused");
	CHECK(file_ring_name_has_time("a%H") && !file_ring_name_has_time("a.pcapng"), "has time");
}

static void due(void)
{
	struct file_ring_limits size = { .max_bytes = 1000 }, secs = { .seconds = 2.5 }, none = { 0 };
	struct file_ring *rs = file_ring_new("s", &size), *rt = file_ring_new("t", &secs);

	CHECK(file_ring_wanted(&size) && file_ring_wanted(&secs) && !file_ring_wanted(&none), "wanted");
	CHECK(!file_ring_due(rs, 900, 100, true, 0, 0), "900 + 100 fits in 1000");
	CHECK(file_ring_due(rs, 900, 101, true, 0, 0), "900 + 101 does not");
	CHECK(!file_ring_due(rs, 100, 5000, false, 0, 0), "a file without records takes a big one");
	CHECK(!file_ring_due(rs, 0, 0, false, 0, 999000000000LL), "no time limit under -C alone");
	CHECK(!file_ring_due(rt, 1ULL << 40, 1, true, 0, 2499999999LL), "2.4999 s < 2.5 s");
	CHECK(file_ring_due(rt, 0, 0, false, 1000, 2500001000LL), "2.5 s: due, even idle");
	file_ring_free(rs);
	file_ring_free(rt);
}

/* The files in dir, one string "a b c" sorted. */
static void listing(const char *dir, char *out, size_t cap)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? " " : "",
				 ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
}

static void keeps_newest(void)
{
	char dir[] = "/tmp/udsdump-file-ring-XXXXXX", tmpl[128], err[256], files[512];
	struct file_ring_limits l = { .max_bytes = 1, .max_files = 3 };
	struct file_ring *r;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/ring.pcapng", dir);
	r = file_ring_new(tmpl, &l);
	for (unsigned i = 1; i <= 5; i++) {
		int fd = file_ring_open_next(r, 0, err, sizeof(err));
		CHECK(fd >= 0, "file %u: %s", i, err);
		if (fd >= 0 && write(fd, "x", 1) != 1)
			CHECK(0, "write");
		close(fd);
		CHECK(file_ring_opened(r) == i && strstr(file_ring_current(r), "ring_0000") != NULL,
		      "opened %u: %s", i, file_ring_current(r));
	}
	listing(dir, files, sizeof(files));
	CHECK(!strcmp(files, "ring_00003.pcapng ring_00004.pcapng ring_00005.pcapng"), "kept: %s", files);
	file_ring_free(r);

	/* -G with a time-named template and no -C: a second file in the same
	 * second gets a number rather than overwriting the first */
	struct file_ring_limits g = { .seconds = 1 };
	snprintf(tmpl, sizeof(tmpl), "%s/t-%%Y.pcapng", dir);
	r = file_ring_new(tmpl, &g);
	for (int i = 0; i < 2; i++)
		close(file_ring_open_next(r, 0, err, sizeof(err)));
	listing(dir, files, sizeof(files));
	CHECK(strstr(files, "t-1970.pcapng") && strstr(files, "t-1970_00002.pcapng"), "same second: %s",
	      files);
	file_ring_free(r);

	snprintf(tmpl, sizeof(tmpl), "%s/no/such/dir/ring", dir);
	r = file_ring_new(tmpl, &l);
	CHECK(file_ring_open_next(r, 0, err, sizeof(err)) < 0 && strstr(err, "cannot write") &&
		      strstr(err, "No such file"),
	      "a file that cannot be made says why: %s", err);
	file_ring_free(r);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "rm");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	names();
	due();
	keeps_newest();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
