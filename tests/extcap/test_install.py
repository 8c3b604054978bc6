"""cmake --install: Wireshark's global directories by default (checked under
a DESTDIR staging root, so the system is not touched), a user's personal
directories with -DUDSDUMP_USER_INSTALL=ON (checked by tshark itself)."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import REPO_DIR, need


def sh(*args, env=None, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, env=env, **kw)
    assert r.returncode == 0, "%s: %s %s" % (args, r.stdout, r.stderr)
    return r


def pkgvar(name):
    return subprocess.run(["pkg-config", "--variable=" + name, "wireshark"], capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="module")
def tools():
    for t in ("cmake", "pkg-config", "tshark"):
        need(shutil.which(t) is not None, "%s is not installed" % t)
    need(pkgvar("plugindir") != "", "pkg-config does not know wireshark (libwireshark-dev)")


def cache(build, var):
    text = (Path(build) / "CMakeCache.txt").read_text()
    m = re.search(r"^%s:[A-Z]+=(.*)$" % re.escape(var), text, re.M)
    return m.group(1) if m else None


def test_default_install_uses_wiresharks_global_dirs(tools, tmp_path):
    build = tmp_path / "build"
    stage = tmp_path / "stage"
    sh("cmake", "-S", str(REPO_DIR), "-B", str(build), "-DCMAKE_INSTALL_PREFIX=/usr/local")
    sh("cmake", "--build", str(build), "-j2")
    env = dict(os.environ, DESTDIR=str(stage))
    sh("cmake", "--install", str(build), env=env)
    plugindir = pkgvar("plugindir")
    extcapdir = pkgvar("extcap_dir") or \
        re.sub(r"/plugins/[^/]+$", "/extcap", plugindir)
    assert extcapdir == "/usr/lib/x86_64-linux-gnu/wireshark/extcap" or pkgvar("extcap_dir")
    ext = stage / extcapdir.lstrip("/") / "udsdump"
    plug = stage / plugindir.lstrip("/") / "epan" / "udsdump.so"
    assert ext.is_file() and os.access(ext, os.X_OK)
    assert ext.stat().st_mode & 0o777 == 0o755
    assert plug.is_file()
    assert (stage / "usr/local/bin/udsdump").is_file()
    readme = stage / "usr/local/share/doc/udsdump/README.md"
    assert readme.is_file()
    # the extcap's help link points at the installed README
    out = sh(str(ext), "--extcap-interfaces").stdout
    assert "{help=file:///usr/local/share/doc/udsdump/README.md}" in out


def test_user_install_into_personal_dirs(tools, tmp_path):
    base = Path(tempfile.mkdtemp(prefix="udsdump-home-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        home = base / "home"
        home.mkdir()
        build = base / "build"
        env = dict(os.environ, HOME=str(home))
        env.pop("WIRESHARK_CONFIG_DIR", None)
        env.pop("XDG_CONFIG_HOME", None)
        sh("cmake", "-S", str(REPO_DIR), "-B", str(build), "-DUDSDUMP_USER_INSTALL=ON", env=env)
        sh("cmake", "--build", str(build), "-j2", env=env)
        sh("cmake", "--install", str(build), env=env)
        ext = home / ".config/wireshark/extcap/udsdump"
        plug = home / ".local/lib/wireshark/plugins/4.0/epan/udsdump.so"
        assert ext.is_file() and os.access(ext, os.X_OK)
        assert plug.is_file()
        assert (home / ".local/bin/udsdump").is_file()
        # tshark finds the extcap in the personal dir (it scans it for root too)
        out = sh("tshark", "-D", env=env).stdout
        assert "udsdump (Unix sockets)" in out
        # and a normal user's tshark loads the personal plugin
        # (root only loads global plugins)
        for p in [home] + [q for q in home.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() or os.access(p, os.X_OK) else 0o644)
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            "env", "-i", "HOME=%s" % home, "PATH=/usr/bin:/bin",
                            "tshark", "-G", "plugins"], capture_output=True, text=True,
                           cwd="/tmp")
        assert re.search(r"^udsdump\.so\s.*%s" % re.escape(str(plug.parent)), r.stdout, re.M), \
            r.stdout + r.stderr
        # switching the option back in the same build dir goes global again
        sh("cmake", "-S", str(REPO_DIR), "-B", str(build), "-DUDSDUMP_USER_INSTALL=OFF", env=env)
        assert cache(build, "UDSDUMP_EXTCAP_INSTALL_DIR") == \
            (pkgvar("extcap_dir") or re.sub(r"/plugins/[^/]+$", "/extcap", pkgvar("plugindir")))
        assert cache(build, "UDSDUMP_PLUGIN_INSTALL_DIR") == pkgvar("plugindir") + "/epan"
    finally:
        shutil.rmtree(base, ignore_errors=True)
