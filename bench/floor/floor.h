/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A floor record, as floor.bpf.c writes it and floor.c reads it. */
#ifndef UDSDUMP_FLOOR_H
#define UDSDUMP_FLOOR_H

#define FLOOR_MAX 16384 /* udsdump's chunk size */

/* mode "write-reads": a read's event, with no payload, is as long as
 * udsdump's (struct uds_event: one cache line), and shorter than any
 * send's, which is how the writer tells them apart. In that mode pad
 * says which in the file too (in the others it is not written). */
#define FLOOR_READ_EVENT 64
#define FLOOR_KIND_SEND	 0
#define FLOOR_KIND_READ	 1

struct floor_event {
	__u64 ts;
	__u64 sk;
	__u32 len; /* payload bytes in data */
	__u32 pad; /* mode write-reads: FLOOR_KIND_* */
	__u8 data[FLOOR_MAX];
};

#endif
