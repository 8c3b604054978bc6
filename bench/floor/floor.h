/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A floor record, as floor.bpf.c writes it and floor.c reads it. */
#ifndef UDSDUMP_FLOOR_H
#define UDSDUMP_FLOOR_H

#define FLOOR_MAX 16384 /* udsdump's chunk size */

struct floor_event {
	__u64 ts;
	__u64 sk;
	__u32 len; /* payload bytes in data */
	__u32 pad;
	__u8 data[FLOOR_MAX];
};

#endif
