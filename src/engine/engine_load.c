// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine_load.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel_features.h"
#include "udsdump.skel.h"
#include "udsdump_legacy.skel.h"
#include "udsdump_nokfunc.skel.h"
#include "udsdump_raw.skel.h"

/* Statistics only (BPF_LOG_STATS): errors and "processed N insns", not a
 * trace of every instruction, so a small buffer holds it, and a refused
 * program is not loaded a second time just to fetch its log. */
#define VERIFIER_LOG_LEVEL 4
#define VERIFIER_LOG_SIZE (64 * 1024)

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The filters and settings, baked into .rodata before the load. */
static void configure(struct udsdump_bpf *skel, const struct capture_options *o, const struct engine_rung *r,
		      uint64_t cgroup_filter_id)
{
	struct uds_bpf_config *cfg = (struct uds_bpf_config *)&skel->rodata->cfg;

	cfg->self_pid = (uint32_t)getpid();
	cfg->snaplen = o->snaplen;
	cfg->payload = o->payload;
	cfg->recv_mode = o->recv_mode;
	cfg->has_pid = o->has_pid;
	cfg->pid = o->pid;
	cfg->has_uid = o->has_uid;
	cfg->uid = o->uid;
	cfg->sock_type = o->sock_type;
	cfg->has_comm = o->has_comm;
	memcpy(cfg->comm, o->comm, UDS_COMM_LEN);
	cfg->inode = o->inode;
	cfg->cgroup_id = cgroup_filter_id;
	cfg->container_len = (uint32_t)strlen(o->container);
	memcpy(cfg->container, o->container, cfg->container_len);
	cfg->netns = o->netns;
	cfg->path_filter = o->n_paths > 0 || o->n_prefixes > 0 || o->any_abstract;
	/* what only the capture-filter language sets (filter.c) */
	cfg->any_abstract = o->any_abstract;
	cfg->type_mask = o->type_mask;
	cfg->n_not_pids = (uint32_t)o->n_not_pids;
	memcpy(cfg->not_pids, o->not_pids, sizeof(cfg->not_pids));
	cfg->n_not_uids = (uint32_t)o->n_not_uids;
	memcpy(cfg->not_uids, o->not_uids, sizeof(cfg->not_uids));
	cfg->n_not_comms = (uint32_t)o->n_not_comms;
	memcpy(cfg->not_comms, o->not_comms, sizeof(cfg->not_comms));
	cfg->n_path_names = (uint32_t)o->n_paths;
	for (int i = 0; i < o->n_paths; i++) {
		if (o->paths[i][0] != '@')
			cfg->n_path_ids++; /* file identity or directory entry */
	}
	cfg->n_prefixes = (uint32_t)o->n_prefixes;
	for (int i = 0; i < o->n_prefixes; i++) {
		const char *p = o->prefixes[i];
		struct uds_addr *a = &cfg->prefixes[i];
		a->kind = p[0] == '@' ? UDS_ADDR_ABSTRACT : UDS_ADDR_PATHNAME;
		if (p[0] == '@')
			p++;
		a->len = (uint16_t)(strlen(p) > UDS_ADDR_MAX ? UDS_ADDR_MAX : strlen(p));
		memcpy(a->name, p, a->len);
	}
	uint32_t ring = capture_ring_mb(o) << 20, spill = capture_spill_mb(o) << 20;
	cfg->wakeup_bytes = ring / 4;
	bpf_map__set_max_entries(skel->maps.events, ring);
	cfg->spill = spill != 0;
	/* (no spill ring: the least a ring can be, never written) */
	bpf_map__set_max_entries(skel->maps.spill, spill ? spill : (uint32_t)getpagesize());
	int ncpu = libbpf_num_possible_cpus();
	uint32_t scratch = (uint32_t)(ncpu > 0 ? ncpu : 1) * UDS_SCRATCH_SLOTS;
	bpf_map__set_max_entries(skel->maps.data_scratch, scratch);
	bpf_map__set_max_entries(skel->maps.cmsg_scratch, scratch);
	bpf_map__set_max_entries(skel->maps.dirent_scratch, scratch);

	cfg->sk_storage = r->sk_storage;
	bool sock = r->hook == ENGINE_HOOK_SOCK;
	bpf_program__set_autoload(skel->progs.uds_send, sock);
	bpf_program__set_autoload(skel->progs.uds_recv, sock);
	bpf_program__set_autoload(skel->progs.uds_sys_exit, !sock);
	bpf_program__set_autoload(skel->progs.uds_life_exit, o->lifecycle);
	bpf_program__set_autoload(skel->progs.uds_life_enter, o->lifecycle);
}

static unsigned processed_insns(const char *log)
{
	const char *p = strstr(log, "processed ");
	return p ? (unsigned)strtoul(p + 10, NULL, 10) : 0;
}

/* -v: the end of a refused program's verifier log. */
static void print_log_tail(const char *prog, const char *log)
{
	const char *p = log + strlen(log);
	int lines = 0;

	while (p > log && lines <= 16) {
		p--;
		if (*p == '\n')
			lines++;
	}
	fprintf(stderr, "udsdump: the verifier refused %s:\n%s\n", prog, p == log ? p : p + 1);
}

/* One skeleton type for both objects: they are built from one source, so
 * their maps, programs and .rodata match; only the ELF bytes differ. */
static struct udsdump_bpf *open_engine(enum engine_object which, const char *btf_file)
{
	struct udsdump_bpf *obj = calloc(1, sizeof(*obj));
	/* --btf: the field offsets from that file, not the kernel's BTF */
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_file);
	int err;

	if (!obj)
		return NULL;
	err = udsdump_bpf__create_skeleton(obj);
	if (!err && which == ENGINE_OBJ_NOKFUNCS)
		obj->skeleton->data = (void *)udsdump_nokfunc_bpf__elf_bytes(&obj->skeleton->data_sz);
	else if (!err && which == ENGINE_OBJ_LEGACY)
		obj->skeleton->data = (void *)udsdump_legacy_bpf__elf_bytes(&obj->skeleton->data_sz);
	else if (!err && which == ENGINE_OBJ_RAW)
		obj->skeleton->data = (void *)udsdump_raw_bpf__elf_bytes(&obj->skeleton->data_sz);
	if (!err)
		err = bpf_object__open_skeleton(obj->skeleton, &opts);
	if (err) {
		udsdump_bpf__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

/* Load one rung; on a refusal, e->refusal says what the verifier said. */
static int load_rung(struct engine *e, const struct capture_options *o, const struct engine_rung *r)
{
	static char logs[ENGINE_MAX_PROGS][VERIFIER_LOG_SIZE];
	struct bpf_program *prog;
	int n = 0, err;

	e->skel = open_engine(r->object, o->btf);
	if (!e->skel) {
		snprintf(e->refusal, sizeof(e->refusal), "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	configure(e->skel, o, r, e->cgroup_filter_id);
	bpf_object__for_each_program(prog, e->skel->obj) {
		if (n >= ENGINE_MAX_PROGS)
			break;
		logs[n][0] = 0;
		bpf_program__set_log_buf(prog, logs[n], VERIFIER_LOG_SIZE);
		/* UDSDUMP_VERIFIER_LOG_LEVEL=1: the whole trace (debugging) */
		const char *lvl = getenv("UDSDUMP_VERIFIER_LOG_LEVEL");
		bpf_program__set_log_level(prog, lvl ? (uint32_t)atoi(lvl) : VERIFIER_LOG_LEVEL);
		n++;
	}
	err = udsdump_bpf__load(e->skel);
	e->n_verified = 0;
	n = 0;
	bpf_object__for_each_program(prog, e->skel->obj) {
		if (n >= ENGINE_MAX_PROGS)
			break;
		if (bpf_program__autoload(prog)) {
			/* libbpf stops at the first refused program */
			if (err && logs[n][0] && bpf_program__fd(prog) < 0 && !e->refusal[0]) {
				verifier_last_line(logs[n], e->refusal, sizeof(e->refusal));
				if (o->verbose)
					print_log_tail(bpf_program__name(prog), logs[n]);
			}
			e->verified[e->n_verified].prog = bpf_program__name(prog);
			e->verified[e->n_verified].insns = processed_insns(logs[n]);
			e->n_verified++;
		}
		n++;
	}
	if (err && !e->refusal[0])
		snprintf(e->refusal, sizeof(e->refusal), "%s", strerror(-err));
	if (err) {
		udsdump_bpf__destroy(e->skel);
		e->skel = NULL;
	}
	return err;
}

static struct rung_limits limits_of(const struct capture_options *o)
{
	struct rung_limits lim = {
		.sock_hook_allowed = o->hook != HOOK_SYSCALLS,
		.syscall_hook_allowed = o->hook != HOOK_SOCK,
		/* the lifecycle programs only have untrusted socket pointers */
		.sk_storage_allowed = !o->lifecycle,
	};
	return lim;
}

static void say_missing(const struct engine *e, enum feature f, char *out, size_t cap)
{
	const struct kernel_features *k = &e->features;

	if (k->pretended & FEAT_BIT(f))
		snprintf(out, cap, "%s: hidden by --without", feature_name(f));
	else
		snprintf(out, cap, "%s: %s", feature_name(f), k->why_missing[f]);
}

int engine_load(struct engine *e, const struct capture_options *o)
{
	struct rung_limits lim = limits_of(o);
	libbpf_print_fn_t old_print;
	enum feature skipped;
	int64_t t0 = now_ns();
	int i;

	uint64_t cgroup_filter_id = e->cgroup_filter_id; /* the caller's, resolved */

	memset(e, 0, sizeof(*e));
	e->cgroup_filter_id = cgroup_filter_id;
	e->rung = -1;
	kernel_features_probe(&e->features, o->without);
	e->probe_ns = now_ns() - t0;
	i = rung_choose(&e->features, &lim, 0, &skipped);
	if (i > 0 && skipped != FEAT_COUNT)
		say_missing(e, skipped, e->reason, sizeof(e->reason));
	/* refusals are reported here, once, not by libbpf */
	old_print = libbpf_set_print(NULL);
	while (i >= 0) {
		e->refusal[0] = 0;
		if (load_rung(e, o, &engine_rungs[i]) == 0) {
			e->rung = i;
			break;
		}
		char refused[sizeof(e->reason)];
		snprintf(refused, sizeof(refused), "%s refused by the verifier: %.180s", engine_rungs[i].name,
			 e->refusal);
		if (!e->reason[0])
			snprintf(e->reason, sizeof(e->reason), "%s", refused);
		snprintf(e->refusal, sizeof(e->refusal), "%s", refused);
		i = rung_choose(&e->features, &lim, (size_t)i + 1, NULL);
	}
	libbpf_set_print(old_print);
	e->load_ns = now_ns() - t0 - e->probe_ns;
	if (e->rung >= 0)
		return 0;
	if (e->refusal[0]) {
		fprintf(stderr, "udsdump: no engine variant loads on %s: %s\n", e->features.release, e->refusal);
	} else {
		char why[200];
		enum feature m = FEAT_COUNT;
		rung_choose(&e->features, &lim, 0, &m);
		say_missing(e, m == FEAT_COUNT ? FEAT_SOCK_TP : m, why, sizeof(why));
		fprintf(stderr, "udsdump: no engine variant for kernel %s: needs %s (%s)\n", e->features.release,
			feature_description(m == FEAT_COUNT ? FEAT_SOCK_TP : m), why);
	}
	return -1;
}

void engine_print_line(const struct engine *e, FILE *f)
{
	if (e->rung < 0)
		return;
	fprintf(f, "udsdump: engine %s on %s%s%s%s\n", engine_rungs[e->rung].name, e->features.release,
		e->reason[0] ? " (" : "", e->reason, e->reason[0] ? ")" : "");
}

void engine_print_details(const struct engine *e, FILE *f)
{
	fprintf(f, "udsdump: probed in %.3f s, loaded in %.3f s\n", (double)e->probe_ns / 1e9,
		(double)e->load_ns / 1e9);
	for (int i = 0; i < e->n_verified; i++)
		fprintf(f, "udsdump: program %s: %u instructions verified\n", e->verified[i].prog,
			e->verified[i].insns);
}

void engine_destroy(struct engine *e)
{
	udsdump_bpf__destroy(e->skel);
	e->skel = NULL;
}

int engine_probe_report(const struct capture_options *o)
{
	struct engine e;
	int rc = engine_load(&e, o);

	printf("kernel: %s\n", e.features.release);
	printf("features:\n");
	for (int f = 0; f < FEAT_COUNT; f++) {
		bool have = e.features.have & FEAT_BIT(f);
		bool hidden = e.features.pretended & FEAT_BIT(f);
		printf("  %-17s %-4s %s%s%s\n", feature_name((enum feature)f),
		       hidden ? "off" : have ? "yes" : "no", feature_description((enum feature)f),
		       have && !hidden ? "" : ": ", hidden ? "hidden by --without" : have ? "" : e.features.why_missing[f]);
	}
	if (rc != 0) {
		printf("engine: none\n");
		return 1;
	}
	const struct engine_rung *r = &engine_rungs[e.rung];
	printf("engine: %s%s%s%s\n", r->name, e.reason[0] ? " (" : "", e.reason, e.reason[0] ? ")" : "");
	for (int i = 0; i < e.n_verified; i++)
		printf("program: %s %u instructions verified\n", e.verified[i].prog, e.verified[i].insns);
	printf("not seen: %s\n", r->blind);
	engine_destroy(&e);
	return 0;
}
