// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the ENGINE record (src/format/record_writer.c uds_record_engine,
 * src/engine/engine_record.c engine_record_build): the bytes are checked by a
 * small reader written from doc/FORMAT.md ("Engine records"), not from
 * the writer's own constants.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine_record.h"
#include "record_writer.h"

#include "check.h"

/* FORMAT.md's numbers, spelled out here on purpose. */
enum { EV_ENGINE = 9, T_KERNEL = 13, T_RUNG, T_MISSING, T_BLIND, T_VERSION, T_REASON };

struct tlv_seen {
	uint16_t type, len;
	const uint8_t *value;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The header, then the TLVs in order; the number of TLVs, -1 if malformed. */
static int parse(const uint8_t *r, size_t len, struct tlv_seen *out, int max)
{
	int n = 0;

	if (len < 16 || memcmp(r, "UDSK", 4) || r[4] != 1 || r[5] != EV_ENGINE)
		return -1;
	if (rd16(r + 6) != len || rd32(r + 8) != 0 || rd32(r + 12) != 0)
		return -1; /* header_len is the whole record: no payload, no flags */
	for (size_t o = 16; o < len; n++) {
		if (n == max || o + 4 > len)
			return -1;
		out[n].type = rd16(r + o);
		out[n].len = rd16(r + o + 2);
		out[n].value = r + o + 4;
		o += 4 + (size_t)out[n].len;
		if (o > len)
			return -1;
	}
	return n;
}

static int text_is(const struct tlv_seen *t, uint16_t type, const char *want)
{
	return t->type == type && t->len == strlen(want) && !memcmp(t->value, want, t->len);
}

static int missing_is(const struct tlv_seen *t, uint8_t source, const char *name, const char *reason)
{
	size_t nl = strlen(name), rl = strlen(reason);

	return t->type == T_MISSING && t->len == 2 + nl + rl && t->value[0] == source &&
	       t->value[1] == nl && !memcmp(t->value + 2, name, nl) && !memcmp(t->value + 2 + nl, reason, rl);
}

static void test_facts_to_bytes(void)
{
	const struct uds_engine_missing missing[] = {
		{ UDS_MISSING_WITHOUT, "sock-tracepoints", "hidden by --without" },
		{ UDS_MISSING_KERNEL, "sk-storage", "refused by the verifier" },
	};
	struct uds_engine_facts f = {
		.kernel = "6.18.44",
		.rung = "syscalls+hash",
		.version = "0.1.0",
		.blind = "io_uring",
		.reason = "sock-tracepoints: hidden by --without",
		.missing = missing,
		.n_missing = 2,
	};
	uint8_t buf[1024];
	struct tlv_seen t[16];
	size_t len = uds_record_engine(&f, buf, sizeof(buf));
	int n = parse(buf, len, t, 16);

	CHECK(n == 7, "7 TLVs, got %d (record of %zu bytes)", n, len);
	if (n != 7)
		return;
	CHECK(text_is(&t[0], T_KERNEL, "6.18.44"), "ENGINE_KERNEL first");
	CHECK(text_is(&t[1], T_RUNG, "syscalls+hash"), "ENGINE_RUNG");
	CHECK(missing_is(&t[2], 2, "sock-tracepoints", "hidden by --without"), "hidden feature");
	CHECK(missing_is(&t[3], 1, "sk-storage", "refused by the verifier"), "missing feature");
	CHECK(text_is(&t[4], T_BLIND, "io_uring"), "ENGINE_BLIND");
	CHECK(text_is(&t[5], T_VERSION, "0.1.0"), "ENGINE_VERSION");
	CHECK(text_is(&t[6], T_REASON, "sock-tracepoints: hidden by --without"), "ENGINE_REASON");
	CHECK(uds_record_engine(&f, buf, len - 1) == 0, "one byte short of room: 0");
}

/* Nothing missing, nothing blind, the fastest rung: three TLVs. */
static void test_optional_tlvs_absent(void)
{
	struct uds_engine_facts f = { .kernel = "6.12.1", .rung = "sock+storage", .version = "0.1.0", .reason = "" };
	uint8_t buf[256];
	struct tlv_seen t[8];
	int n = parse(buf, uds_record_engine(&f, buf, sizeof(buf)), t, 8);

	CHECK(n == 3 && t[0].type == T_KERNEL && t[1].type == T_RUNG && t[2].type == T_VERSION,
	      "kernel, rung, version only: %d TLVs", n);
}

/* From a loaded engine: every unusable feature, in --probe's order, the
 * ones --without hid marked so; the rung's blind spot and the reason. */
static void test_from_engine(void)
{
	struct engine e;
	uint8_t buf[2048];
	struct tlv_seen t[16];

	memset(&e, 0, sizeof(e));
	snprintf(e.features.release, sizeof(e.features.release), "6.18.44-fc-v1252");
	e.features.have = ~FEAT_BIT(FEAT_SK_STORAGE) & (FEAT_BIT(FEAT_COUNT) - 1);
	e.features.pretended = FEAT_BIT(FEAT_SOCK_TP);
	snprintf(e.features.why_missing[FEAT_SK_STORAGE], 160, "refused by the verifier: R2");
	e.rung = 2; /* syscalls+hash */
	snprintf(e.reason, sizeof(e.reason), "sock-tracepoints: hidden by --without");
	int n = parse(buf, engine_record_build(&e, buf, sizeof(buf)), t, 16);

	CHECK(n == 7, "7 TLVs, got %d", n);
	if (n != 7)
		return;
	CHECK(text_is(&t[0], T_KERNEL, "6.18.44-fc-v1252"), "kernel release");
	CHECK(text_is(&t[1], T_RUNG, engine_rungs[2].name), "rung name");
	CHECK(missing_is(&t[2], 2, "sock-tracepoints", "hidden by --without"), "hidden first (probe order)");
	CHECK(missing_is(&t[3], 1, "sk-storage", "refused by the verifier: R2"), "then the kernel's lack");
	CHECK(text_is(&t[4], T_BLIND, engine_rungs[2].blind), "the rung's blind spot");
	CHECK(text_is(&t[5], T_VERSION, UDSDUMP_VERSION), "version");
	CHECK(t[6].type == T_REASON, "reason last");

	e.rung = -1;
	CHECK(engine_record_build(&e, buf, sizeof(buf)) == 0, "no rung loaded: no record");
}

int main(void)
{
	test_facts_to_bytes();
	test_optional_tlvs_absent();
	test_from_engine();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
