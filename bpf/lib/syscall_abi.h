/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall ABI of the architecture the object is built for: which
 * saved register holds the syscall number and each argument, and the
 * numbers of the syscalls whose arguments we decode. Only this file and
 * vmlinux_min.h's struct pt_regs know the architecture; everything else
 * asks SYS_NR() and SYS_ARG(regs, n).
 *
 * The registers are those saved at the syscall's entry (task_pt_regs, or
 * the sys_enter/sys_exit tracepoints' regs). At the exit an arm64 x0 holds
 * the return value already: its first argument is kept in orig_x0.
 *
 * tests/unit/test_syscall_abi.py checks each table against the kernel
 * headers' <asm/unistd.h> for that architecture.
 */
#ifndef UDS_BPF_LIB_SYSCALL_ABI_H
#define UDS_BPF_LIB_SYSCALL_ABI_H

#if defined(__TARGET_ARCH_x86)

#define SYS_REG_NR orig_ax
#define SYS_REG_ARG0 di
#define SYS_REG_ARG1 si
#define SYS_REG_ARG2 dx
#define SYS_REG_ARG3 r10
#define SYS_REG_ARG4 r8
#define SYS_REG_ARG5 r9

/* x86-64: arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_shutdown 48
#define NR_socketpair 53
#define NR_splice 275
#define NR_accept4 288
#define NR_recvmmsg 299
#define NR_sendmmsg 307

#elif defined(__TARGET_ARCH_arm64)

#define SYS_REG_NR syscallno
#define SYS_REG_ARG0 orig_x0
#define SYS_REG_ARG1 regs[1]
#define SYS_REG_ARG2 regs[2]
#define SYS_REG_ARG3 regs[3]
#define SYS_REG_ARG4 regs[4]
#define SYS_REG_ARG5 regs[5]

/* arm64 uses the generic table: include/uapi/asm-generic/unistd.h. It has
 * no send/recv: libc makes them sendto/recvfrom. */
#define NR_close 57
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_sendfile 71
#define NR_splice 76
#define NR_socketpair 199
#define NR_accept 202
#define NR_connect 203
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_shutdown 210
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_accept4 242
#define NR_recvmmsg 243
#define NR_sendmmsg 269

#else
#error "udsdump's BPF side knows the syscall ABI of x86-64 and arm64 only"
#endif

/* The syscall's number and its argument n (0-5), from the saved registers:
 * SYS_NR/SYS_ARG through KREAD (any pointer to them), SYS_NR_CORE and
 * SYS_ARG_CORE through BPF_CORE_READ (a tracepoint's own argument). */
#define SYS_NR(regs) KREAD(struct pt_regs, regs, SYS_REG_NR)
#define SYS_ARG(regs, n) KREAD(struct pt_regs, regs, SYS_REG_ARG##n)
#define SYS_NR_CORE(regs) BPF_CORE_READ(regs, SYS_REG_NR)
#define SYS_ARG_CORE(regs, n) BPF_CORE_READ(regs, SYS_REG_ARG##n)

#endif /* UDS_BPF_LIB_SYSCALL_ABI_H */
