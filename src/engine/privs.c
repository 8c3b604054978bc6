// SPDX-License-Identifier: GPL-2.0-or-later
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#ifndef UDSDUMP_HELPER_PATH
#define UDSDUMP_HELPER_PATH ""
#endif

static bool eff(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* The effective capabilities a capture needs: false if they cannot be read. */
static bool capture_caps(bool *bpf_ok, bool *perf_ok)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	*bpf_ok = eff(d, CAP_BPF) || eff(d, CAP_SYS_ADMIN);
	*perf_ok = eff(d, CAP_PERFMON) || eff(d, CAP_SYS_ADMIN);
	return true;
}

bool privs_can_capture(void)
{
	bool bpf_ok, perf_ok;

	return capture_caps(&bpf_ok, &perf_ok) && bpf_ok && perf_ok;
}

/* "; kernel.unprivileged_bpf_disabled=2 ...": why a user's own bpf()
 * fails too, where the sysctl says so; "" otherwise. */
static const char *unprivileged_bpf_note(void)
{
	static char note[128];
	FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	int v = 0;

	note[0] = 0;
	if (f) {
		if (fscanf(f, "%d", &v) == 1 && v != 0)
			snprintf(note, sizeof(note), "; kernel.unprivileged_bpf_disabled=%d keeps bpf() from "
						     "users without them", v);
		fclose(f);
	}
	return note;
}

bool privs_report_missing(void)
{
	bool bpf_ok, perf_ok;

	if (!capture_caps(&bpf_ok, &perf_ok)) {
		fprintf(stderr, "udsdump: cannot read capabilities: %s\n", strerror(errno));
		return false;
	}
	if (bpf_ok && perf_ok)
		return true;
	fprintf(stderr,
		"udsdump: need CAP_BPF and CAP_PERFMON to capture (missing %s%s%s%s): run as root, "
		"or install with -DUDSDUMP_SETCAP=ON and join the capture group\n",
		bpf_ok ? "" : "CAP_BPF", (!bpf_ok && !perf_ok) ? " and " : "", perf_ok ? "" : "CAP_PERFMON",
		unprivileged_bpf_note());
	return false;
}

/* Once the programs are attached, little needs privilege: the ring buffer
 * is already mapped and the links detach when their fds close. But reading
 * a map through its fd (the loss counters, the skipped runs) is still a
 * bpf() call, and older kernels refuse every bpf() command without CAP_BPF
 * or CAP_SYS_ADMIN when kernel.unprivileged_bpf_disabled is set (Debian's
 * default): seen on Debian 11's 5.10 (not on 6.1), where every LOSS record
 * went missing. So keep
 * the one that makes us bpf-capable (CAP_BPF where we have it) and drop
 * every other capability. */
int privs_drop_all_but_bpf(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct now[2] = {}, keep[2] = {};
	int cap = CAP_BPF;

	if (syscall(SYS_capget, &h, now) != 0)
		return -1;
	if (!eff(now, cap))
		cap = CAP_SYS_ADMIN;
	if (eff(now, cap))
		keep[cap / 32].effective = keep[cap / 32].permitted = 1u << (cap % 32);
	return (int)syscall(SYS_capset, &h, keep);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool privs_run_helper_if_needed(char **argv)
{
	const char *helper = UDSDUMP_HELPER_PATH;
	struct stat st;
	struct statvfs vfs;

	if (privs_can_capture() || !*helper)
		return true;
	if (stat(helper, &st) != 0)
		return true; /* not installed: the usual "need CAP_BPF" message follows */

	if (same_file("/proc/self/exe", helper)) {
		/* We are the helper, yet its file capabilities did not apply. */
		const char *why;
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
			why = "this process runs with no_new_privs set (a sandbox, systemd NoNewPrivileges= or "
			      "setpriv --no-new-privs), which disables file capabilities";
		else if (statvfs(helper, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
			why = "it sits on a filesystem mounted nosuid, which disables file capabilities";
		else
			why = "check its capabilities with: getcap " UDSDUMP_HELPER_PATH
			      " (expect cap_bpf,cap_perfmon=ep)";
		fprintf(stderr, "udsdump: the capture helper %s has no capabilities in effect: %s\n", helper,
			why);
		return false;
	}

	if (access(helper, X_OK) != 0) {
		int e = errno;
		struct group *g = getgrgid(st.st_gid);
		struct passwd *pw = getpwuid(getuid());
		char gname[64], uname[64];

		snprintf(gname, sizeof(gname), "%s", g ? g->gr_name : "?");
		snprintf(uname, sizeof(uname), "%s", pw ? pw->pw_name : "USER");
		if (e == EACCES)
			fprintf(stderr,
				"udsdump: permission denied: only members of the group '%s' may capture Unix "
				"socket traffic (an administrator can run: usermod -aG %s %s, then log in again)\n",
				gname, gname, uname);
		else
			fprintf(stderr, "udsdump: cannot run the capture helper %s: %s\n", helper,
				strerror(e));
		return false;
	}
	execv(helper, argv);
	fprintf(stderr, "udsdump: cannot run the capture helper %s: %s\n", helper, strerror(errno));
	return false;
}
