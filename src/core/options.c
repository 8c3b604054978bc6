// SPDX-License-Identifier: GPL-2.0-or-later
#include "options.h"

#include <string.h>

enum path_error add_path_option(struct capture_options *o, const char *p, bool prefix)
{
	size_t n = strlen(p);

	if (n == 0 || (p[0] == '@' && n == 1 && !prefix))
		return PATH_EMPTY;
	if ((p[0] == '@' ? n - 1 : n) > 108)
		return PATH_TOO_LONG;
	if (p[0] != '@' && p[0] != '/' && !prefix)
		return PATH_RELATIVE;
	if (prefix ? o->n_prefixes >= UDS_MAX_PREFIX_FILTERS : o->n_paths >= UDS_MAX_PATH_FILTERS)
		return PATH_TOO_MANY;
	if (prefix)
		o->prefixes[o->n_prefixes++] = p;
	else
		o->paths[o->n_paths++] = p;
	return PATH_OK;
}

void capture_options_init(struct capture_options *o)
{
	memset(o, 0, sizeof(*o));
	o->payload = true;
	o->recv_mode = UDS_RECV_METADATA;
}

const char *path_error_text(enum path_error e)
{
	switch (e) {
	case PATH_EMPTY:
		return "empty socket path";
	case PATH_TOO_LONG:
		return "socket path too long (at most 108 bytes)";
	case PATH_RELATIVE:
		return "socket path must be absolute or @abstract";
	case PATH_TOO_MANY:
		return "too many socket paths";
	case PATH_OK:
		break;
	}
	return "";
}

static uint32_t buffer_mb(const struct capture_options *o)
{
	return o->ring_mb ? o->ring_mb : CAPTURE_BUFFER_DEFAULT_MB;
}

uint32_t capture_ring_mb(const struct capture_options *o)
{
	uint32_t mb = buffer_mb(o);
	return mb < CAPTURE_RING_STEADY_MB ? mb : CAPTURE_RING_STEADY_MB;
}

uint32_t capture_spill_mb(const struct capture_options *o)
{
	uint32_t mb = buffer_mb(o);
	return mb > CAPTURE_RING_STEADY_MB ? mb : 0;
}
