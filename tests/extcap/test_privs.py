"""The capability install (-DUDSDUMP_SETCAP=ON), as users would meet it.

A module fixture configures and installs udsdump into a temporary prefix
with a throwaway capture group, creates two throwaway users (one in the
group, one not) and removes all of it afterwards. The prefix must be on a
filesystem where file capabilities work (not nosuid): checked with findmnt.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import udsrec
from lib.extcap import (IN_CI, REPO_DIR, data_records, live_problems, need, udsdump_processes,
                      wait_attached)

GROUP = "udsdtestgrp"
MEMBER = "udsdt-member"
OUTSIDER = "udsdt-outsider"
CAP_BPF = 39


def sh(*args, check=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d): %s %s" % (args, r.returncode, r.stdout, r.stderr))
    return r


def mount_options(path):
    return sh("findmnt", "-n", "-o", "OPTIONS", "-T", str(path)).stdout.strip().split(",")


def pick_base():
    for d in ("/var/tmp", "/tmp", str(REPO_DIR / "build")):
        if os.path.isdir(d) and "nosuid" not in mount_options(d):
            return d
    return None


def as_user(user, *cmd, env=None, extra=()):
    pw = pwd.getpwnam(user)
    e = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": pw.pw_dir, "LANG": "C.UTF-8"}
    e.update(env or {})
    return ["setpriv", "--reuid=%s" % user, "--regid=%d" % pw.pw_gid, "--init-groups"] + \
        list(extra) + ["env", "-i"] + ["%s=%s" % kv for kv in e.items()] + list(cmd)


@pytest.fixture(scope="module")
def install():
    why = live_problems()
    need(not why, "; ".join(why))
    for tool in ("findmnt", "setcap", "getcap", "useradd", "setpriv"):
        need(shutil.which(tool) is not None, "%s is not installed" % tool)
    base_dir = pick_base()
    need(base_dir is not None, "no temporary directory without nosuid for file capabilities")
    for u in (MEMBER, OUTSIDER):
        need(subprocess.run(["id", u], capture_output=True).returncode != 0,
             "user %s exists already (a previous run left it?)" % u)

    base = Path(tempfile.mkdtemp(prefix="udsdump-privs-", dir=base_dir))
    os.chmod(base, 0o755)
    created_group = False
    created_users = []
    try:
        prefix = base / "prefix"
        build = base / "build"
        sh("cmake", "-S", str(REPO_DIR), "-B", str(build), "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
           "-DCMAKE_INSTALL_PREFIX=%s" % prefix, "-DUDSDUMP_SETCAP=ON",
           "-DUDSDUMP_CAPTURE_GROUP=%s" % GROUP,
           "-DUDSDUMP_EXTCAP_INSTALL_DIR=%s" % (prefix / "extcap"),
           "-DUDSDUMP_PLUGIN_INSTALL_DIR=%s" % (prefix / "plugins"))
        sh("cmake", "--build", str(build), "-j2")
        had_group = subprocess.run(["getent", "group", GROUP], capture_output=True).returncode == 0
        r = sh("cmake", "--install", str(build), check=False)
        created_group = not had_group and \
            subprocess.run(["getent", "group", GROUP], capture_output=True).returncode == 0
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Capture helper:" in r.stdout
        for u, groups in ((MEMBER, ["-G", GROUP]), (OUTSIDER, [])):
            home = base / ("home-" + u)
            sh("useradd", "-M", "-d", str(home), "-s", "/bin/sh", *groups, u)
            created_users.append(u)
            home.mkdir()
            shutil.chown(home, u, u)
        yield {"base": base, "prefix": prefix, "bin": prefix / "bin" / "udsdump",
               "extcap": prefix / "extcap" / "udsdump",
               "helper": prefix / "libexec" / "udsdump" / "udsdump-capture"}
    finally:
        for u in created_users:
            subprocess.run(["userdel", u], capture_output=True)
        if created_group:
            subprocess.run(["groupdel", GROUP], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def home(u):
    return Path(pwd.getpwnam(u).pw_dir)


def test_installed_files(install):
    helper, front = install["helper"], install["bin"]
    st = helper.stat()
    assert st.st_uid == 0 and grp.getgrgid(st.st_gid).gr_name == GROUP
    assert st.st_mode & 0o7777 == 0o750
    caps = sh("getcap", str(helper)).stdout
    assert re.search(r"cap_(bpf|perfmon),cap_(bpf|perfmon)=ep\s*$", caps), caps
    # nothing else: no setuid, no capability on the front ends
    for f in (front, install["extcap"]):
        assert f.stat().st_mode & 0o7777 == 0o755
        assert sh("getcap", str(f)).stdout.strip() == ""
    # file capabilities can take effect where it was installed
    assert "nosuid" not in mount_options(helper)


def test_member_captures_without_root(install, senders, tmp_path):
    out = home(MEMBER) / "member.pcapng"
    s = senders("uxP-member", "--kind", "dgram-pair")
    marker = str(out)
    p = subprocess.Popen(as_user(MEMBER, str(install["bin"]), "-w", str(out), "--duration", "4",
                                 "comm uxP-member"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid, links, progs = wait_attached(marker)
    # the front end became the helper, and the helper holds no capability
    # but CAP_BPF once attached (older kernels such as 5.10 refuse reading the loss
    # counters' map without it: src/engine/capture.c)
    assert os.readlink("/proc/%d/exe" % pid) == str(install["helper"])
    status = Path("/proc/%d/status" % pid).read_text()
    assert re.search(r"^Uid:\s+%d\s" % pwd.getpwnam(MEMBER).pw_uid, status, re.M)
    only_bpf = "%016x" % (1 << CAP_BPF)
    assert re.search(r"^CapEff:\s+%s$" % only_bpf, status, re.M), status
    assert re.search(r"^CapPrm:\s+%s$" % only_bpf, status, re.M), status
    _, err = p.communicate(timeout=60)
    s.stop()
    assert p.returncode == 0, err
    assert out.stat().st_uid == pwd.getpwnam(MEMBER).pw_uid
    recs = udsrec.read_capture(str(out)).decode()
    d = data_records(recs)
    assert d and {r.task.comm for r in d} == {"uxP-member"}


def test_outsider_gets_one_clear_line(install, tmp_path):
    out = home(OUTSIDER) / "outsider.pcapng"
    r = subprocess.run(as_user(OUTSIDER, str(install["bin"]), "-w", str(out), "--duration", "2"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "permission denied: only members of the group '%s' may capture" % GROUP in lines[0]
    assert "usermod -aG %s %s" % (GROUP, OUTSIDER) in lines[0]
    assert not out.exists()
    # and the helper is really closed to them (not just the message)
    r = subprocess.run(as_user(OUTSIDER, str(install["helper"]), "--version"),
                       capture_output=True, text=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr


def wsconfig_for(user, install):
    d = home(user) / "wsconf"
    (d / "extcap").mkdir(parents=True, exist_ok=True)
    shutil.copy2(install["extcap"], d / "extcap" / "udsdump")
    for p in (d, d / "extcap", d / "extcap" / "udsdump"):
        shutil.chown(p, user, user)
    return d


def test_tshark_member_and_outsider(install, senders):
    need(shutil.which("tshark") is not None, "tshark is not installed")
    s = senders("uxP-tshark", "--kind", "dgram-pair")
    results = {}
    for u in (MEMBER, OUTSIDER):
        conf = wsconfig_for(u, install)
        env = {"WIRESHARK_CONFIG_DIR": str(conf)}
        # everybody sees the interface: no silently missing entry
        listed = subprocess.run(as_user(u, "tshark", "-D", env=env), capture_output=True,
                                text=True, timeout=120).stdout
        assert "udsdump (Unix sockets)" in listed, (u, listed)
        out = home(u) / "tshark.pcapng"
        r = subprocess.run(as_user(u, "tshark", "-i", "udsdump", "-a", "duration:4", "-w", str(out),
                                   "-f", "comm uxP-tshark", env=env),
                           capture_output=True, text=True, timeout=120, cwd="/tmp")
        results[u] = (r, out)
    s.stop()
    r, out = results[MEMBER]
    assert r.returncode == 0, r.stderr
    d = data_records(udsrec.read_capture(str(out)).decode())
    assert d and {x.task.comm for x in d} == {"uxP-tshark"}
    r, out = results[OUTSIDER]
    assert r.returncode != 0
    assert "permission denied: only members of the group '%s'" % GROUP in r.stderr, r.stderr


def test_member_cannot_write_where_they_could_not(install):
    for target in ("/root/udsdump-forbidden.pcapng", "/etc/udsdump-forbidden.pcapng"):
        r = subprocess.run(as_user(MEMBER, str(install["bin"]), "-w", target, "--duration", "1"),
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0
        assert "cannot write %s: Permission denied" % target in r.stderr
        assert not os.path.exists(target)
    # the extcap's --fifo and --log-file too
    r = subprocess.run(as_user(MEMBER, str(install["extcap"]), "--capture", "--extcap-interface",
                               "udsdump", "--fifo", "/etc/udsdump-forbidden.fifo",
                               "--log-file", "/etc/udsdump-forbidden.log"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    assert not os.path.exists("/etc/udsdump-forbidden.log")
    assert not os.path.exists("/etc/udsdump-forbidden.fifo")


def test_no_new_privs_is_explained(install):
    r = subprocess.run(as_user(MEMBER, str(install["bin"]), "-w", "/dev/null", "--duration", "1",
                               extra=["--no-new-privs"]),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1
    assert "has no capabilities in effect" in r.stderr and "no_new_privs" in r.stderr


def test_ld_preload_does_not_reach_the_helper(install):
    need(shutil.which("cc") is not None, "no C compiler")
    base = install["base"]
    src = base / "evil.c"
    lib = base / "evil.so"
    marks = base / "marks"
    marks.mkdir(exist_ok=True)
    os.chmod(marks, 0o777)
    src.write_text(
        '#include <stdio.h>\n#include <unistd.h>\n#include <limits.h>\n'
        '__attribute__((constructor)) static void mark(void) {\n'
        '  char exe[PATH_MAX] = ""; char p[PATH_MAX + 64];\n'
        '  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1); if (n > 0) exe[n] = 0;\n'
        '  snprintf(p, sizeof(p), "%s/%d", "' + str(marks) + '", (int)getpid());\n'
        '  FILE *f = fopen(p, "w"); if (f) { fputs(exe, f); fclose(f); } }\n')
    sh("cc", "-shared", "-fPIC", "-o", str(lib), str(src))
    os.chmod(lib, 0o755)
    r = subprocess.run(as_user(MEMBER, str(install["bin"]), "-w", "/dev/null", "--duration", "1",
                               env={"LD_PRELOAD": str(lib)}),
                       capture_output=True, text=True, timeout=60)
    seen = [p.read_text() for p in marks.iterdir()]
    # the unprivileged front end loads it (harmless), the helper does not
    assert str(install["bin"]) in seen, (seen, r.stderr)
    assert str(install["helper"]) not in seen
    assert r.returncode == 0, r.stderr
