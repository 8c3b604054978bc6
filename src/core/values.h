/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The values options and filters take, parsed one way for every front end
 * (command line, extcap configuration, capture-filter language). Pure.
 */
#ifndef UDSDUMP_VALUES_H
#define UDSDUMP_VALUES_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal number up to max, with no sign, space or trailing text. */
bool parse_u64_value(const char *s, uint64_t max, uint64_t *out);

/* Seconds, > 0 and at most 1e9 (a fraction allowed). */
bool parse_seconds(const char *s, double *out);

/* A file size as tcpdump's -C takes it: millions of bytes, or with a
 * suffix k, m or g (either case) KiB, MiB or GiB; > 0, at most 2^50. */
bool parse_file_size(const char *s, uint64_t *out);

/* Parse "auto", "sock", "syscalls". -1 on error. */
int parse_hook(const char *s);

/* Parse "none", "meta" (or "metadata"), "payload", "merged" (user space's:
 * metadata, a socket's consecutive reads in one record). -1 on error. */
#define RECV_MODE_MERGED 16
int parse_recv_mode(const char *s);

/* A socket type: "stream", "dgram" or "datagram", "seqpacket", in any
 * case, or its number (1, 2, 5). 0 on error. The one parser of socket
 * types: --type, the filter language and the extcap use it. */
uint32_t parse_sock_type(const char *s);

/* A container id or its prefix: 1 to 64 lowercase hex digits (as docker ps,
 * crictl ps and podman ps show them). */
bool parse_container_id(const char *s);

/* A network namespace: its inode number, or "net:[N]" as readlink
 * /proc/PID/ns/net shows it. */
bool parse_netns(const char *s, uint32_t *out);

/* "stream", "dgram", "seqpacket", or NULL for another number. */
const char *sock_type_name(uint32_t type);

#endif
