/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every part of the engine uses: how kernel fields are read (KREAD),
 * constants of the kernel (the syscall ABI: syscall_abi.h), bounds the
 * verifier can see, and the user structures we read from the caller.
 */
#ifndef UDS_BPF_LIB_COMMON_H
#define UDS_BPF_LIB_COMMON_H

#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "udsdump_bpf.h" /* (and udsdump_ring.h, udsdump/record.h) */

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
#include "lib/syscall_abi.h" /* SYS_NR, SYS_ARG, NR_*: read through KREAD */
/* UDS_LEGACY: the object for kernels before 5.11-5.17 (Debian 11's 5.10):
 * no bpf_get_current_task_btf, bpf_task_pt_regs, bpf_loop, nor atomic
 * fetch-and-add or compare-and-swap (5.12). Loops are bounded loops over
 * global functions (the verifier checks each once), the user registers
 * come from the sys_exit tracepoint, and per-socket counters are updated
 * by plain loads and stores (on those kernels, which preempt no BPF
 * program, only two threads sending on one socket from two CPUs at the
 * same moment can race). */
#ifndef UDS_LEGACY
#define UDS_LEGACY 0
#endif
#if UDS_LEGACY
#define CURRENT_TASK() ((struct task_struct *)bpf_get_current_task())
#define FETCH_ADD(p, v) ({ __u64 __old = *(p); *(p) = __old + (v); __old; })
#else
#define CURRENT_TASK() bpf_get_current_task_btf()
#define FETCH_ADD(p, v) __sync_fetch_and_add((p), (v))
#endif
/* A counter that must add up (LOSS records, the summary). Per-CPU counters
 * need an atomic add too: a run preempted mid-increment by another run on
 * its CPU (PREEMPT_LAZY, sid's 7.x) loses one otherwise. The legacy
 * object's kernels (5.10's verifier refuses the atomic's encoding) do not
 * preempt a tracing program. */
#if UDS_LEGACY
#define COUNT_ADD(p, v) ((void)(*(p) += (v)))
#else
#define COUNT_ADD(p, v) ((void)__sync_fetch_and_add((p), (v)))
#endif

/* LOOP(n, cap, step): step(i, NULL) for i < n until it returns nonzero.
 * With bpf_loop the verifier checks step once, whatever n; the legacy
 * object runs at most cap steps of its global twin step_g. */
#if UDS_LEGACY
#define LOOP(n, cap, step)                                                   \
	({                                                                   \
		__u32 __n = (n);                                             \
		for (__u32 __i = 0; __i < (cap) && __i < __n; __i++)         \
			if (step##_g(__i))                                   \
				break;                                       \
	})
#define LOOP_GLOBAL(step)                                 \
	__noinline int step##_g(__u32 i)                  \
	{                                                 \
		return step(i, NULL);                     \
	}
#else
#define LOOP(n, cap, step) bpf_loop((n), step, NULL, 0)
#define LOOP_GLOBAL(step)
#endif

/* The legacy object's caps, each named by `udsdump --probe`: the part of a
 * message beyond them is recorded as a gap of exact size (READ_FAULT). */
#define LEGACY_DIRECT_STEPS 128   /* 16 KiB chunks: 2 MiB per one-buffer message */
#define LEGACY_IOV_STEPS 256      /* iovec loads and 16 KiB copies per message */

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
