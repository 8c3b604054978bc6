// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime_names.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ASK_TIMEOUT_MS 250
#define ASK_AGAIN_NS   (60LL * 1000000000LL)
#define REPLY_MAX      (256 * 1024)
#define OWN_SOCKETS    16

struct asked {
	char *name;	  /* NULL: no answer */
	int64_t asked_ns; /* CLOCK_MONOTONIC */
};

struct runtime_names {
	GHashTable *by_id; /* container id -> struct asked */
	uint64_t own[OWN_SOCKETS];
	unsigned n_own;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void asked_free(gpointer p)
{
	struct asked *a = p;
	g_free(a->name);
	g_free(a);
}

struct runtime_names *runtime_names_new(void)
{
	struct runtime_names *rn = g_new0(struct runtime_names, 1);

	rn->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, asked_free);
	return rn;
}

void runtime_names_free(struct runtime_names *rn)
{
	if (!rn)
		return;
	g_hash_table_destroy(rn->by_id);
	g_free(rn);
}

bool runtime_names_own_socket(const struct runtime_names *rn, uint64_t ino)
{
	for (unsigned i = 0; ino && i < OWN_SOCKETS && i < rn->n_own; i++)
		if (rn->own[i] == ino)
			return true;
	return false;
}

/* Past a JSON string starting at s[i] == '"'; 0 if unterminated. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

bool runtime_name_from_json(const char *s, size_t len, char *out, size_t cap)
{
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if (s[i] == '}' || s[i] == ']') {
			depth--;
		} else if (s[i] == '"') {
			size_t end = skip_string(s, len, i);
			if (!end)
				return false;
			/* a key of the outermost object, "Name", then : "value" */
			size_t q = end;
			while (q < len && (s[q] == ' ' || s[q] == ':' || s[q] == '\n' || s[q] == '\t'))
				q++;
			if (depth == 1 && end - i == 6 && !memcmp(s + i, "\"Name\"", 6) && q < len &&
			    memchr(s + end, ':', q - end) && s[q] == '"') {
				const char *v = s + q + 1;
				size_t close = skip_string(s, len, q);
				if (!close)
					return false;
				size_t n = close - 1 - (q + 1);
				if (memchr(v, '\\', n))
					return false;
				if (n && v[0] == '/')
					v++, n--;
				if (!n || n >= cap)
					return false;
				memcpy(out, v, n);
				out[n] = 0;
				return true;
			}
			i = end - 1;
		}
	}
	return false;
}

static void remember_socket(struct runtime_names *rn, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		rn->own[rn->n_own++ % OWN_SOCKETS] = (uint64_t)st.st_ino;
	if (rn->n_own >= 2 * OWN_SOCKETS)
		rn->n_own -= OWN_SOCKETS;
}

/* An HTTP/1.0 GET on the Unix socket at path within the deadline: the
 * reply's bytes (g_free), or NULL. */
static char *http_get(struct runtime_names *rn, const char *path, const char *target, size_t *len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = mono_ns() + ASK_TIMEOUT_MS * 1000000LL;
	char req[256];
	GString *reply;
	int fd;

	if (access(path, F_OK) != 0 || strlen(path) >= sizeof(sa.sun_path))
		return NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	remember_socket(rn, fd);
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", target);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return NULL;
	}
	reply = g_string_new(NULL);
	for (;;) {
		char buf[16384];
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (deadline - mono_ns()) / 1000000LL;
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got <= 0 || reply->len + (size_t)got > REPLY_MAX) {
			if (got == 0) {
				close(fd);
				*len = reply->len;
				return g_string_free(reply, FALSE);
			}
			break;
		}
		g_string_append_len(reply, buf, got);
	}
	close(fd);
	g_string_free(reply, TRUE);
	return NULL; /* cut short: no answer */
}

/* The runtime's answer for id: its name, or NULL. */
static char *ask(struct runtime_names *rn, enum uds_runtime runtime, const char *id)
{
	static const char *const docker[] = { "/run/docker.sock", "/var/run/docker.sock", NULL };
	static const char *const podman[] = { "/run/podman/podman.sock", NULL };
	const char *const *paths = runtime == UDS_RUNTIME_DOCKER ? docker : podman;
	char target[128], name[256];

	snprintf(target, sizeof(target), "/containers/%s/json", id);
	for (; *paths; paths++) {
		size_t len = 0;
		char *reply = http_get(rn, *paths, target, &len);
		const char *body = reply ? g_strstr_len(reply, (gssize)len, "\r\n\r\n") : NULL;
		bool ok = body && !strncmp(reply, "HTTP/1.", 7) && !strncmp(reply + 8, " 200", 4) &&
			  runtime_name_from_json(body + 4, len - (size_t)(body + 4 - reply), name,
						 sizeof(name));
		g_free(reply);
		if (ok)
			return g_strdup(name);
		if (reply)
			break; /* it answered: not there */
	}
	return NULL;
}

const char *runtime_container_name(struct runtime_names *rn, enum uds_runtime runtime, const char *id)
{
	struct asked *a;

	if ((runtime != UDS_RUNTIME_DOCKER && runtime != UDS_RUNTIME_PODMAN) || !id[0])
		return NULL;
	a = g_hash_table_lookup(rn->by_id, id);
	if (a && (a->name || mono_ns() - a->asked_ns < ASK_AGAIN_NS))
		return a->name;
	if (!a) {
		a = g_new0(struct asked, 1);
		g_hash_table_insert(rn->by_id, g_strdup(id), a);
	}
	a->asked_ns = mono_ns();
	a->name = ask(rn, runtime, id);
	return a->name;
}
