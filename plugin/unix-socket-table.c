/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix-socket-table.c: which dissector a well-known socket path speaks
 *
 * Two tables from path patterns (glob: '*' and '?', '*' also matches '/') to
 * dissector names: the user's (a UAT, "unix_sockets" in the profile, edited
 * in the GUI's preferences or given to tshark with -o uat:unix_sockets:...)
 * and the one shipped here. Decode As comes before both, the heuristics
 * after (unix-handoff.c).
 */

#include "packet-unix.h"

#include <epan/uat.h>

/* The sockets everyone knows, where Debian's packaging puts them. */
static const struct {
	const char *pattern;
	const char *dissector;
} unix_shipped_sockets[] = {
	/* Container engines: their REST APIs are HTTP/1.1. */
	{ "/run/docker.sock", "http-over-tcp" },
	{ "/var/run/docker.sock", "http-over-tcp" },
	{ "/run/podman/podman.sock", "http-over-tcp" },
	{ "/run/user/*/podman/podman.sock", "http-over-tcp" },
	{ "/run/snapd.socket", "http-over-tcp" },
	{ "/run/cups/cups.sock", "http-over-tcp" },
	/* containerd and the CRI runtimes: gRPC over HTTP/2. */
	{ "/run/containerd/containerd.sock", "http2" },
	{ "/var/run/containerd/containerd.sock", "http2" },
	{ "/run/crio/crio.sock", "http2" },
	{ "/var/run/crio/crio.sock", "http2" },
	{ "/run/cri-dockerd.sock", "http2" },
	{ "/var/run/cri-dockerd.sock", "http2" },
	{ "/var/lib/kubelet/pod-resources/kubelet.sock", "http2" },
	{ "/run/spire/sockets/*.sock", "http2" },
	/* D-Bus: the system bus, session buses, systemd's private bus. */
	{ "/run/dbus/system_bus_socket", "dbus.tcp" },
	{ "/var/run/dbus/system_bus_socket", "dbus.tcp" },
	{ "/run/user/*/bus", "dbus.tcp" },
	{ "/tmp/dbus-*", "dbus.tcp" },
	{ "@/tmp/dbus-*", "dbus.tcp" },
	{ "/run/systemd/private", "dbus.tcp" },
	/* Databases and caches. */
	{ "*/.s.PGSQL.*", "pgsql" },
	{ "/run/mysqld/mysqld.sock", "mysql" },
	{ "/var/run/mysqld/mysqld.sock", "mysql" },
	{ "/tmp/mysql.sock", "mysql" },
	{ "/var/lib/mysql/mysql.sock", "mysql" },
	{ "/run/redis/*.sock", "resp" },
	{ "/var/run/redis/*.sock", "resp" },
	{ "/run/memcached/*.sock", "memcache.tcp" },
	{ "/var/run/memcached/*.sock", "memcache.tcp" },
	/* X11, with its abstract twin. */
	{ "/tmp/.X11-unix/X*", "x11" },
	{ "@/tmp/.X11-unix/X*", "x11" },
	/* syslog(3) and journald's syslog forwarding. */
	{ "/dev/log", "syslog" },
	{ "/run/systemd/journal/dev-log", "syslog" },
	{ "/run/systemd/journal/syslog", "syslog" },
	/* php-fpm pools: FastCGI. */
	{ "/run/php/php*-fpm.sock", "fcgi" },
	{ "/var/run/php/php*-fpm.sock", "fcgi" },
	{ "/run/php-fpm/*.sock", "fcgi" },
};

/* One row of the user's table (the UAT's record). */
typedef struct {
	char *pattern;
	char *dissector;          /* the dissector's name, as typed */
	dissector_handle_t handle; /* unix_find_dissector(dissector) */
} unix_socket_entry_t;

static unix_socket_entry_t *user_sockets;
static guint n_user_sockets;
static ws_bool pref_use_shipped = TRUE;

/* The shipped rows' handles (NULL: not in this Wireshark), found at handoff. */
static dissector_handle_t shipped_handles[G_N_ELEMENTS(unix_shipped_sockets)];

UAT_CSTRING_CB_DEF(unix_sockets, pattern, unix_socket_entry_t)
UAT_CSTRING_CB_DEF(unix_sockets, dissector, unix_socket_entry_t)

struct unix_proto_search {
	const char *filter_name;
	dissector_handle_t found;
};

static void
unix_match_tcp_handle(const gchar *table_name _U_, gpointer value, gpointer user_data)
{
	struct unix_proto_search *ps = (struct unix_proto_search *)user_data;
	dissector_handle_t h = (dissector_handle_t)value;
	int proto = dissector_handle_get_protocol_index(h);
	if (!ps->found && proto >= 0 &&
	    strcmp(proto_get_protocol_filter_name(proto), ps->filter_name) == 0)
		ps->found = h;
}

/*
 * A dissector by name: its registered name, or else the protocol of that
 * filter name (before any ".tcp") among the tcp.port dissectors. Wireshark
 * 4.0 registers dbus, x11 and resp under no name, only on TCP ports.
 */
dissector_handle_t
unix_find_dissector(const char *name)
{
	dissector_handle_t h = find_dissector(name);
	struct unix_proto_search ps;
	char *base;
	if (h || !name || !*name)
		return h;
	base = g_strdup(name);
	if (g_str_has_suffix(base, ".tcp"))
		base[strlen(base) - 4] = '\0';
	ps.filter_name = base;
	ps.found = NULL;
	dissector_table_foreach_handle("tcp.port", unix_match_tcp_handle, &ps);
	g_free(base);
	return ps.found;
}

static void *
unix_socket_entry_copy(void *dest, const void *src, size_t len _U_)
{
	unix_socket_entry_t *d = (unix_socket_entry_t *)dest;
	const unix_socket_entry_t *s = (const unix_socket_entry_t *)src;
	d->pattern = g_strdup(s->pattern);
	d->dissector = g_strdup(s->dissector);
	d->handle = s->handle;
	return d;
}

static ws_bool
unix_socket_entry_check(void *rec, char **err)
{
	unix_socket_entry_t *e = (unix_socket_entry_t *)rec;
	if (!e->pattern || !*e->pattern) {
		*err = g_strdup("The path pattern is empty");
		return FALSE;
	}
	e->handle = e->dissector ? unix_find_dissector(e->dissector) : NULL;
	if (!e->handle) {
		*err = g_strdup_printf("No dissector named \"%s\"", e->dissector ? e->dissector : "");
		return FALSE;
	}
	return TRUE;
}

static void
unix_socket_entry_free(void *rec)
{
	unix_socket_entry_t *e = (unix_socket_entry_t *)rec;
	g_free(e->pattern);
	g_free(e->dissector);
}

/* The dissector the user's table, then the shipped one, give path; or NULL. */
dissector_handle_t
unix_socket_table_lookup(const char *path)
{
	if (!path)
		return NULL;
	for (guint i = 0; i < n_user_sockets; i++) {
		if (user_sockets[i].handle && g_pattern_match_simple(user_sockets[i].pattern, path))
			return user_sockets[i].handle;
	}
	if (!pref_use_shipped)
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(unix_shipped_sockets); i++) {
		if (shipped_handles[i] && g_pattern_match_simple(unix_shipped_sockets[i].pattern, path))
			return shipped_handles[i];
	}
	return NULL;
}

void
unix_socket_table_register(module_t *unix_module)
{
	static uat_field_t fields[] = {
		UAT_FLD_CSTRING(unix_sockets, pattern, "Socket path",
		    "A socket path or a pattern (* and ? match any characters, / included); "
		    "abstract names start with @"),
		UAT_FLD_CSTRING(unix_sockets, dissector, "Dissector",
		    "The dissector its bytes go to, by name or protocol (pgsql, mysql, x11, dbus, "
		    "http2...)"),
		UAT_END_FIELDS
	};
	uat_t *uat = uat_new("Unix sockets", sizeof(unix_socket_entry_t), "unix_sockets", TRUE,
	    &user_sockets, &n_user_sockets, UAT_AFFECTS_DISSECTION, NULL, unix_socket_entry_copy,
	    unix_socket_entry_check, unix_socket_entry_free, NULL, NULL, fields);

	prefs_register_uat_preference(unix_module, "sockets", "Unix socket table",
	    "Socket paths and the dissector each speaks, consulted before the shipped table "
	    "and the heuristics (Decode As comes first)", uat);
	prefs_register_bool_preference(unix_module, "shipped_sockets",
	    "Decode well-known sockets by their path",
	    "Use the shipped table of well-known socket paths (Docker, containerd, D-Bus, "
	    "PostgreSQL, MySQL, X11, syslog, php-fpm...) after your own table",
	    &pref_use_shipped);
}

void
unix_socket_table_handoff(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(unix_shipped_sockets); i++)
		shipped_handles[i] = unix_find_dissector(unix_shipped_sockets[i].dissector);
}
