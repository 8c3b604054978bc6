// SPDX-License-Identifier: GPL-2.0-or-later
#include "values.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

bool parse_u64_value(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 1e9)
		return false;
	*out = v;
	return true;
}

bool parse_file_size(const char *s, uint64_t *out)
{
	char digits[24];
	size_t n = s ? strspn(s, "0123456789") : 0;
	uint64_t unit = 1000000, v;

	if (!n || n >= sizeof(digits))
		return false;
	switch (s[n]) {
	case 0:
		break;
	case 'k':
	case 'K':
		unit = 1ULL << 10;
		break;
	case 'm':
	case 'M':
		unit = 1ULL << 20;
		break;
	case 'g':
	case 'G':
		unit = 1ULL << 30;
		break;
	default:
		return false;
	}
	if (s[n] && s[n + 1])
		return false;
	memcpy(digits, s, n);
	digits[n] = 0;
	if (!parse_u64_value(digits, (1ULL << 50) / unit, &v) || v == 0)
		return false;
	*out = v * unit;
	return true;
}

int parse_hook(const char *s)
{
	if (!strcmp(s, "auto"))
		return HOOK_AUTO;
	if (!strcmp(s, "sock"))
		return HOOK_SOCK;
	if (!strcmp(s, "syscalls"))
		return HOOK_SYSCALLS;
	return -1;
}

int parse_recv_mode(const char *s)
{
	if (!strcmp(s, "none") || !strcmp(s, "0"))
		return UDS_RECV_NONE;
	if (!strcmp(s, "meta") || !strcmp(s, "metadata") || !strcmp(s, "1"))
		return UDS_RECV_METADATA;
	if (!strcmp(s, "payload") || !strcmp(s, "2"))
		return UDS_RECV_PAYLOAD;
	if (!strcmp(s, "merged"))
		return RECV_MODE_MERGED;
	return -1;
}

uint32_t parse_sock_type(const char *s)
{
	if (!strcasecmp(s, "stream") || !strcmp(s, "1"))
		return 1;
	if (!strcasecmp(s, "dgram") || !strcasecmp(s, "datagram") || !strcmp(s, "2"))
		return 2;
	if (!strcasecmp(s, "seqpacket") || !strcmp(s, "5"))
		return 5;
	return 0;
}

const char *sock_type_name(uint32_t type)
{
	return type == 1 ? "stream" : type == 2 ? "dgram" : type == 5 ? "seqpacket" : NULL;
}

bool parse_container_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool parse_netns(const char *s, uint32_t *out)
{
	char num[16];
	uint64_t v;
	size_t n = strlen(s);

	if (!strncmp(s, "net:[", 5) && n > 6 && s[n - 1] == ']' && n - 6 < sizeof(num)) {
		memcpy(num, s + 5, n - 6);
		num[n - 6] = 0;
		s = num;
	}
	if (!parse_u64_value(s, UINT32_MAX, &v) || v == 0)
		return false;
	*out = (uint32_t)v;
	return true;
}
