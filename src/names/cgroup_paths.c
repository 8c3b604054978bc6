// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE /* nftw's FTW_ACTIONRETVAL */
#include "cgroup_paths.h"

#include <errno.h>
#include <stdbool.h>
#include <ftw.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REWALK_NS  1000000000LL /* at most one walk a second for ids not found */
#define MISSED_MAX 4096
#define LEARNED_MAX 4096
/* The inode of a cgroup2 hierarchy's root directory (kernfs numbers its
 * root first). */
#define CGROUP2_ROOT_INO 1

struct uds_cgroup_paths {
	char *root;
	GHashTable *by_id;  /* guint64 id -> path (from the root) */
	GHashTable *missed; /* ids a walk did not find: walked for again only after REWALK_NS */
	GHashTable *learned; /* guint64 id -> path, as the kernel named them when made */
	bool can_learn;	     /* the mount is the hierarchy's root: the kernel's paths are ours */
	int64_t last_walk_ns;
};

/* nftw has no user pointer: the walk in progress. */
static struct uds_cgroup_paths *walking;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *find_cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char dev[256], dir[4096], type[64];
	char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2"))
			found = g_strdup(dir);
	fclose(f);
	return found;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D)
		return FTW_CONTINUE;
	const char *rel = path + strlen(walking->root);
	guint64 *key = g_new(guint64, 1);
	*key = (guint64)st->st_ino;
	g_hash_table_replace(walking->by_id, key, g_strdup(*rel ? rel : "/"));
	return FTW_CONTINUE;
}

static void walk(struct uds_cgroup_paths *p)
{
	p->last_walk_ns = now_ns();
	g_hash_table_remove_all(p->by_id);
	walking = p;
	nftw(p->root, visit, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	walking = NULL;
}

struct uds_cgroup_paths *uds_cgroup_paths_new(const char *root)
{
	struct uds_cgroup_paths *p = g_new0(struct uds_cgroup_paths, 1);

	p->root = root ? g_strdup(root) : find_cgroup2_mount();
	p->by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	p->missed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	p->learned = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	p->last_walk_ns = now_ns() - REWALK_NS;
	struct stat st;
	p->can_learn = p->root && stat(p->root, &st) == 0 && st.st_ino == CGROUP2_ROOT_INO;
	return p;
}

void uds_cgroup_paths_free(struct uds_cgroup_paths *p)
{
	if (!p)
		return;
	g_hash_table_destroy(p->by_id);
	g_hash_table_destroy(p->missed);
	g_hash_table_destroy(p->learned);
	g_free(p->root);
	g_free(p);
}

const char *uds_cgroup_root(const struct uds_cgroup_paths *p)
{
	return p->root;
}

const char *uds_cgroup_path(struct uds_cgroup_paths *p, uint64_t id)
{
	guint64 key = id;
	const char *path;

	if (!p->root || !id)
		return NULL;
	path = g_hash_table_lookup(p->by_id, &key);
	if (!path)
		path = g_hash_table_lookup(p->learned, &key);
	/* A new cgroup (a container just started) walks at once; an id the
	 * walk did not find (a cgroup gone) at most once a second. */
	if (!path && (!g_hash_table_contains(p->missed, &key) || now_ns() - p->last_walk_ns >= REWALK_NS)) {
		walk(p);
		path = g_hash_table_lookup(p->by_id, &key);
		if (!path) {
			if (g_hash_table_size(p->missed) >= MISSED_MAX)
				g_hash_table_remove_all(p->missed);
			g_hash_table_add(p->missed, g_memdup2(&key, sizeof(key)));
		}
	}
	return path;
}

void uds_cgroup_paths_learn(struct uds_cgroup_paths *p, uint64_t id, const char *path)
{
	guint64 *key;

	if (!p->can_learn || !id || path[0] != '/')
		return;
	/* (a cgroup is made once per container or service: the table grows
	 * only as fast as they start, and is forgotten whole when full) */
	if (g_hash_table_size(p->learned) >= LEARNED_MAX)
		g_hash_table_remove_all(p->learned);
	key = g_new(guint64, 1);
	*key = id;
	g_hash_table_replace(p->learned, key, g_strdup(path));
	g_hash_table_remove(p->missed, key);
}

int uds_cgroup_id_of(const struct uds_cgroup_paths *p, const char *path, uint64_t *id, char *err,
		     size_t errlen)
{
	size_t rl = p->root ? strlen(p->root) : 0;
	struct stat st;
	char *full;
	int rc = 0;

	if (!p->root) {
		snprintf(err, errlen, "cgroup %s: no cgroup v2 file system is mounted", path);
		return -1;
	}
	/* "/sys/fs/cgroup/x" or "/x" */
	if (!strncmp(path, p->root, rl) && (path[rl] == '/' || !path[rl]))
		path += rl;
	full = g_strconcat(p->root, path, NULL);
	if (stat(full, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cgroup %s: no such cgroup under %s (%s)", *path ? path : "/", p->root,
			 errno ? strerror(errno) : "not a directory");
		rc = -1;
	} else {
		*id = (uint64_t)st.st_ino;
	}
	g_free(full);
	return rc;
}
