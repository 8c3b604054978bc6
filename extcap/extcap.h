/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The extcap front end: what Wireshark asks of an extcap (interfaces,
 * DLTs, the configuration dialog, a capture into its FIFO). */
#ifndef UDSDUMP_EXTCAP_H
#define UDSDUMP_EXTCAP_H

#include <stdbool.h>

/* argv is an extcap call (--extcap-interfaces, --capture, ...). */
bool extcap_requested(int argc, char **argv);

/* Answer it; the process exit status. */
int extcap_main(int argc, char **argv);

#endif
