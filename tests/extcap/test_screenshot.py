"""Wireshark's welcome page, under Xvfb, lists "Unix sockets": the
screenshot is made by screenshot.sh and read back with OCR (tesseract)."""

import os
import shutil
import subprocess

from lib.extcap import HERE, REPO_DIR, UDSDUMP, need


def ocr(png, tmp_path):
    # dark text on light (and on the light-blue hover row): grey, enlarge,
    # threshold, so tesseract reads every row
    clean = tmp_path / "ocr.png"
    subprocess.run(["convert", str(png), "-colorspace", "Gray", "-resize", "200%",
                    "-negate", "-threshold", "50%", "-negate", str(clean)], check=True)
    return subprocess.run(["tesseract", str(clean), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_welcome_page_lists_unix_sockets(tmp_path):
    for tool in ("Xvfb", "wireshark", "xwd", "convert", "tesseract"):
        need(shutil.which(tool) is not None, "%s is not installed (see scripts/setup.sh)" % tool)
    need(os.access(UDSDUMP, os.X_OK), "udsdump not built at %s" % UDSDUMP)
    png = tmp_path / "welcome.png"
    r = subprocess.run([str(HERE / "screenshot.sh"), str(png), UDSDUMP, "15"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert png.stat().st_size > 10000
    # keep a copy to look at
    try:
        shutil.copy(png, REPO_DIR / "build" / "wireshark-welcome.png")
    except OSError:
        pass
    text = ocr(png, tmp_path)
    # the page is the welcome page, with its interface list read correctly
    assert "Welcome to Wireshark" in text, text
    assert "SSH remote capture: sshdump" in text, text
    assert "Unix sockets: udsdump" in text, text
