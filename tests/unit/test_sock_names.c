// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of src/engine/sock_names.c: a socket's names are found from
 * any generation still held; a generation ends at its size, not sooner
 * than its period, not while the one two back is still held; the one two
 * back goes only after the drain that follows SOCK_NAMES_RETIRE_NS; what
 * is held stays bounded however many sockets pass. And the task a socket's
 * names hold is written into its records only for that task's events; a
 * record flagged PEER_AS_BEFORE leaves out the peer's identity and SOCK_NS
 * but keeps the names.
 */
#include <stdio.h>
#include <string.h>

#include "record_writer.h"
#include "sock_names.h"

#include "check.h"

#define SEC 1000000000LL

static struct uds_sockinfo_event named(uint64_t ino, const char *path)
{
	struct uds_sockinfo_event e;

	memset(&e, 0, sizeof(e));
	e.kind = UDS_RING_SOCKINFO;
	e.sock_ino = ino;
	e.local_addr.kind = UDS_ADDR_PATHNAME;
	e.local_addr.len = (uint16_t)strlen(path);
	memcpy(e.local_addr.name, path, strlen(path));
	e.ns.net_ns = 4026531840u;
	return e;
}

static bool has(struct sock_names *t, uint64_t ino, const char *path)
{
	const struct uds_sock_names *n = sock_names_lookup(t, ino);

	return n && n->local.len == strlen(path) && !memcmp(n->local.name, path, n->local.len) &&
	       n->tlv_len > 0;
}

static void lookup_and_replace(void)
{
	struct sock_names *t = sock_names_new(100, 10 * SEC);
	struct uds_sockinfo_event e = named(7, "/run/a.sock");

	CHECK(!sock_names_lookup(t, 7), "nothing named yet");
	CHECK(!sock_names_keep(t, &e, 20 * SEC), "one socket ends no generation");
	CHECK(has(t, 7, "/run/a.sock"), "socket 7 named");
	e = named(7, "/run/b.sock");
	sock_names_keep(t, &e, 20 * SEC);
	CHECK(has(t, 7, "/run/b.sock"), "a changed name replaces the old one");
	CHECK(sock_names_held(t) == 1, "one socket held, not %u", sock_names_held(t));
	CHECK(!sock_names_lookup(t, 8), "socket 8 was never named");
	sock_names_free(t);
}

static void keep(struct sock_names *t, uint64_t ino, const char *path, int64_t now, bool *ended)
{
	struct uds_sockinfo_event e = named(ino, path);
	bool end = sock_names_keep(t, &e, now);

	if (ended)
		*ended = end;
}

static void generations(void)
{
	struct sock_names *t = sock_names_new(3, 10 * SEC);
	bool ended;
	int64_t t0 = 20 * SEC;

	keep(t, 1, "/one", t0, &ended);
	keep(t, 2, "/two", t0, &ended);
	CHECK(!ended, "two sockets end no generation of 3");
	keep(t, 3, "/three", t0, &ended);
	CHECK(ended, "the third socket ends a generation of 3");
	sock_names_retire(t, t0 + SOCK_NAMES_RETIRE_NS); /* the drain after it */
	keep(t, 4, "/four", t0, NULL);
	keep(t, 5, "/five", t0, NULL);
	keep(t, 6, "/six", t0 + SEC, &ended);
	CHECK(!ended, "no new generation within the period");
	CHECK(has(t, 1, "/one") && has(t, 6, "/six"), "both generations are looked up");
	int64_t t1 = t0 + 11 * SEC;
	keep(t, 7, "/seven", t1, &ended);
	CHECK(ended, "after the period, a full generation ends");
	CHECK(has(t, 1, "/one"), "the generation two back is held until retired");
	sock_names_retire(t, t1 + SOCK_NAMES_RETIRE_NS - 1);
	CHECK(has(t, 1, "/one"), "not retired before SOCK_NAMES_RETIRE_NS");
	keep(t, 8, "/eight", t1 + 20 * SEC, NULL);
	keep(t, 9, "/nine", t1 + 20 * SEC, NULL);
	keep(t, 10, "/ten", t1 + 20 * SEC, &ended);
	CHECK(!ended, "no generation ends while the one two back is held");
	sock_names_retire(t, t1 + SOCK_NAMES_RETIRE_NS);
	CHECK(!sock_names_lookup(t, 1) && !sock_names_lookup(t, 3), "retired after the drain");
	CHECK(has(t, 4, "/four") && has(t, 7, "/seven") && has(t, 10, "/ten"),
	      "the two newest generations stay");
	sock_names_free(t);
}

/* A long capture: 100,000 sockets, each used once, a new one every 5 ms
 * and a drain after each (fewer new sockets per SOCK_NAMES_RETIRE_NS than
 * a generation holds): what is held stays within three generations. */
static void bounded(void)
{
	struct sock_names *t = sock_names_new(64, 0);
	unsigned most = 0;
	int64_t now = 0;

	for (uint64_t ino = 1; ino <= 100000; ino++) {
		keep(t, ino, "/run/many.sock", now, NULL);
		sock_names_retire(t, now);
		if (sock_names_held(t) > most)
			most = sock_names_held(t);
		if (!has(t, ino, "/run/many.sock"))
			break;
		now += 5000000;
	}
	CHECK(has(t, 100000, "/run/many.sock"), "the newest socket is found");
	CHECK(most <= 3 * 64, "at most three generations held: %u", most);
	CHECK(most > 2 * 64, "generations do end and overlap: %u", most);
	sock_names_free(t);
}

/* Lookups are remembered per inode: many sockets (whose memo slots
 * collide) each keep their own names, a rename is seen at once, and a
 * retired generation's names are not handed out from memory. */
static void remembered(void)
{
	struct sock_names *t = sock_names_new(2000, 0);
	char path[32];
	bool all = true;

	for (uint64_t ino = 1; ino <= 1000; ino++) {
		snprintf(path, sizeof(path), "/s%llu", (unsigned long long)ino);
		keep(t, ino, path, SEC, NULL);
	}
	for (int round = 0; round < 2; round++) {
		for (uint64_t ino = 1; ino <= 1000; ino++) {
			snprintf(path, sizeof(path), "/s%llu", (unsigned long long)ino);
			all = all && has(t, ino, path);
		}
	}
	CHECK(all, "1000 sockets, looked up twice, each has its own name");
	keep(t, 500, "/renamed", SEC, NULL);
	CHECK(has(t, 500, "/renamed"), "a rename after a lookup is seen at once");
	sock_names_free(t);

	t = sock_names_new(2, 0);
	keep(t, 1, "/one", SEC, NULL);
	keep(t, 2, "/two", SEC, NULL); /* ends the first generation */
	keep(t, 3, "/three", 2 * SEC, NULL);
	keep(t, 4, "/four", 2 * SEC, NULL); /* none ends while one is retiring */
	sock_names_retire(t, SEC + SOCK_NAMES_RETIRE_NS);
	keep(t, 5, "/five", 3 * SEC, NULL);
	keep(t, 6, "/six", 3 * SEC, NULL); /* 3, 4, 5 go to prev, 1, 2 retiring */
	CHECK(has(t, 1, "/one"), "socket 1 still held while retiring, and remembered again");
	sock_names_retire(t, 4 * SEC);
	CHECK(!sock_names_lookup(t, 1), "a remembered socket of a retired generation is gone");
	sock_names_free(t);
}

/* The pid in the TASK of the record of an event of task generation gen
 * (and tid 77), or 0 if it has none. */
static uint32_t task_pid_in_record(const struct uds_sock_names *n, uint8_t gen)
{
	static uint8_t out[UDS_RECORD_META_MAX];
	struct uds_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = UDS_RING_DATA;
	ev.event = UDS_EV_DATA;
	ev.sock_ino = 7;
	ev.tid = 77;
	ev.task_gen = gen;
	size_t len = uds_record_from_event(&ev, NULL, n, NULL, NULL, NULL, 0, out, sizeof(out));
	size_t hl = len >= 16 ? (size_t)(out[6] | out[7] << 8) : 0;
	for (size_t off = 16; off + 4 <= hl; off += 4 + (size_t)(out[off + 2] | out[off + 3] << 8)) {
		const uint8_t *v = out + off + 4;
		if ((out[off] | out[off + 1] << 8) == UDS_TLV_TASK && v[4] == 77)
			return (uint32_t)(v[0] | v[1] << 8 | v[2] << 16 | (uint32_t)v[3] << 24);
	}
	return 0;
}

static void task_of_socket(void)
{
	struct sock_names *t = sock_names_new(16, 0);
	struct uds_sockinfo_event e = named(7, "/task");

	e.task.pid = 1234;
	e.task.cgroup_id = 99;
	memcpy(e.task.comm, "worker", 7);
	e.task_gen = 3;
	sock_names_keep(t, &e, SEC);
	const struct uds_sock_names *n = sock_names_lookup(t, 7);
	CHECK(n && task_pid_in_record(n, 3) == 1234,
	      "the socket's task is in its record, with the event's tid");
	CHECK(n && task_pid_in_record(n, 4) == 0,
	      "an event of the next task generation has no TASK (its SOCKINFO was lost)");
	CHECK(task_pid_in_record(NULL, 3) == 0, "no names, no TASK");
	e.task.pid = 4321;
	e.task_gen = 4;
	sock_names_keep(t, &e, SEC);
	n = sock_names_lookup(t, 7);
	CHECK(n && task_pid_in_record(n, 4) == 4321 && task_pid_in_record(n, 3) == 0,
	      "the next task of the socket replaces the one before");
	sock_names_free(t);
}

/* Bit t set for each TLV type t (< 32) of the record of a DATA event of
 * socket 7 with names n and extra_flags. */
static uint32_t tlv_types_in_record(const struct uds_sock_names *n, uint32_t extra_flags)
{
	static uint8_t out[UDS_RECORD_META_MAX];
	struct uds_event ev;
	uint32_t types = 0;

	memset(&ev, 0, sizeof(ev));
	ev.kind = UDS_RING_DATA;
	ev.event = UDS_EV_DATA;
	ev.sock_ino = 7;
	size_t len = uds_record_from_event(&ev, NULL, n, NULL, NULL, NULL, extra_flags, out, sizeof(out));
	size_t hl = len >= 16 ? (size_t)(out[6] | out[7] << 8) : 0;
	for (size_t off = 16; off + 4 <= hl; off += 4 + (size_t)(out[off + 2] | out[off + 3] << 8)) {
		unsigned t = out[off] | out[off + 1] << 8;
		if (t < 32)
			types |= 1u << t;
	}
	return types;
}

static void as_before_leaves_out(void)
{
	struct sock_names *t = sock_names_new(16, 0);
	struct uds_sockinfo_event e = named(7, "/as-before");
	const uint32_t carried = 1u << UDS_TLV_PEER_CRED | 1u << UDS_TLV_PEER_TASK |
				 1u << UDS_TLV_PEER_TASK_NS | 1u << UDS_TLV_SOCK_NS;
	const uint32_t names = 1u << UDS_TLV_LOCAL_ADDR | 1u << UDS_TLV_PEER_ADDR;

	e.ident.peercred_pid = 812;
	e.ident.peer_pid = 812;
	e.ident.peer_ns.cgroup_id = 5;
	sock_names_keep(t, &e, SEC);
	const struct uds_sock_names *n = sock_names_lookup(t, 7);
	uint32_t whole = tlv_types_in_record(n, 0);
	uint32_t flagged = tlv_types_in_record(n, UDS_F_PEER_AS_BEFORE);
	CHECK((whole & carried) == carried && (whole & names) == names,
	      "a record without the flag holds the peer, SOCK_NS and the names: %#x", whole);
	CHECK(!(flagged & carried) && (flagged & names) == names,
	      "a flagged record holds the names only: %#x", flagged);
	sock_names_free(t);
}

int main(void)
{
	lookup_and_replace();
	generations();
	bounded();
	remembered();
	task_of_socket();
	as_before_leaves_out();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
