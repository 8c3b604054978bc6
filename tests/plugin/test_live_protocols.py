"""Issue 15 with the real programs from Debian at the paths their packaging
picks (the test gives them none): PostgreSQL and psql, MariaDB and its
client, Xvfb and xdpyinfo, logger and /dev/log, dbus-daemon with dbus-send
and gdbus (the system bus, and a session bus from dbus-run-session with a
GDBus call that passes descriptors), containerd and ctr (gRPC over HTTP/2),
php-fpm and cgi-fcgi (FastCGI), redis-server and redis-cli, memcached with
memccp and memccat, dockerd and docker, podman's API service
and podman --remote, cupsd and lpstat (IPP over HTTP), snapd and snap.
Captured live, read with no
-d option and no preference: the decoded fields, the direction (requests
from the client), no malformed frame, no expert error, the same on a
second pass; and with the shipped table off, nobody else claims the bytes.
"""

import glob
import os
import shutil
import subprocess

import pytest

import live_servers
import protocol_checks
from live_servers import listening_path, run, server, wait_for
from synth import FILE_REGULAR, FILE_SOCKET
from lib.capture import udsdump_capture

pytestmark = pytest.mark.live

# what the HTTP heuristic, Wireshark's HTTP dissector and its bodies claim
HTTP_OWN = ["http", "json", "data-text-lines", "media"]


def capture_around(ts, name, paths, fn, args=()):
    out = os.path.join(ts.captures, name)
    args = list(args)
    for p in paths:
        args += ["--path", p]
    with udsdump_capture(out, args).start():
        fn()
    return out


def check(ts, name, pcap, checks, own=(), decode_as=()):
    """The checks, clean and alike on a second pass, nobody else's with
    the table off, the same by Decode As on each (path, protocol) with the
    table off; kept as golden under make_golden.py --protocols."""
    protocol_checks.verify(ts, pcap, checks, list(own), [list(d) for d in decode_as])
    protocol_checks.keep(name, pcap, checks, list(own), [list(d) for d in decode_as])


# ------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="module")
def postgres():
    """Debian's cluster, started if it is not running; its socket."""
    if not shutil.which("pg_lsclusters"):
        pytest.fail("postgresql is not installed (scripts/setup.sh installs it)")
    rows = [l.split() for l in run(["pg_lsclusters", "--no-header"]).stdout.splitlines()]
    assert rows, "no PostgreSQL cluster"
    ver, name, port, status = rows[0][:4]
    started = status != "online"
    if started:
        run(["pg_ctlcluster", ver, name, "start"], timeout=120)
    suffix = "/.s.PGSQL.%s" % port
    wait_for(lambda: listening_path(suffix), "PostgreSQL's socket")
    yield listening_path(suffix)
    if started:
        subprocess.run(["pg_ctlcluster", ver, name, "stop"], timeout=120)


def test_live_postgresql_psql(ts, postgres):
    sql = "SELECT 42 AS answer"

    def client():
        out = run(["runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-c", sql])
        assert out.stdout.strip() == "42"
    pcap = capture_around(ts, "live-pgsql.pcapng", [postgres], client)
    check(ts, "pgsql", pcap, [
        {"filter": "pgsql.query", "fields": ["pgsql.query", "unix.role", "unix.task.comm"],
         "rows": [[sql, "1", "psql"]]},
        {"filter": 'pgsql.type == "Startup message"', "fields": ["unix.role"], "rows": [["1"]]},
        {"filter": 'pgsql.type == "Authentication request"', "fields": ["unix.role"],
         "rows": [["2"]]},
        {"filter": 'pgsql.type == "Ready for query"', "fields": ["unix.role"], "rows": [["2"]]},
        {"filter": 'pgsql.type contains "Unknown"', "fields": ["frame.number"], "rows": []},
    ], own=["pgsql"], decode_as=[(postgres, "pgsql")])


# ---------------------------------------------------------------- MariaDB

@pytest.fixture(scope="module")
def mariadb():
    if not shutil.which("mariadbd") or not os.path.exists("/etc/init.d/mariadb"):
        pytest.fail("mariadb-server is not installed (scripts/setup.sh installs it)")
    sock = "/run/mysqld/mysqld.sock"
    started = not listening_path("/mysqld.sock")
    if started:
        run(["/etc/init.d/mariadb", "start"], timeout=180)
    wait_for(lambda: listening_path("/mysqld.sock"), "MariaDB's socket", 120)
    yield listening_path("/mysqld.sock") or sock
    if started:
        subprocess.run(["/etc/init.d/mariadb", "stop"], timeout=180)


def test_live_mariadb_client(ts, mariadb):
    sql = "SELECT 42 AS answer"

    def client():
        out = run(["mariadb", "-N", "-B", "-e", sql])
        assert out.stdout.strip() == "42"
    pcap = capture_around(ts, "live-mysql.pcapng", [mariadb], client)
    check(ts, "mysql", pcap, [
        {"filter": "mysql.query", "fields": ["mysql.query", "unix.role"],
         "includes": [[sql, "1"]]},
        {"filter": "mysql.query", "fields": ["unix.role"], "rows": [["1"]]},
        {"filter": "mysql.version", "fields": ["unix.role"], "rows": [["2"]]},
        {"filter": "mysql.user", "fields": ["mysql.user", "unix.role"], "rows": [["root", "1"]]},
    ], decode_as=[(mariadb, "mysql")])


# ------------------------------------------------------------------- X11

@pytest.fixture(scope="module")
def xvfb():
    display = 97
    sock = "/tmp/.X11-unix/X%d" % display
    p = subprocess.Popen(["Xvfb", ":%d" % display, "-nolisten", "tcp"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists(sock), "Xvfb's socket")
        yield display, sock
    finally:
        p.terminate()
        p.wait(timeout=30)


def test_live_x11_xdpyinfo(ts, xvfb):
    display, sock = xvfb

    def client():
        out = run(["xdpyinfo", "-display", ":%d" % display])
        assert "vendor string:    The X.Org Foundation" in out.stdout
    pcap = capture_around(ts, "live-x11.pcapng", [sock, "@" + sock], client)
    check(ts, "x11", pcap, [
        {"filter": "x11.vendor", "fields": ["x11.vendor", "unix.role", "unix.task.comm"],
         "rows": [["The X.Org Foundation", "2", "Xvfb"]]},
        # requests (QueryExtension...) come from the client only
        {"filter": "x11.opcode", "fields": ["unix.role", "unix.task.comm"],
         "rows": [["1", "xdpyinfo"]]},
    ], decode_as=[(sock, "x11"), ("@" + sock, "x11")])


# ---------------------------------------------------------------- syslog

@pytest.fixture
def dev_log():
    """/dev/log: the host's syslog daemon, or socat receiving there."""
    if os.path.exists("/dev/log"):
        yield "/dev/log"
        return
    p = subprocess.Popen(["socat", "-u", "UNIX-RECV:/dev/log,mode=666", "OPEN:/dev/null"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists("/dev/log"), "/dev/log")
        yield "/dev/log"
    finally:
        p.terminate()
        p.wait(timeout=30)
        for f in glob.glob("/dev/log"):
            os.unlink(f)


def test_live_logger_to_dev_log(ts, dev_log):
    text = "udsdump test message 15"
    pcap = capture_around(ts, "live-syslog.pcapng", [dev_log],
                          lambda: run(["logger", "-t", "udsdumptest", text]))
    check(ts, "syslog", pcap, [
        # (4.4 and later read "udsdumptest:" as the host name: the text
        # is split differently, so the frame is matched, not syslog.msg)
        {"filter": 'syslog && frame contains "%s"' % text,
         "fields": ["unix.role", "unix.task.comm"], "rows": [["1", "logger"]]},
        {"filter": "syslog.msg", "fields": ["unix.role"], "rows": [["1"]]},
    ])



@pytest.fixture
def journald():
    """Debian's systemd-journald, which binds its own sockets when no
    systemd hands them over: its syslog socket /run/systemd/journal/dev-log
    (what /dev/log links to on a systemd host)."""
    exe = "/lib/systemd/systemd-journald"
    if not os.path.exists(exe):
        pytest.fail("systemd is not installed")
    with server([exe], "/journal/dev-log", "journald's syslog socket") as sock:
        yield sock


def test_live_logger_to_journald(ts, journald):
    text = "udsdump test message to journald"
    pcap = capture_around(ts, "live-journald.pcapng", [journald],
                          lambda: run(["logger", "-u", journald, "-t", "udsdumptest", text]))
    check(ts, "journald", pcap, [
        {"filter": 'syslog && frame contains "%s"' % text,
         "fields": ["unix.role", "unix.task.comm"], "rows": [["1", "logger"]]},
        {"filter": "syslog.msg", "fields": ["unix.role"], "rows": [["1"]]},
        # journald itself read it
        {"filter": "unix.event == 8", "fields": ["unix.role", "unix.task.comm"],
         "rows": [["2", "systemd-journal"]]},
    ], decode_as=[(journald, "syslog")])

# ----------------------------------------------------------------- D-Bus

@pytest.fixture(scope="module")
def system_bus():
    """The system bus: the host's dbus-daemon, or one started as Debian's
    packaging configures it (/run/dbus/system_bus_socket)."""
    if not shutil.which("dbus-daemon"):
        pytest.fail("dbus-daemon is not installed (scripts/setup.sh installs it)")
    os.makedirs("/run/dbus", exist_ok=True)
    with server(["dbus-daemon", "--system", "--nofork", "--nopidfile"], "/system_bus_socket",
                "the system bus") as sock:
        yield sock


def test_live_dbus_send_and_gdbus_new_connections(ts, system_bus):
    def clients():
        run(["dbus-send", "--system", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"])
        run(["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus", "--object-path",
             "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.GetId"])
    pcap = capture_around(ts, "live-dbus.pcapng", [system_bus], clients)
    check(ts, "dbus", pcap, [
        {"filter": "dbus.member && unix.role == 1", "fields": ["dbus.member", "unix.task.comm"],
         "includes": [["Hello", "dbus-send"], ["ListNames", "dbus-send"], ["Hello", "gdbus"],
                      ["GetId", "gdbus"]]},
        # the bus's replies are the server's
        {"filter": "dbus.reply_serial", "fields": ["unix.role"], "rows": [["2"]]},
        # every handshake line is the side's own: AUTH and BEGIN from the clients
        {"filter": 'dbus_auth.command == "AUTH" || dbus_auth.command == "BEGIN"',
         "fields": ["unix.role"], "rows": [["1"]]},
        {"filter": 'dbus_auth.command == "OK"', "fields": ["unix.role"], "rows": [["2"]]},
    ], own=["dbus", "dbus_auth"], decode_as=[(system_bus, "dbus")])
    # both connections were new: each shows its handshake, from AUTH to BEGIN
    cmds = ts.fields(pcap, ["unix.stream", "dbus_auth.command"], "dbus_auth.command")
    per_stream = {}
    for stream, c in cmds:
        per_stream.setdefault(stream, []).extend(c.split(","))
    assert len(per_stream) == 2, per_stream
    for c in per_stream.values():
        assert "AUTH" in c and c[-1] == "BEGIN" and "OK" in c, per_stream


# ---------------------------------------------- containerd (gRPC, HTTP/2)

@pytest.fixture(scope="module")
def containerd():
    """Debian's containerd on its own socket (/run/containerd/containerd.sock)."""
    if not shutil.which("containerd") or not shutil.which("ctr"):
        pytest.fail("containerd is not installed (scripts/setup.sh installs it)")
    with server(["containerd"], "/containerd.sock", "containerd's socket") as sock:
        yield sock


def test_live_ctr_version_grpc(ts, containerd):
    def client():
        out = run(["ctr", "version"])
        assert "Server:" in out.stdout
    pcap = capture_around(ts, "live-http2.pcapng", [containerd], client)
    path = "/containerd.services.version.v1.Version/Version"
    check(ts, "http2", pcap, [
        {"filter": 'http2.header.value == "%s"' % path, "fields": ["unix.role", "unix.task.comm"],
         "rows": [["1", "ctr"]]},
        {"filter": 'http2.header.name == ":status"', "fields": ["unix.role"], "rows": [["2"]]},
        {"filter": "grpc", "fields": ["unix.role"], "includes": [["1"], ["2"]]},
    ], own=["http2", "grpc", "protobuf"], decode_as=[(containerd, "http2")])


# ------------------------------------------------------ php-fpm (FastCGI)

@pytest.fixture(scope="module")
def php_fpm():
    """Debian's php-fpm pool on its own socket (/run/php/php*-fpm.sock)."""
    fpm = sorted(glob.glob("/usr/sbin/php-fpm*"))
    if not fpm or not shutil.which("cgi-fcgi"):
        pytest.fail("php-fpm or cgi-fcgi is not installed (scripts/setup.sh installs them)")
    os.makedirs("/run/php", exist_ok=True)
    with server([fpm[-1], "-F"], "-fpm.sock", "php-fpm's socket") as sock:
        yield sock


def test_live_cgi_fcgi_to_php_fpm(ts, php_fpm, tmp_path):
    script = "/tmp/udsdump-fcgi-test.php"
    with open(script, "w") as f:
        f.write("<?php echo 'udsdump says ' . (6 * 7);\n")
    env = dict(os.environ, SCRIPT_FILENAME=script, REQUEST_METHOD="GET",
               SCRIPT_NAME="/udsdump-fcgi-test.php", QUERY_STRING="")

    def client():
        out = run(["cgi-fcgi", "-bind", "-connect", php_fpm], env=env)
        assert "udsdump says 42" in out.stdout
    try:
        pcap = capture_around(ts, "live-fcgi.pcapng", [php_fpm], client)
    finally:
        os.unlink(script)
    check(ts, "fcgi", pcap, [
        {"filter": 'fcgi.type == 1', "fields": ["unix.role", "unix.task.comm"],
         "rows": [["1", "cgi-fcgi"]]},
        {"filter": 'fcgi.type == 6', "fields": ["unix.role"], "rows": [["2"]]},
    ], decode_as=[(php_fpm, "fcgi")])


# ------------------------------------------------- D-Bus: a session bus

def test_live_session_bus_call_passing_descriptors(ts, tmp_path):
    """dbus-run-session's bus (/tmp/dbus-*, as Debian's session.conf says),
    dbus-send on it, and a GDBus call passing a file and a socket end: each
    hop's message names the descriptors that came with it."""
    passed = str(tmp_path / "passed-file")
    with open(passed, "w") as f:
        f.write("x")
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dbus_fd_peer.py")
    script = ("dbus-send --session --print-reply --dest=org.freedesktop.DBus "
              "/org/freedesktop/DBus org.freedesktop.DBus.GetId && "
              "/usr/bin/python3 %s both %s" % (peer, passed))

    def clients():
        out = run(["dbus-run-session", "--", "sh", "-c", script])
        assert out.stdout.splitlines()[-1].startswith(passed + " socket:["), out.stdout
    pcap = capture_around(ts, "live-dbus-session.pcapng", [], clients,
                          args=["--path-prefix", "/tmp/dbus-"])
    check(ts, "dbus-session", pcap, [
        {"filter": "dbus.member && unix.role == 1", "fields": ["dbus.member"],
         "includes": [["Hello"], ["GetId"], ["Describe"], ["RequestName"], ["Quit"]]},
        # the call and its copy the bus hands on, each with its two descriptors
        # (4.4 and later repeat a call's member in its reply: the
        # messages are picked by their descriptors, not by member)
        {"filter": "unix.dbus.unix_fds",
         "fields": ["dbus.member", "unix.dbus.unix_fds", "unix.dbus.fd_kind", "unix.role"],
         "rows": [["Describe", "2", "%d,%d" % (FILE_REGULAR, FILE_SOCKET), "1"],
                  ["Describe", "2", "%d,%d" % (FILE_REGULAR, FILE_SOCKET), "2"]]},
        # the file, by its name, on both hops and nowhere else
        {"filter": 'unix.scm.rights.path == "%s" && dbus' % passed,
         "fields": ["dbus.member", "unix.role"], "rows": [["Describe", "1"], ["Describe", "2"]]},
        # the descriptors were passed in the frame that carries the call
        {"filter": "unix.dbus.fds_frame != frame.number", "fields": ["frame.number"],
         "rows": []},
    ], own=["dbus", "dbus_auth"], decode_as=[])


# ------------------------------------------- Docker, Podman, CUPS (HTTP)

@pytest.fixture(scope="module")
def dockerd():
    with live_servers.dockerd() as sock:
        yield sock


def test_live_docker_version(ts, dockerd):
    def client():
        # Debian's client, not another one earlier on PATH
        out = run(["/usr/bin/docker", "version", "--format", "{{.Server.Version}}"])
        assert out.stdout.strip()
    pcap = capture_around(ts, "live-docker.pcapng", [dockerd], client)
    check(ts, "docker", pcap, [
        {"filter": "http.request", "fields": ["http.request.method", "unix.role",
                                              "unix.task.comm"],
         "includes": [["HEAD", "1", "docker"], ["GET", "1", "docker"]]},
        {"filter": "http.request", "fields": ["unix.role"], "rows": [["1"]]},
        # (4.4 and later show the request's URI in its response too)
        {"filter": 'http.request && http.request.uri matches "^/v[0-9.]+/version$"',
         "fields": ["unix.role"],
         "rows": [["1"]]},
        {"filter": "http.response", "fields": ["http.response.code", "unix.role"],
         "includes": [["200", "2"]]},
        {"filter": "http.response", "fields": ["unix.role"], "rows": [["2"]]},
    ], own=HTTP_OWN, decode_as=[(dockerd, "http")])


@pytest.fixture(scope="module")
def podman_service():
    """podman's API service on its own socket (/run/podman/podman.sock)."""
    if not shutil.which("podman"):
        pytest.fail("podman is not installed (scripts/setup.sh installs it)")
    os.makedirs("/run/podman", exist_ok=True)
    with server(["podman", "system", "service", "--time=0"], "/podman.sock",
                "podman's API socket") as sock:
        yield sock


def test_live_podman_remote_version(ts, podman_service):
    def client():
        out = run(["podman", "--remote", "version", "--format", "{{.Server.Version}}"])
        assert out.stdout.strip()
    pcap = capture_around(ts, "live-podman.pcapng", [podman_service], client)
    check(ts, "podman", pcap, [
        {"filter": 'http.request && http.request.uri matches "^/v[0-9.]+/libpod/"',
         "fields": ["unix.role"],
         "rows": [["1"]]},
        {"filter": "http.request", "fields": ["unix.role"], "rows": [["1"]]},
        {"filter": "http.response", "fields": ["http.response.code", "unix.role"],
         "includes": [["200", "2"]]},
        {"filter": "http.response", "fields": ["unix.role"], "rows": [["2"]]},
    ], own=HTTP_OWN, decode_as=[(podman_service, "http")])


@pytest.fixture(scope="module")
def cupsd():
    """Debian's cupsd on its own socket (/run/cups/cups.sock)."""
    if not os.path.exists("/usr/sbin/cupsd") or not shutil.which("lpstat"):
        pytest.fail("cups or cups-client is not installed (scripts/setup.sh installs them)")
    with server(["cupsd", "-f"], "/cups.sock", "cupsd's socket") as sock:
        yield sock


def test_live_lpstat_ipp(ts, cupsd):
    def client():
        # CUPS-Get-Default: none is set on a fresh cupsd
        out = run(["lpstat", "-h", cupsd, "-d"])
        assert "system default destination" in out.stdout
    pcap = capture_around(ts, "live-cups.pcapng", [cupsd], client)
    check(ts, "cups", pcap, [
        {"filter": "ipp && http.request", "fields": ["http.request.method", "ipp.operation_id",
                                                     "unix.role", "unix.task.comm"],
         "rows": [["POST", "0x4001", "1", "lpstat"]]},
        {"filter": "ipp && http.response", "fields": ["http.response.code", "unix.role"],
         "rows": [["200", "2"]]},
        {"filter": "ipp.response_to", "fields": ["unix.role", "unix.task.comm"],
         "rows": [["2", "cupsd"]]},
        {"filter": "http.response", "fields": ["unix.role"], "rows": [["2"]]},
    ], own=HTTP_OWN + ["ipp"], decode_as=[(cupsd, "http")])


@pytest.fixture
def snapd():
    """Debian's snapd on its own socket (/run/snapd.socket). Without
    systemd's socket activation it leaves after a few idle seconds, so
    each test starts its own."""
    if not os.path.exists("/usr/lib/snapd/snapd") or not shutil.which("snap"):
        pytest.fail("snapd is not installed (scripts/setup.sh installs it)")
    with server(["/usr/lib/snapd/snapd"], "/snapd.socket", "snapd's socket") as sock:
        yield sock


def test_live_snap_version(ts, snapd):
    def client():
        out = run(["snap", "version"])
        assert out.stdout.startswith("snap ") and "snapd " in out.stdout
    pcap = capture_around(ts, "live-snapd.pcapng", [snapd], client)
    check(ts, "snapd", pcap, [
        {"filter": 'http.request && http.request.uri == "/v2/system-info"',
         "fields": ["http.request.method", "unix.role", "unix.task.comm"],
         "rows": [["GET", "1", "snap"]]},
        {"filter": "http.request", "fields": ["unix.role"], "rows": [["1"]]},
        {"filter": "http.response", "fields": ["http.response.code", "unix.role"],
         "includes": [["200", "2"]]},
        {"filter": "http.response", "fields": ["unix.role"], "rows": [["2"]]},
    ], own=HTTP_OWN, decode_as=[(snapd, "http")])


# ------------------------------------------------------------ Redis, memcached

@pytest.fixture(scope="module")
def redis_debian():
    """Debian's redis-server with Debian's own /etc/redis/redis.conf, its
    unixsocket line (/run/redis/redis-server.sock, shipped commented out)
    switched on, in the foreground, no TCP port."""
    if not os.path.exists("/etc/redis/redis.conf") or not shutil.which("redis-cli"):
        pytest.fail("redis-server or redis-tools is not installed (scripts/setup.sh installs them)")
    os.makedirs("/run/redis", exist_ok=True)
    with server(["redis-server", "/etc/redis/redis.conf", "--daemonize", "no",
                 "--port", "0", "--unixsocket", "/run/redis/redis-server.sock",
                 "--logfile", "", "--save", ""],
                "/redis-server.sock", "redis-server's socket") as sock:
        yield sock


def test_live_redis_cli(ts, redis_debian):
    def client():
        run(["redis-cli", "-s", redis_debian, "SET", "udsdump:key", "from-redis-cli"])
        assert run(["redis-cli", "-s", redis_debian, "GET", "udsdump:key"]).stdout.strip() \
            == "from-redis-cli"
    pcap = capture_around(ts, "live-redis.pcapng", [redis_debian], client)
    check(ts, "redis", pcap, [
        {"filter": 'resp contains "udsdump:key"',
         "fields": ["unix.role", "unix.task.comm"],
         "includes": [["1", "redis-cli"]]},
        {"filter": 'resp contains "from-redis-cli"',
         "fields": ["unix.role", "unix.task.comm"],
         "rows": [["1", "redis-cli"], ["2", "redis-server"]]},
        {"filter": 'resp.string == "OK"', "fields": ["unix.role"], "rows": [["2"]]},
    ], own=["resp"], decode_as=[(redis_debian, "resp")])


@pytest.fixture(scope="module")
def memcached_debian():
    """Debian's memcached on a socket in its package's run directory
    (/run/memcached, where its unit keeps the pid file; Debian's
    memcached.conf names no socket, so -s is given)."""
    if not shutil.which("memcached") or not shutil.which("memccat"):
        pytest.fail("memcached or libmemcached-tools is not installed (scripts/setup.sh installs them)")
    os.makedirs("/run/memcached", exist_ok=True)
    with server(["memcached", "-u", "memcache", "-s", "/run/memcached/memcached.sock",
                 "-a", "0666"], "/memcached.sock", "memcached's socket") as sock:
        yield sock


def test_live_memccp_memccat(ts, memcached_debian, tmp_path):
    item = tmp_path / "udsdump-item"
    item.write_text("from-memccp\n")
    servers = "--servers=" + memcached_debian

    def client():
        run(["memccp", servers, str(item)], cwd=str(tmp_path))
        assert run(["memccat", servers, item.name]).stdout.startswith("from-memccp\n")
    pcap = capture_around(ts, "live-memcached.pcapng", [memcached_debian], client)
    check(ts, "memcached", pcap, [
        {"filter": 'memcache.command == "set"', "fields": ["memcache.key", "unix.role",
                                                          "unix.task.comm"],
         "rows": [["udsdump-item", "1", "memccp"]]},
        {"filter": 'memcache.command == "get"', "fields": ["memcache.key", "unix.role",
                                                          "unix.task.comm"],
         "rows": [["udsdump-item", "1", "memccat"]]},
        {"filter": 'memcache.response == "STORED"', "fields": ["unix.role", "unix.task.comm"],
         "rows": [["2", "mc-worker"]]},  # memcached names its worker threads
    ], own=["memcache"], decode_as=[(memcached_debian, "memcache")])
