// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probes that only the verifier can answer, each a program small
 * enough to load in a moment (under qemu's emulation a refused load of the
 * whole engine costs 14-28 s). Each one repeats, alone, the access pattern
 * of the engine that depends on it. user space loads one at a time
 * (src/engine/kernel_features.c).
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct probe_state {
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct probe_state);
} probe_states SEC(".maps");

/* The socket-storage engine reaches the peer's state through
 * bpf_skc_to_unix_sock(sk)->peer. Kernels differ on whether that pointer
 * is one bpf_sk_storage_get() accepts (6.18.44-fc-v1252 calls it
 * untrusted and refuses it). */
SEC("tp_btf/sock_send_length")
int BPF_PROG(probe_peer_storage, struct sock *sk, int ret, int flags)
{
	struct unix_sock *u = bpf_skc_to_unix_sock(sk);

	if (!u || !u->peer)
		return 0;
	bpf_sk_storage_get(&probe_states, u->peer, 0, 0);
	return 0;
}
