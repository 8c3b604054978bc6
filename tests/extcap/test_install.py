"""cmake --install: Wireshark's global directories by default (checked under
a DESTDIR staging root, so the system is not touched, against the folders
this host's `tshark -G folders` names), a user's personal directories with
-DUDSDUMP_USER_INSTALL=ON (checked by tshark itself), the package layout
(capture helper without capabilities, extcap as a link) under DESTDIR, and
the directories CMake derives for 4.0, 4.4 and 4.6 from their wireshark.pc.
The same installs are checked with each version's own tshark in chroots by
scripts/package-matrix (the .deb and the personal install)."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lib.extcap import REPO_DIR, need


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


def tshark_folders(env=None):
    out = sh("tshark", "-G", "folders", env=env).stdout
    # "Global Plugins:      \t/usr/lib/..." (names padded before the tab)
    return {m.group(1): m.group(2) for m in re.finditer(r"^([^:\t]+):\s*\t(.*)$", out, re.M)}


def global_extcap_dir():
    f = tshark_folders()
    return (f.get("Global Extcap path") or f["Extcap path"]).strip()


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
    # where this host's Wireshark itself looks
    plugindir = tshark_folders()["Global Plugins"].strip()
    extcapdir = global_extcap_dir()
    assert plugindir == pkgvar("plugindir")
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
        folders = tshark_folders(env)
        # 4.0 names no personal extcap folder but scans ~/.config/wireshark/extcap
        pext = folders.get("Personal Extcap path", str(home / ".config/wireshark/extcap")).strip()
        ext = Path(pext) / "udsdump"
        plug = Path(folders["Personal Plugins"].strip()) / "epan" / "udsdump.so"
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
        assert cache(build, "UDSDUMP_EXTCAP_INSTALL_DIR") == global_extcap_dir()
        assert cache(build, "UDSDUMP_PLUGIN_INSTALL_DIR") == pkgvar("plugindir") + "/epan"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_package_layout_under_destdir(tools, tmp_path):
    """What debian/rules asks for: the helper without capabilities or group
    (the postinst sets them), the extcap a relative link to /usr/bin/udsdump.
    Nothing outside the staging root changes (no group is created)."""
    build = tmp_path / "build"
    stage = tmp_path / "stage"
    groups_before = Path("/etc/group").read_text()
    sh("cmake", "-S", str(REPO_DIR), "-B", str(build), "-DCMAKE_INSTALL_PREFIX=/usr",
       "-DCMAKE_INSTALL_LIBEXECDIR=libexec", "-DUDSDUMP_CAPTURE_HELPER=ON",
       "-DUDSDUMP_SETCAP=OFF", "-DUDSDUMP_EXTCAP_SYMLINK=ON")
    sh("cmake", "--build", str(build), "-j2")
    sh("cmake", "--install", str(build), env=dict(os.environ, DESTDIR=str(stage)))
    assert Path("/etc/group").read_text() == groups_before
    ext = stage / global_extcap_dir().lstrip("/") / "udsdump"
    assert ext.is_symlink() and not os.path.isabs(os.readlink(ext))
    assert ext.resolve() == (stage / "usr/bin/udsdump").resolve()
    helper = stage / "usr/libexec/udsdump/udsdump-capture"
    assert helper.is_file() and helper.stat().st_mode & 0o7777 == 0o755
    assert sh("getcap", str(helper)).stdout.strip() == ""
    # the front end knows where the package's helper is
    assert b"/usr/libexec/udsdump/udsdump-capture" in (stage / "usr/bin/udsdump").read_bytes()
    # the man page, where man finds it (the package's dh_installman leaves it to this)
    man = stage / "usr/share/man/man1/udsdump.1"
    assert man.read_bytes() == (REPO_DIR / "doc" / "udsdump.1").read_bytes()


FAKE_PC = """prefix=/usr
libdir=${prefix}/lib/x86_64-linux-gnu
includedir=${prefix}/include
plugindir=${libdir}/wireshark/plugins/%(mm)s

Name: Wireshark
Description: Network Packet Dissection Library
Version: %(version)s
Cflags: -I${includedir}/wireshark
Libs: -L${libdir} -lwireshark
"""


@pytest.mark.parametrize("version,global_extcap,personal_extcap", [
    # the table in ../shared/notes/wireshark.md ("where things live"),
    # measured with each version's `tshark -G folders`
    ("4.0.17", "/usr/lib/x86_64-linux-gnu/wireshark/extcap", ".config/wireshark/extcap"),
    ("4.4.19", "/usr/lib/x86_64-linux-gnu/wireshark/extcap", ".local/lib/wireshark/extcap"),
    ("4.6.9", "/usr/libexec/wireshark/extcap", ".local/lib/wireshark/extcap"),
])
def test_dirs_derived_per_version(tools, tmp_path, version, global_extcap, personal_extcap):
    """Configure only, against a wireshark.pc of that version (the plugin is
    not built): the directories CMake picks, global and personal."""
    mm = version.rsplit(".", 1)[0]
    pc = tmp_path / "pc"
    pc.mkdir()
    (pc / "wireshark.pc").write_text(FAKE_PC % {"mm": mm, "version": version})
    home = tmp_path / "home"
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc), PKG_CONFIG_LIBDIR=str(pc) + ":/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig",
               HOME=str(home))
    g = tmp_path / "global"
    sh("cmake", "-S", str(REPO_DIR), "-B", str(g), "-DCMAKE_INSTALL_PREFIX=/usr", env=env)
    assert cache(g, "UDSDUMP_EXTCAP_INSTALL_DIR") == global_extcap
    assert cache(g, "UDSDUMP_PLUGIN_INSTALL_DIR") == \
        "/usr/lib/x86_64-linux-gnu/wireshark/plugins/%s/epan" % mm
    u = tmp_path / "user"
    sh("cmake", "-S", str(REPO_DIR), "-B", str(u), "-DUDSDUMP_USER_INSTALL=ON", env=env)
    assert cache(u, "UDSDUMP_EXTCAP_INSTALL_DIR") == str(home / personal_extcap)
    assert cache(u, "UDSDUMP_PLUGIN_INSTALL_DIR") == \
        str(home / ".local/lib/wireshark/plugins" / mm / "epan")
