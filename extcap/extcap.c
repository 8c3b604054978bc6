// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Wireshark extcap front end (the protocol of Wireshark's doc/extcap.adoc,
 * as Wireshark 4.0 speaks it):
 *
 *   --extcap-interfaces [--extcap-version=V]   the tool and its interface
 *   --extcap-version                           the tool's version
 *   --extcap-dlts --extcap-interface udsdump   the link type
 *   --extcap-config --extcap-interface udsdump the options Wireshark offers
 *   --extcap-capture-filter F                  alone: validate F (nothing
 *                                              printed if valid, else one line)
 *   --capture --extcap-interface udsdump --fifo PATH
 *            [--extcap-capture-filter F] [capture options]
 *
 * The capture options are the command line's (options.c) and are parsed by
 * the same code. The capture stops on SIGTERM (what Wireshark sends), SIGINT,
 * SIGHUP, or when the FIFO's reader goes away; then the ISB is written if
 * the FIFO still has a reader, the BPF links are closed and the exit status
 * is 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "preflight.h"
#include "filter.h"
#include "cmdline.h"
#include "option_table.h"
#include "extcap.h"
#include "privs.h"

#define IFACE "udsdump"
#define IFACE_DISPLAY "Unix sockets"

#ifndef UDSDUMP_HELP_URL
#define UDSDUMP_HELP_URL "https://github.com/udsdump/udsdump#readme"
#endif

bool extcap_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--extcap-", 9) || !strcmp(argv[i], "--capture"))
			return true;
	return false;
}

/* ---- logging (--log-level, --log-file) ------------------------------- */

enum { LOG_ERROR, LOG_MESSAGE, LOG_INFO, LOG_DEBUG, LOG_NOISY };
static const char *const log_names[] = { "error", "message", "info", "debug", "noisy" };
static FILE *log_file;
static int log_level = LOG_MESSAGE;

static void elog(int level, const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (!log_file || level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(log_file, "%s.%03ld udsdump[%d] %s: ", when, ts.tv_nsec / 1000000, (int)getpid(),
		log_names[level]);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
}

/* An error: on stderr (Wireshark shows it) and in the log. */
static void eerror(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "udsdump: %s\n", msg);
	elog(LOG_ERROR, "%s", msg);
}

static int parse_log_level(const char *s)
{
	static const struct {
		const char *name;
		int level;
	} names[] = { { "error", LOG_ERROR },	  { "critical", LOG_ERROR }, { "warning", LOG_MESSAGE },
		      { "message", LOG_MESSAGE }, { "info", LOG_INFO },	     { "debug", LOG_DEBUG },
		      { "noisy", LOG_NOISY } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].level;
	return -1;
}

/* ---- the arguments ---------------------------------------------------- */

struct extcap_args {
	bool interfaces, version, dlts, config, capture;
	const char *interface, *fifo, *cfilter, *log_level, *log_file, *reload_option;
	int nrest;
	char **rest; /* argv[0] and the capture options, for parse_cli_options */
};

/* --name VALUE or --name=VALUE; *i is advanced past what was used. */
static bool take_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*value = a + n + 1;
		return true;
	}
	if (a[n] != 0)
		return false;
	if (*i + 1 >= argc) {
		*value = NULL; /* reported by the caller */
		return true;
	}
	*value = argv[++*i];
	return true;
}

static int parse_extcap_args(int argc, char **argv, struct extcap_args *a)
{
	static const char *const with_value[] = { "--extcap-interface", "--fifo", "--extcap-capture-filter",
						  "--log-level", "--log-file", "--extcap-reload-option",
						  "--extcap-control-in", "--extcap-control-out" };
	memset(a, 0, sizeof(*a));
	a->rest = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->rest)
		return -1;
	a->rest[a->nrest++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v = NULL;
		bool used = false;

		if (!strcmp(arg, "--extcap-interfaces")) {
			a->interfaces = true;
			continue;
		}
		if (!strcmp(arg, "--extcap-version") || !strncmp(arg, "--extcap-version=", 17)) {
			a->version = true; /* the value is Wireshark's version: unused */
			continue;
		}
		if (!strcmp(arg, "--extcap-dlts")) {
			a->dlts = true;
			continue;
		}
		if (!strcmp(arg, "--extcap-config")) {
			a->config = true;
			continue;
		}
		if (!strcmp(arg, "--capture")) {
			a->capture = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]) && !used; k++) {
			if (!take_opt(argc, argv, &i, with_value[k], &v))
				continue;
			used = true;
			if (!v) {
				eerror("option %s needs a value", with_value[k]);
				return -1;
			}
			switch (k) {
			case 0: a->interface = v; break;
			case 1: a->fifo = v; break;
			case 2: a->cfilter = v; break;
			case 3: a->log_level = v; break;
			case 4: a->log_file = v; break;
			case 5: a->reload_option = v; break;
			default: break; /* no toolbar controls */
			}
		}
		if (used)
			continue;
		if (!strncmp(arg, "--extcap-", 9))
			continue; /* a newer Wireshark's flag: nothing we offer uses it */
		a->rest[a->nrest++] = argv[i];
	}
	return 0;
}

/* ---- discovery -------------------------------------------------------- */

static void print_tool(void)
{
	printf("extcap {version=%s}{help=%s}\n", UDSDUMP_VERSION, UDSDUMP_HELP_URL);
}

static void print_interfaces(void)
{
	print_tool();
	printf("interface {value=%s}{display=%s}\n", IFACE, IFACE_DISPLAY);
}

static void print_dlts(void)
{
	printf("dlt {number=%d}{name=USER12}{display=udsdump records (Unix socket messages)}\n", UDS_LINKTYPE);
}

static void print_config(void)
{
	int n = 0;

	/* udsdump's own options (src/core/option_table.c), then the extcap's */
	option_table_extcap_config(stdout, &n);
	int lvl_arg = n++;
	printf("arg {number=%d}{call=--log-level}{display=Set the log level}{type=selector}"
	       "{tooltip=Set the log level}{required=false}{group=Debug}\n",
	       lvl_arg);
	printf("value {arg=%d}{value=message}{display=Message}{default=true}\n", lvl_arg);
	printf("value {arg=%d}{value=info}{display=Info}{default=false}\n", lvl_arg);
	printf("value {arg=%d}{value=debug}{display=Debug}{default=false}\n", lvl_arg);
	printf("value {arg=%d}{value=noisy}{display=Noisy}{default=false}\n", lvl_arg);
	printf("arg {number=%d}{call=--log-file}{display=Use a file for logging}{type=fileselect}"
	       "{tooltip=Set a file where log messages are written}{required=false}{group=Debug}\n",
	       n++);
}

/* ---- capture ---------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;
static volatile int watch_done;
static volatile int reader_gone;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	capture_request_stop();
}

/* A FIFO's write end polls POLLERR once the reader has closed it: stop
 * then, even when no traffic would make a write fail. */
static void *watch_fifo(void *arg)
{
	int fd = *(int *)arg;

	while (!watch_done) {
		if (capture_output_hung_up(fd, 100)) {
			reader_gone = 1;
			capture_request_stop();
			break;
		}
	}
	return NULL;
}

static bool open_log(const struct extcap_args *a)
{
	if (a->log_level) {
		int l = parse_log_level(a->log_level);
		if (l < 0) {
			eerror("bad --log-level '%s' (message, info, debug or noisy)", a->log_level);
			return false;
		}
		log_level = l;
	}
	if (a->log_file && *a->log_file) {
		/* opened with the caller's own rights: the capabilities of an
		 * installed helper do not include overriding file permissions */
		int fd = open(a->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || !(log_file = fdopen(fd, "a"))) {
			eerror("cannot write the log file %s: %s", a->log_file, strerror(errno));
			if (fd >= 0)
				close(fd);
			return false;
		}
	}
	return true;
}

static bool options_from_args(const struct extcap_args *a, struct capture_options *o)
{
	const char *err = NULL;
	char ferr[256];
	int rc = parse_cli_options(a->nrest, a->rest, o, &err);

	if (rc == OPT_HELP || rc == OPT_VERSION || rc == OPT_PROBE)
		rc = OPT_OK; /* meaningless here */
	if (rc != OPT_OK) {
		eerror("%s", err);
		return false;
	}
	if (o->output) {
		eerror("-w is not used with --capture: Wireshark reads the capture from --fifo");
		return false;
	}
	if (a->cfilter && !filter_apply(a->cfilter, o, ferr, sizeof(ferr))) {
		eerror("bad capture filter: %s", ferr);
		return false;
	}
	return true;
}

static int run_capture(const struct extcap_args *a, char **argv)
{
	struct capture_options o;
	char desc[1024];
	pthread_t watcher;
	bool watching = false;
	int fd, rc;

	if (!a->fifo || !*a->fifo) {
		eerror("--capture needs --fifo PATH");
		return 1;
	}
	if (!options_from_args(a, &o))
		return 1;
	o.quiet = true; /* stderr is Wireshark's error channel */
	/* Wireshark closes the FIFO before it sends SIGTERM, so the final ISB
	 * rarely arrives: send the statistics every second as well. */
	o.isb_interval = 1.0;
	if (!privs_run_helper_if_needed(argv))
		return 1;
	if (log_level >= LOG_DEBUG)
		for (int i = 0; argv[i]; i++)
			elog(LOG_DEBUG, "argv[%d] = %s", i, argv[i]);
	filter_describe(&o, desc, sizeof(desc));
	elog(LOG_INFO, "capture to %s, filter: %s, snaplen %u, %s, ring %u MiB", a->fifo,
	     *desc ? desc : "(none)", o.snaplen, o.payload ? "payload" : "metadata only",
	     o.ring_mb ? o.ring_mb : 64);

	/* Signals before the FIFO: Wireshark may stop us at any time. */
	capture_stop_on_signals(on_stop_signal);

	if (!capture_preflight(&o))
		return 1;
	/* The caller's own rights, like -w in the command line. */
	fd = open(a->fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (stop_signal)
			return 0;
		eerror("cannot open the FIFO %s: %s", a->fifo, strerror(errno));
		return 1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		watching = pthread_create(&watcher, NULL, watch_fifo, &fd) == 0;

	rc = capture_run(&o, fd, a->fifo, NULL);

	watch_done = 1;
	if (watching)
		pthread_join(watcher, NULL);
	close(fd);
	if (stop_signal)
		elog(LOG_INFO, "stopped by signal %d (%s), exit status %d", (int)stop_signal,
		     strsignal(stop_signal), rc);
	else if (reader_gone)
		elog(LOG_INFO, "the FIFO's reader went away, exit status %d", rc);
	else
		elog(LOG_INFO, "capture ended, exit status %d", rc);
	return rc;
}

/* Wireshark's filter check: print nothing if valid, else one line. */
static int validate_filter(const struct extcap_args *a)
{
	struct capture_options o;
	const char *err = NULL;
	char ferr[256];

	if (parse_cli_options(a->nrest, a->rest, &o, &err) != OPT_OK)
		capture_options_init(&o);
	if (!filter_apply(a->cfilter, &o, ferr, sizeof(ferr)))
		printf("%s\n", ferr);
	return 0;
}

int extcap_main(int argc, char **argv)
{
	struct extcap_args a;

	if (parse_extcap_args(argc, argv, &a) != 0)
		return 1;
	if (!open_log(&a))
		return 1;
	if (a.interfaces) {
		print_interfaces();
		return 0;
	}
	if (a.interface && strcmp(a.interface, IFACE) != 0) {
		eerror("unknown interface '%s' (udsdump provides '%s')", a.interface, IFACE);
		return 1;
	}
	if (a.dlts) {
		print_dlts();
		return 0;
	}
	if (a.config) {
		if (!a.reload_option)
			print_config();
		return 0; /* no option has values to reload */
	}
	if (a.capture)
		return run_capture(&a, argv);
	if (a.cfilter)
		return validate_filter(&a);
	if (a.version) {
		print_tool();
		return 0;
	}
	eerror("nothing to do: use --extcap-interfaces, --extcap-dlts, --extcap-config, "
	       "--extcap-capture-filter or --capture (see --help)");
	return 1;
}
