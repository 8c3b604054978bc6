// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of any eBPF capture of Unix-socket sends on this kernel, for
 * bench/redis_overhead.py: what the same two tracepoints cost when the
 * programs do (1) nothing at all, or (2) the least a capture with payload
 * can do: take a timestamp, reserve ring space and copy the caller's
 * buffer into it (write/sendto only; no identity, no names, no offsets,
 * no filters, no fd proof). udsdump itself can only cost more than (2);
 * if (2) misses a target, the kernel's hook and ring-buffer costs stand in
 * the way of that target, not udsdump's own work.
 */
/* The engine's own definitions (KVIEW, AF_UNIX, the syscall numbers,
 * BOUND_MAX): the floor reads the kernel the way udsdump does. */
#include "lib/common.h"
#include "floor.h"

char LICENSE[] SEC("license") = "GPL";

const volatile int copy_payload = 0;
/* "write-reads": every read also puts an event in the ring, as udsdump's
 * defaults (--recv meta) do; the reference for what recording reads costs
 * any capture, not a floor of the targets */
const volatile int record_reads = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} floor_events SEC(".maps");

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send, struct sock *sk, int ret, int flags)
{
	if (!copy_payload)
		return 0;
	if (KVIEW(struct sock, sk)->__sk_common.skc_family != AF_UNIX || ret <= 0)
		return 0;
	struct pt_regs *regs = KVIEW(struct pt_regs, (void *)bpf_task_pt_regs(bpf_get_current_task_btf()));
	long nr = regs->orig_ax;
	__u32 n = (nr == NR_write || nr == NR_sendto) ? (__u32)ret : 0;
	struct floor_event *ev;
	/* two size classes, as udsdump reserves (a longer message would be
	 * cut into FLOOR_MAX chunks; these workloads do not send any) */
	if (n <= 512) {
		ev = bpf_ringbuf_reserve(&floor_events, sizeof(*ev) - FLOOR_MAX + 512, 0);
		if (!ev)
			return 0;
		BOUND_MAX(n, 512);
		if (n && bpf_probe_read_user(ev->data, n, (void *)regs->si))
			n = 0;
	} else {
		ev = bpf_ringbuf_reserve(&floor_events, sizeof(*ev), 0);
		if (!ev)
			return 0;
		BOUND_MAX(n, FLOOR_MAX);
		if (bpf_probe_read_user(ev->data, n, (void *)regs->si))
			n = 0;
	}
	ev->ts = bpf_ktime_get_boot_ns();
	ev->sk = (__u64)sk;
	ev->len = n;
	/* the file's kind field, where reads share it (a constant: the
	 * verifier drops the store in the other modes) */
	if (record_reads)
		ev->pad = FLOOR_KIND_SEND;
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_recv, struct sock *sk, int ret, int flags)
{
	if (!record_reads)
		return 0;
	if (KVIEW(struct sock, sk)->__sk_common.skc_family != AF_UNIX || ret <= 0)
		return 0;
	struct floor_event *ev = bpf_ringbuf_reserve(&floor_events, FLOOR_READ_EVENT, 0);
	if (!ev)
		return 0;
	ev->ts = bpf_ktime_get_boot_ns();
	ev->sk = (__u64)sk;
	ev->len = 0;
	ev->pad = FLOOR_KIND_READ;
	/* the rest of the event written too, as udsdump writes all of its own */
	__builtin_memset(ev->data, 0, FLOOR_READ_EVENT - sizeof(*ev) + FLOOR_MAX);
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	return 0;
}
