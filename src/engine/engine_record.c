// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine_record.h"

#include "record_writer.h"

/* Every feature that is not usable, in --probe's order: the reader learns
 * what the kernel lacks even where the chosen rung does not need it. The
 * reasons are those --probe prints. */
static size_t missing_features(const struct kernel_features *k, struct uds_engine_missing *out)
{
	size_t n = 0;

	for (int f = 0; f < FEAT_COUNT; f++) {
		if (feature_usable(k, (enum feature)f))
			continue;
		out[n].name = feature_name((enum feature)f);
		if (k->pretended & FEAT_BIT(f)) {
			out[n].source = UDS_MISSING_WITHOUT;
			out[n].reason = "hidden by --without";
		} else {
			out[n].source = UDS_MISSING_KERNEL;
			out[n].reason = k->why_missing[f];
		}
		n++;
	}
	return n;
}

size_t engine_record_build(const struct engine *e, uint8_t *out, size_t cap)
{
	struct uds_engine_missing missing[FEAT_COUNT];
	struct uds_engine_facts facts;

	if (e->rung < 0 || (size_t)e->rung >= engine_rung_count)
		return 0;
	facts = (struct uds_engine_facts){
		.kernel = e->features.release,
		.rung = engine_rungs[e->rung].name,
		.version = UDSDUMP_VERSION,
		.blind = engine_rungs[e->rung].blind,
		.reason = e->reason,
		.missing = missing,
		.n_missing = missing_features(&e->features, missing),
	};
	return uds_record_engine(&facts, out, cap);
}
