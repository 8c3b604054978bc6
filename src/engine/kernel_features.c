// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What this kernel's BPF offers, found by probing, never by its version
 * number: the same version string has shipped with different verifiers.
 */
#include "kernel_features.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "probe.skel.h"

static void set_feature(struct kernel_features *k, enum feature f, bool present, const char *why)
{
	if (present) {
		k->have |= FEAT_BIT(f);
		return;
	}
	k->have &= ~FEAT_BIT(f);
	snprintf(k->why_missing[f], sizeof(k->why_missing[f]), "%s", why);
}

static void probe_helper(struct kernel_features *k, enum feature f, enum bpf_func_id id)
{
	/* raw tracepoints get the tracing helpers that tp_btf programs get */
	int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, id, NULL);
	set_feature(k, f, r > 0, r == 0 ? "not offered to tracing programs" : "the probe failed");
}

void verifier_last_line(const char *log, char *out, size_t cap)
{
	const char *end = log + strlen(log), *start = end;

	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		/* skip the statistics the log ends with */
		if (start == log || (strncmp(start, "processed ", 10) && strncmp(start, "verification time", 17) &&
				     strncmp(start, "stack depth", 11)))
			break;
		end = start;
	}
	snprintf(out, cap, "%.*s", (int)(end - start), start);
}

/* Socket storage through the peer pointer: only the verifier knows. */
static void probe_sk_storage(struct kernel_features *k)
{
	static char log[16384];
	struct probe_bpf *p;
	int err;

	if (!(k->have & FEAT_BIT(FEAT_SOCK_TP))) {
		set_feature(k, FEAT_SK_STORAGE, false, "not probed: needs the sock tracepoints");
		return;
	}
	p = probe_bpf__open();
	if (!p) {
		set_feature(k, FEAT_SK_STORAGE, false, "the probe could not be opened");
		return;
	}
	log[0] = 0;
	bpf_program__set_log_buf(p->progs.probe_peer_storage, log, sizeof(log));
	bpf_program__set_log_level(p->progs.probe_peer_storage, 1);
	err = probe_bpf__load(p);
	if (err) {
		char line[120];
		verifier_last_line(log, line, sizeof(line));
		char why[160];
		snprintf(why, sizeof(why), "refused by the verifier: %s", line[0] ? line : strerror(-err));
		set_feature(k, FEAT_SK_STORAGE, false, why);
	} else {
		set_feature(k, FEAT_SK_STORAGE, true, NULL);
	}
	probe_bpf__destroy(p);
}

void kernel_features_probe(struct kernel_features *k, unsigned pretend)
{
	struct utsname un;
	struct btf *vmlinux;
	libbpf_print_fn_t old_print = libbpf_set_print(NULL); /* probes fail loudly by design */

	memset(k, 0, sizeof(*k));
	k->pretended = pretend;
	if (uname(&un) == 0)
		snprintf(k->release, sizeof(k->release), "%s", un.release);
	vmlinux = btf__load_vmlinux_btf();
	set_feature(k, FEAT_KERNEL_BTF, vmlinux != NULL,
		    "libbpf finds no BTF of this kernel (no /sys/kernel/btf/vmlinux: a kernel built without "
		    "CONFIG_DEBUG_INFO_BTF, or /sys/kernel/btf not mounted here)");

	int r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	set_feature(k, FEAT_RINGBUF, r > 0, "no BPF ring buffer");
	probe_helper(k, FEAT_TASK_BTF, BPF_FUNC_get_current_task_btf);
	probe_helper(k, FEAT_BPF_LOOP, BPF_FUNC_loop);
	probe_helper(k, FEAT_TASK_PT_REGS, BPF_FUNC_task_pt_regs);
	set_feature(k, FEAT_KFUNCS,
		    vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0,
		    "no bpf_rdonly_cast in the kernel's BTF");
	set_feature(k, FEAT_SOCK_TP,
		    vmlinux && btf__find_by_name_kind(vmlinux, "btf_trace_sock_send_length", BTF_KIND_TYPEDEF) > 0 &&
			    btf__find_by_name_kind(vmlinux, "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF) > 0,
		    "no sock:sock_send_length tracepoint");
	probe_sk_storage(k);
	btf__free(vmlinux);
	libbpf_set_print(old_print);
}
