// SPDX-License-Identifier: GPL-2.0-or-later
#include "preflight.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "privs.h"

#define LOCKDOWN_PATH "/sys/kernel/security/lockdown"

const char *lockdown_mode(const char *path, char *buf, size_t cap)
{
	char line[128];
	FILE *f = fopen(path, "r");
	const char *open, *close;

	buf[0] = 0;
	if (!f)
		return buf;
	/* "none integrity [confidentiality]": the one in brackets */
	if (fgets(line, sizeof(line), f) && (open = strchr(line, '[')) && (close = strchr(open, ']')))
		snprintf(buf, cap, "%.*s", (int)(close - open - 1), open + 1);
	fclose(f);
	return buf;
}

/* Lockdown's confidentiality mode takes bpf_probe_read_kernel from every
 * tracing program (the verifier then refuses them with "unknown func"):
 * say so before loading. Integrity mode only takes bpf_probe_write_user,
 * which udsdump does not use. */
static bool lockdown_allows(void)
{
	char mode[32];

	if (strcmp(lockdown_mode(LOCKDOWN_PATH, mode, sizeof(mode)), "confidentiality"))
		return true;
	fprintf(stderr,
		"udsdump: the kernel is locked down for confidentiality (%s), which forbids eBPF "
		"programs that read kernel memory: boot with lockdown=integrity (or none; with Secure "
		"Boot, the distribution's way to lift it, e.g. mokutil --disable-validation)\n",
		LOCKDOWN_PATH);
	return false;
}

/* The kernel's BTF, where libbpf finds it, or the --btf file. */
static bool btf_available(const char *btf_file)
{
	struct btf *btf;
	libbpf_print_fn_t old = libbpf_set_print(NULL);

	btf = btf_file ? btf__parse(btf_file, NULL) : btf__load_vmlinux_btf();
	libbpf_set_print(old);
	if (btf) {
		btf__free(btf);
		return true;
	}
	if (btf_file)
		fprintf(stderr, "udsdump: cannot read BTF from %s: %s\n", btf_file, strerror(errno));
	else
		fprintf(stderr,
			"udsdump: this kernel shows no BTF (/sys/kernel/btf/vmlinux is missing: built "
			"without CONFIG_DEBUG_INFO_BTF, or /sys/kernel/btf is not mounted in this "
			"container): mount it, or give the kernel's BTF with --btf FILE (from BTFHub, or "
			"the distribution's debug package)\n");
	return false;
}

bool capture_preflight(const struct capture_options *o)
{
	return privs_report_missing() && lockdown_allows() && btf_available(o->btf);
}
