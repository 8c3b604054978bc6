// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the load ladder's choice (src/engine/engine_rungs.c): each
 * kernel of the lab, as its features were probed there
 * (../shared/notes/kernel-lab.md), must get its expected rung, and every
 * rung must be the natural choice of some kernel.
 */
#include <stdio.h>
#include <string.h>

#include "engine_rungs.h"

#include "check.h"

#define B(f) FEAT_BIT(FEAT_##f)

/* As probed on each lab kernel. */
static const struct {
	const char *kernel;
	unsigned have;
} lab[] = {
	{ "5.10 (bullseye)", B(RINGBUF) | B(KERNEL_BTF) },
	{ "6.1 (bookworm)", B(RINGBUF) | B(TASK_BTF) | B(BPF_LOOP) | B(TASK_PT_REGS) | B(KERNEL_BTF) },
	{ "6.12 (trixie)", B(RINGBUF) | B(TASK_BTF) | B(BPF_LOOP) | B(TASK_PT_REGS) | B(KFUNCS) | B(SOCK_TP) |
				   B(SK_STORAGE) | B(KERNEL_BTF) },
	{ "6.18.44-fc-v1252", B(RINGBUF) | B(TASK_BTF) | B(BPF_LOOP) | B(TASK_PT_REGS) | B(KFUNCS) | B(SOCK_TP) |
				      B(KERNEL_BTF) },
	/* the lab's no-BTF row: 6.12 with /sys/kernel/btf hidden (libbpf finds
	 * no BTF; the helpers are still there) */
	{ "6.12 without its BTF", B(RINGBUF) | B(TASK_BTF) | B(BPF_LOOP) | B(TASK_PT_REGS) | B(SK_STORAGE) },
};

static const struct rung_limits any = { true, true, true };

static const char *chosen(unsigned have, unsigned pretend, const struct rung_limits *lim)
{
	struct kernel_features k;

	memset(&k, 0, sizeof(k));
	k.have = have;
	k.pretended = pretend;
	int i = rung_choose(&k, lim, 0, NULL);
	return i < 0 ? "none" : engine_rungs[i].name;
}

static void expect(const char *kernel, unsigned have, unsigned pretend, const struct rung_limits *lim,
		   const char *want)
{
	const char *got = chosen(have, pretend, lim);
	CHECK(!strcmp(got, want), "%s (pretend 0x%x): chose %s, want %s", kernel, pretend, got, want);
}

static void test_lab_kernels(void)
{
	expect(lab[0].kernel, lab[0].have, 0, &any, "syscalls+hash+legacy");
	expect(lab[1].kernel, lab[1].have, 0, &any, "syscalls+hash");
	expect(lab[2].kernel, lab[2].have, 0, &any, "sock+storage");
	expect(lab[3].kernel, lab[3].have, 0, &any, "sock+hash");
	expect(lab[4].kernel, lab[4].have, 0, &any, "syscalls+hash+legacy+raw");
}

/* --without goes through the same choice: each feature hidden gives the
 * rung a kernel without it would get. */
static void test_pretend(void)
{
	unsigned all = lab[2].have;

	expect("6.12 without sk-storage", all, B(SK_STORAGE), &any, "sock+hash");
	expect("6.12 without sock-tracepoints", all, B(SOCK_TP), &any, "syscalls+hash");
	expect("6.12 without task-pt-regs", all, B(TASK_PT_REGS), &any, "syscalls+hash+legacy");
	expect("6.12 without bpf-loop", all, B(BPF_LOOP), &any, "syscalls+hash+legacy");
	expect("6.12 without ringbuf", all, B(RINGBUF), &any, "none");
	expect("6.12 without kfuncs", all, B(KFUNCS), &any, "syscalls+hash");
	expect("6.12 without kernel-btf", all, B(KERNEL_BTF), &any, "syscalls+hash+legacy+raw");
	expect("5.10 without kernel-btf", lab[0].have, B(KERNEL_BTF), &any, "syscalls+hash+legacy+raw");
	/* hiding what the kernel lacks anyway changes nothing */
	expect("v1252 without sk-storage", lab[3].have, B(SK_STORAGE), &any, "sock+hash");
}

static void test_limits(void)
{
	struct rung_limits syscalls_only = { .sock_hook_allowed = false, .syscall_hook_allowed = true,
					     .sk_storage_allowed = true };
	struct rung_limits lifecycle = { .sock_hook_allowed = true, .syscall_hook_allowed = true,
					 .sk_storage_allowed = false };
	struct rung_limits sock_only = { .sock_hook_allowed = true, .syscall_hook_allowed = false,
					 .sk_storage_allowed = true };

	expect("6.12 --hook=syscalls", lab[2].have, 0, &syscalls_only, "syscalls+hash");
	expect("6.12 --lifecycle", lab[2].have, 0, &lifecycle, "sock+hash");
	expect("6.1 --hook=sock", lab[1].have, 0, &sock_only, "none");
	expect("6.1 --lifecycle", lab[1].have, 0, &lifecycle, "syscalls+hash");
}

/* A refused rung: the next one is asked for from the index after it. */
static void test_next_rung_and_skip_reason(void)
{
	struct kernel_features k;
	enum feature skipped;

	memset(&k, 0, sizeof(k));
	k.have = lab[3].have;
	int i = rung_choose(&k, &any, 0, &skipped);
	CHECK(i == 1 && skipped == FEAT_SK_STORAGE, "v1252: rung %d, skipped %s", i, feature_name(skipped));
	i = rung_choose(&k, &any, 2, &skipped);
	CHECK(i == 2 && skipped == FEAT_COUNT, "after sock+hash: rung %d", i);
	k.have = lab[1].have;
	i = rung_choose(&k, &any, 0, &skipped);
	CHECK(i == 2 && skipped == FEAT_KFUNCS, "6.1: rung %d, skipped %s", i, feature_name(skipped));
	i = rung_choose(&k, &any, engine_rung_count, &skipped);
	CHECK(i == -1, "past the last rung: %d", i);
	/* no kernel BTF: the probes that read it fail too, but the reason
	 * names the BTF, not what it hid */
	k.have = lab[4].have;
	i = rung_choose(&k, &any, 0, &skipped);
	CHECK(!strcmp(engine_rungs[i].name, "syscalls+hash+legacy+raw") && skipped == FEAT_KERNEL_BTF,
	      "6.12 without its BTF: rung %d, skipped %s", i, feature_name(skipped));
}

/* Every rung is the natural choice of some lab kernel. */
static void test_every_rung_reachable(void)
{
	for (size_t r = 0; r < engine_rung_count; r++) {
		bool reached = false;
		for (size_t l = 0; l < sizeof(lab) / sizeof(lab[0]); l++)
			reached |= !strcmp(chosen(lab[l].have, 0, &any), engine_rungs[r].name);
		CHECK(reached, "rung %s is never chosen", engine_rungs[r].name);
	}
}

static void test_feature_names(void)
{
	unsigned mask;
	const char *err = NULL;

	CHECK(parse_feature_list("sk-storage,sock-tracepoints", &mask, &err) &&
		      mask == (B(SK_STORAGE) | B(SOCK_TP)),
	      "two names: 0x%x", mask);
	CHECK(parse_feature_list("", &mask, &err) && mask == 0, "empty list");
	CHECK(!parse_feature_list("bpf-loop,a\nb", &mask, &err) && !strchr(err, '\n'),
	      "an unknown name is quoted on one line: %s", err);
	CHECK(!parse_feature_list("sk-storage,warp-drive", &mask, &err) && strstr(err, "'warp-drive'"),
	      "unknown name: %s", err ? err : "(none)");
	for (int f = 0; f < FEAT_COUNT; f++) {
		CHECK(parse_feature_list(feature_name((enum feature)f), &mask, &err) && mask == FEAT_BIT(f),
		      "name of feature %d round-trips", f);
	}
}

int main(void)
{
	test_lab_kernels();
	test_pretend();
	test_limits();
	test_next_rung_and_skip_reason();
	test_every_rung_reachable();
	test_feature_names();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
