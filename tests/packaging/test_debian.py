"""The Debian packaging (debian/), checked on the host without building or
installing anything (scripts/package-matrix builds, installs, captures with
and purges the package in each suite's chroot)."""

import re
import subprocess
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
DEBIAN = REPO_DIR / "debian"


def project_version():
    """cmake/version.cmake: the one place the version is written."""
    text = (REPO_DIR / "cmake" / "version.cmake").read_text()
    return re.search(r"^set\(UDSDUMP_VERSION ([0-9.]+)\)", text, re.M).group(1)


def test_changelog_version_is_the_project_version():
    top = (DEBIAN / "changelog").read_text().splitlines()[0]
    m = re.match(r"udsdump \(([^)]+)\) (\S+); urgency=\w+$", top)
    assert m, top
    # native package: the version is the project's, without a Debian revision
    assert m.group(1) == project_version()


def test_maintainer_scripts_parse_and_clean_up():
    for name in ("udsdump.postinst", "udsdump.postrm"):
        f = DEBIAN / name
        assert f.stat().st_mode & 0o111, "%s is not executable" % name
        r = subprocess.run(["sh", "-n", str(f)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "#DEBHELPER#" in f.read_text()
    post = (DEBIAN / "udsdump.postinst").read_text()
    # the helper's path is the one CMake compiles into udsdump with the
    # package's libexec dir (debian/rules: CMAKE_INSTALL_LIBEXECDIR=libexec)
    assert "HELPER=/usr/libexec/udsdump/udsdump-capture" in post
    assert "-DCMAKE_INSTALL_LIBEXECDIR=libexec" in (DEBIAN / "rules").read_text()
    # the capabilities are the ones the helper checks for (src/engine/privs.c)
    assert "CAPS=cap_bpf,cap_perfmon=ep" in post
    privs = (REPO_DIR / "src" / "engine" / "privs.c").read_text()
    assert "CAP_BPF" in privs and "CAP_PERFMON" in privs
    # group before the owner change, capabilities after it (chown clears them)
    assert post.index("groupadd") < post.index("dpkg-statoverride --update") < post.index("setcap")
    postrm = (DEBIAN / "udsdump.postrm").read_text()
    assert "dpkg-statoverride --remove" in postrm and "groupdel" in postrm


def test_control_pins_the_wireshark_version():
    control = (DEBIAN / "control").read_text()
    assert "${wireshark:Depends}" in control
    rules = (DEBIAN / "rules").read_text()
    assert "wireshark-common (>= $(WS_MM).0), wireshark-common (<< $(WS_NEXT)~)" in rules
