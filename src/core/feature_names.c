// SPDX-License-Identifier: GPL-2.0-or-later
#include "feature_names.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	const char *description;
} features[FEAT_COUNT] = {
	[FEAT_RINGBUF] = { "ringbuf", "BPF ring buffer (5.8)" },
	[FEAT_TASK_BTF] = { "task-btf", "bpf_get_current_task_btf (5.11)" },
	[FEAT_BPF_LOOP] = { "bpf-loop", "bpf_loop (5.17)" },
	[FEAT_TASK_PT_REGS] = { "task-pt-regs", "bpf_task_pt_regs (5.15)" },
	[FEAT_KFUNCS] = { "kfuncs", "the bpf_rdonly_cast kfunc (6.2)" },
	[FEAT_SOCK_TP] = { "sock-tracepoints", "sock:sock_send_length and sock_recv_length (6.3)" },
	[FEAT_SK_STORAGE] = { "sk-storage", "socket storage of the peer socket" },
	[FEAT_KERNEL_BTF] = { "kernel-btf", "the kernel's BTF (/sys/kernel/btf/vmlinux)" },
};

const char *feature_name(enum feature f)
{
	return f < FEAT_COUNT ? features[f].name : "?";
}

const char *feature_description(enum feature f)
{
	return f < FEAT_COUNT ? features[f].description : "?";
}

bool parse_feature_list(const char *list, unsigned *mask, const char **err)
{
	static char bad[96];
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int found = -1;
		for (int f = 0; f < FEAT_COUNT; f++) {
			if (strlen(features[f].name) == n && !strncmp(p, features[f].name, n))
				found = f;
		}
		if (found < 0) {
			snprintf(bad, sizeof(bad), "unknown feature '%.*s' for --without",
				 (int)(n > 40 ? 40 : n), p);
			/* one line, whatever bytes the name holds */
			for (char *c = bad; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					*c = '?';
			*err = bad;
			return false;
		}
		*mask |= FEAT_BIT(found);
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}
