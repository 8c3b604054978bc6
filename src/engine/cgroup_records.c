// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup_records.h"

#include <glib.h>
#include <string.h>

#include "cgroup_paths.h"
#include "container.h"
#include "runtime_names.h"

struct cgroup_records {
	struct uds_cgroup_paths *paths;
	struct runtime_names *names; /* the runtimes' names of containers */
	GHashTable *written; /* guint64 id -> gint64 time last written */
	struct uds_container container; /* of the last facts given */
	/* The last few ids asked about and when their record was written: on
	 * the ring consumer's path every record asks (twice), and nearly
	 * always about the same cgroups, so most answers need no hashing. */
	struct {
		uint64_t id;
		int64_t written_ns;
	} recent[8];
};

struct cgroup_records *cgroup_records_new(const char *cgroup_root)
{
	struct cgroup_records *cr = g_new0(struct cgroup_records, 1);

	cr->paths = uds_cgroup_paths_new(cgroup_root);
	cr->names = runtime_names_new();
	cr->written = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	return cr;
}

void cgroup_records_free(struct cgroup_records *cr)
{
	if (!cr)
		return;
	uds_cgroup_paths_free(cr->paths);
	runtime_names_free(cr->names);
	g_hash_table_destroy(cr->written);
	g_free(cr);
}

void cgroup_records_new_file(struct cgroup_records *cr)
{
	g_hash_table_remove_all(cr->written);
	memset(cr->recent, 0, sizeof(cr->recent));
}

void cgroup_records_learn(struct cgroup_records *cr, uint64_t id, const char *path)
{
	uds_cgroup_paths_learn(cr->paths, id, path);
}

bool cgroup_records_own_socket(const struct cgroup_records *cr, uint64_t ino)
{
	return runtime_names_own_socket(cr->names, ino);
}

bool cgroup_record_due(struct cgroup_records *cr, uint64_t id, int64_t now_ns,
		       struct uds_cgroup_facts *f)
{
	guint64 key = id;
	gint64 *last;
	const char *path;
	unsigned slot = (unsigned)(id ^ id >> 8) % G_N_ELEMENTS(cr->recent);

	if (!id || (cr->recent[slot].id == id && now_ns - cr->recent[slot].written_ns < CGROUP_RECORD_INTERVAL_NS))
		return false;
	last = g_hash_table_lookup(cr->written, &key);
	if (last && now_ns - *last < CGROUP_RECORD_INTERVAL_NS) {
		cr->recent[slot].id = id;
		cr->recent[slot].written_ns = *last;
		return false;
	}
	if (!last) {
		guint64 *k = g_new(guint64, 1);
		*k = id;
		last = g_new(gint64, 1);
		g_hash_table_insert(cr->written, k, last);
	}
	*last = now_ns;
	cr->recent[slot].id = id;
	cr->recent[slot].written_ns = now_ns;
	path = uds_cgroup_path(cr->paths, id);
	uds_container_of_cgroup(path ? path : "", &cr->container);
	f->cgroup_id = id;
	f->path = path ? path : "";
	f->runtime = (uint8_t)cr->container.runtime;
	f->monitor = cr->container.monitor;
	f->container = cr->container.id;
	f->pod = cr->container.pod;
	f->name = cr->container.monitor ? NULL
					: runtime_container_name(cr->names, cr->container.runtime, cr->container.id);
	return true;
}
