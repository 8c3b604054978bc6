/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The privilege model of an install with -DUDSDUMP_SETCAP=ON, like
 * Debian's dumpcap: the world-executable `udsdump` (the command and the
 * Wireshark extcap) holds no privilege. To capture it runs the capture
 * helper UDSDUMP_HELPER_PATH, the same program installed root:GROUP mode
 * 0750 with the file capabilities cap_bpf,cap_perfmon=ep. A member of the
 * group captures without root; anyone else gets a one-line error instead
 * of a capture (and Wireshark still lists the interface, so the error is
 * seen rather than a silently missing interface).
 */
#ifndef UDSDUMP_PRIVS_H
#define UDSDUMP_PRIVS_H

#include <stdbool.h>

/* Does this process have the effective capabilities a capture needs? */
bool privs_can_capture(void);

/* privs_can_capture(), or false after one line on stderr naming the
 * capabilities that are missing. */
bool privs_report_missing(void);

/* Drop every capability but the one that keeps bpf() working (CAP_BPF, or
 * CAP_SYS_ADMIN where that is what we have). 0, or -1 with errno. */
int privs_drop_all_but_bpf(void);

/*
 * Call before a capture opens anything. If this process can capture, or
 * no helper is installed, returns true (go on here). Else runs the helper
 * with argv (does not return), or prints one line on stderr and returns
 * false (not a member of the group; the helper's capabilities are not in
 * effect: nosuid mount or no_new_privs).
 */
bool privs_run_helper_if_needed(char **argv);

#endif
