/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every part of the engine uses: how kernel fields are read (KREAD),
 * constants of the kernel and of the x86-64 syscall ABI, bounds the
 * verifier can see, and the user structures we read from the caller.
 */
#ifndef UDS_BPF_LIB_COMMON_H
#define UDS_BPF_LIB_COMMON_H

#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "udsdump/record.h"
#include "udsdump_bpf.h"

/* KREAD(type, p, field...): a field of a kernel object, followed through
 * pointers like BPF_CORE_READ. With kfuncs (6.2+), through a read-only view
 * (bpf_rdonly_cast): direct CO-RE-relocated loads that the verifier turns
 * into inline fault-safe loads. Without (the object built with
 * UDS_KFUNCS=0 for older kernels), one bpf_probe_read_kernel() per field.
 * A kfunc the kernel lacks fails the whole object's load, so the choice is
 * made per object, by user space's probe. */
#ifndef UDS_KFUNCS
#define UDS_KFUNCS 1
#endif
#if UDS_KFUNCS
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define KVIEW(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))
#define KREAD(type, p, ...) (KVIEW(type, p)->___arrow(__VA_ARGS__))
#else
#define KREAD(type, p, ...) BPF_CORE_READ((type *)(p), __VA_ARGS__)
#endif
/* A register of the syscall being served, as saved at its entry. */
#define SYS_ARG(regs, reg) KREAD(struct pt_regs, regs, reg)

#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define MSG_OOB 1

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

/* x86-64 syscall numbers of the sends whose arguments we decode. */
#define NR_write 1
#define NR_writev 20
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_sendmmsg 307
#define NR_read 0
#define NR_readv 19
#define NR_recvfrom 45
#define NR_recvmsg 47
#define NR_recvmmsg 299
#define NR_close 3
#define NR_connect 42
#define NR_accept 43
#define NR_shutdown 48
#define NR_socketpair 53
#define NR_accept4 288
#define MSG_PEEK 2
#define SCM_SECURITY 3
#define SCM_PIDFD 4
/* Key space of mmsg_cursors for recvmmsg (sendmmsg uses the bare tid). */
#define RECV_CURSOR_BIT 0x80000000u

#define UIO_MAXIOV 1024

/* Clamp x with a mask the verifier sees: the empty asm stops clang from
 * dropping the mask when it "knows" the value is already in range. */
#define BOUND(x, mask)                         \
	({                                     \
		asm volatile("" : "+r"(x));    \
		(x) &= (mask);                 \
	})

/* Same, for an upper bound that is not a power of two minus one. */
#define BOUND_MAX(x, max) \
	asm volatile("if %0 <= %1 goto +1\n\t%0 = %1\n\t" : "+r"(x) : "i"(max))
#define CHUNK_MASK (UDS_CHUNK_MAX - 1)

/* The user-space ABI structures we read from the caller's memory. */
struct user_iovec {
	__u64 base;
	__u64 len;
};

struct user_msghdr_x {
	__u64 msg_name;
	__s32 msg_namelen;
	__u32 pad0;
	__u64 msg_iov;
	__u64 msg_iovlen;
	__u64 msg_control;
	__u64 msg_controllen;
	__u32 msg_flags;
	__u32 pad1;
};

struct user_cmsghdr {
	__u64 len;
	__s32 level;
	__s32 type;
};

#endif /* UDS_BPF_LIB_COMMON_H */
