// SPDX-License-Identifier: GPL-2.0-or-later
#include "proc_sockets.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inodes of the Unix sockets that exist when the capture starts. */
GHashTable *read_existing_sockets(void)
{
	GHashTable *set = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];

	if (!f)
		return set;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return set;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long ino;
		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %llu", &ino) == 1) {
			gint64 *k = g_new(gint64, 1);
			*k = (gint64)ino;
			g_hash_table_add(set, k);
		}
	}
	fclose(f);
	return set;
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* One pass over /proc/PID/fd: socket inode -> first process holding it. */
static void peer_cache_scan(struct peer_cache *pc)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	g_hash_table_remove_all(pc->owner);
	clock_gettime(CLOCK_MONOTONIC, &pc->last_scan);
	pc->scanned = true;
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		char path[64], link[64], comm[UDS_COMM_LEN + 2] = { 0 };
		struct dirent *fe;
		DIR *fds;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		FILE *cf = fopen(path, "r");
		if (cf) {
			if (fgets(comm, sizeof(comm), cf))
				comm[strcspn(comm, "\n")] = 0;
			fclose(cf);
		}
		snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			char fp[384];
			ssize_t n;
			unsigned long long ino;
			snprintf(fp, sizeof(fp), "%s/%s", path, fe->d_name);
			n = readlink(fp, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			if (sscanf(link, "socket:[%llu]", &ino) != 1)
				continue;
			gint64 key = (gint64)ino;
			if (g_hash_table_contains(pc->owner, &key))
				continue;
			struct proc_owner *po = g_new0(struct proc_owner, 1);
			po->pid = (uint32_t)pid;
			memcpy(po->comm, comm, UDS_COMM_LEN - 1);
			gint64 *k = g_new(gint64, 1);
			*k = key;
			g_hash_table_insert(pc->owner, k, po);
		}
		closedir(fds);
	}
	closedir(proc);
}

const struct proc_owner *peer_cache_lookup(struct peer_cache *pc, uint64_t ino)
{
	gint64 key = (gint64)ino;
	const struct proc_owner *po = g_hash_table_lookup(pc->owner, &key);
	struct timespec now;

	if (po)
		return po;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Rescan at most twice a second: /proc walks are not free. */
	if (!pc->scanned || ts_diff(&now, &pc->last_scan) > 0.5) {
		peer_cache_scan(pc);
		po = g_hash_table_lookup(pc->owner, &key);
	}
	return po;
}
