// SPDX-License-Identifier: GPL-2.0-or-later
#include "file_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct file_ring {
	char *name_template;
	struct file_ring_limits limits;
	bool numbered;
	unsigned opened;
	char current[PATH_MAX];
	char **kept; /* max_files slots: file n's name in slot (n - 1) % max_files */
};

bool file_ring_wanted(const struct file_ring_limits *l)
{
	return l->max_bytes || l->seconds > 0 || l->max_files;
}

bool file_ring_name_has_time(const char *name_template)
{
	return strchr(name_template, '%') != NULL;
}

/* Where "_NNNNN" goes: before the extension of the last path component
 * (ring.pcapng -> ring_00001.pcapng), else at the end. A leading dot
 * (.hidden) is not an extension. */
static size_t number_position(const char *name)
{
	const char *base = strrchr(name, '/');
	const char *dot;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	return dot && dot > base ? (size_t)(dot - name) : strlen(name);
}

bool file_ring_name(const char *name_template, bool numbered, unsigned n, time_t t, char *out, size_t cap)
{
	char timed[PATH_MAX];
	const char *name = name_template;
	struct tm tm;
	size_t at;
	int len;

	if (file_ring_name_has_time(name_template)) {
		if (!localtime_r(&t, &tm) || !strftime(timed, sizeof(timed), name_template, &tm))
			return false;
		name = timed;
	}
	if (!numbered) {
		len = snprintf(out, cap, "%s", name);
		return len > 0 && (size_t)len < cap;
	}
	at = number_position(name);
	len = snprintf(out, cap, "%.*s_%05u%s", (int)at, name, n, name + at);
	return len > 0 && (size_t)len < cap;
}

struct file_ring *file_ring_new(const char *name_template, const struct file_ring_limits *l)
{
	struct file_ring *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->name_template = strdup(name_template);
	r->limits = *l;
	/* Under -C two files can start in the same second: number them. */
	r->numbered = !file_ring_name_has_time(name_template) || l->max_bytes;
	if (l->max_files)
		r->kept = calloc(l->max_files, sizeof(*r->kept));
	if (!r->name_template || (l->max_files && !r->kept)) {
		file_ring_free(r);
		return NULL;
	}
	return r;
}

void file_ring_free(struct file_ring *r)
{
	if (!r)
		return;
	for (unsigned i = 0; r->kept && i < r->limits.max_files; i++)
		free(r->kept[i]);
	free(r->kept);
	free(r->name_template);
	free(r);
}

/* Remember file n's name; the file it replaces in the ring goes. */
static void keep_name(struct file_ring *r, unsigned n, const char *name)
{
	char **slot;

	if (!r->kept)
		return;
	slot = &r->kept[(n - 1) % r->limits.max_files];
	if (*slot && strcmp(*slot, name))
		unlink(*slot);
	free(*slot);
	*slot = strdup(name);
}

int file_ring_open_next(struct file_ring *r, time_t now, char *err, size_t errlen)
{
	char name[PATH_MAX];
	unsigned n = r->opened + 1;
	bool numbered = r->numbered;
	int fd;

	if (!file_ring_name(r->name_template, numbered, n, now, name, sizeof(name))) {
		snprintf(err, errlen, "the file name made from '%s' is too long", r->name_template);
		return -ENAMETOOLONG;
	}
	/* a time-named file must not overwrite the one before it */
	if (!numbered && !strcmp(name, r->current) &&
	    !file_ring_name(r->name_template, true, n, now, name, sizeof(name))) {
		snprintf(err, errlen, "the file name made from '%s' is too long", r->name_template);
		return -ENAMETOOLONG;
	}
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(e));
		return -e;
	}
	r->opened = n;
	snprintf(r->current, sizeof(r->current), "%s", name);
	keep_name(r, n, name);
	return fd;
}

const char *file_ring_current(const struct file_ring *r)
{
	return r->current;
}

unsigned file_ring_opened(const struct file_ring *r)
{
	return r->opened;
}

bool file_ring_due(const struct file_ring *r, uint64_t bytes_written, uint64_t next_bytes, bool holds_records,
		   int64_t opened_mono_ns, int64_t now_mono_ns)
{
	/* a record larger than the limit still goes in a file of its own */
	if (r->limits.max_bytes && holds_records && bytes_written + next_bytes > r->limits.max_bytes)
		return true;
	/* by time even when idle: the file for 14:00 is there to open */
	return r->limits.seconds > 0 && (double)(now_mono_ns - opened_mono_ns) >= r->limits.seconds * 1e9;
}
