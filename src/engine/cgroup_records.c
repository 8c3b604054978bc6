// SPDX-License-Identifier: GPL-2.0-or-later
#include "cgroup_records.h"

#include <glib.h>

#include "cgroup_paths.h"
#include "container.h"

struct cgroup_records {
	struct uds_cgroup_paths *paths;
	GHashTable *written; /* guint64 id -> gint64 time last written */
	struct uds_container container; /* of the last facts given */
};

struct cgroup_records *cgroup_records_new(const char *cgroup_root)
{
	struct cgroup_records *cr = g_new0(struct cgroup_records, 1);

	cr->paths = uds_cgroup_paths_new(cgroup_root);
	cr->written = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	return cr;
}

void cgroup_records_free(struct cgroup_records *cr)
{
	if (!cr)
		return;
	uds_cgroup_paths_free(cr->paths);
	g_hash_table_destroy(cr->written);
	g_free(cr);
}

bool cgroup_record_due(struct cgroup_records *cr, uint64_t id, int64_t now_ns,
		       struct uds_cgroup_facts *f)
{
	guint64 key = id;
	gint64 *last = g_hash_table_lookup(cr->written, &key);
	const char *path;

	if (!id || (last && now_ns - *last < CGROUP_RECORD_INTERVAL_NS))
		return false;
	if (!last) {
		guint64 *k = g_new(guint64, 1);
		*k = id;
		last = g_new(gint64, 1);
		g_hash_table_insert(cr->written, k, last);
	}
	*last = now_ns;
	path = uds_cgroup_path(cr->paths, id);
	uds_container_of_cgroup(path ? path : "", &cr->container);
	f->cgroup_id = id;
	f->path = path ? path : "";
	f->runtime = (uint8_t)cr->container.runtime;
	f->monitor = cr->container.monitor;
	f->container = cr->container.id;
	f->pod = cr->container.pod;
	return true;
}
