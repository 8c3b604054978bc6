"""Remote capture through Wireshark's own sshdump: an sshd on 127.0.0.1 on a
high port (throwaway host and user keys, started here) runs udsdump as the
--remote-capture-command; the records arrive in sshdump's output."""

import os
import shutil
import socket
import subprocess
import time

import pytest

import udsrec
from lib.extcap import GLOBAL_EXTCAP_DIR, UDSDUMP, data_records, live_problems, need

SSHDUMP = os.path.join(GLOBAL_EXTCAP_DIR, "sshdump")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def sshd(tmp_path):
    why = live_problems()
    need(not why, "; ".join(why))
    need(os.path.exists("/usr/sbin/sshd"), "openssh-server is not installed")
    need(shutil.which("ssh-keygen") is not None, "openssh-client is not installed")
    need(os.access(SSHDUMP, os.X_OK), "sshdump is not installed at %s" % SSHDUMP)
    d = tmp_path / "ssh"
    d.mkdir()
    os.chmod(d, 0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_key")],
                   check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "user_key")],
                   check=True)
    (d / "authorized_keys").write_text((d / "user_key.pub").read_text())
    os.chmod(d / "authorized_keys", 0o600)
    port = free_port()
    (d / "sshd_config").write_text("\n".join([
        "ListenAddress 127.0.0.1",
        "Port %d" % port,
        "HostKey %s" % (d / "host_key"),
        "AuthorizedKeysFile %s" % (d / "authorized_keys"),
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PidFile %s" % (d / "sshd.pid"),
        "LogLevel VERBOSE",
        ""]))
    os.makedirs("/run/sshd", exist_ok=True)
    log = open(d / "sshd.log", "w")
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(d / "sshd_config")],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("sshd did not start: " + (d / "sshd.log").read_text())
    assert proc.poll() is None, (d / "sshd.log").read_text()
    yield {"port": port, "key": d / "user_key", "log": d / "sshd.log"}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_sshdump_remote_capture_delivers_records(sshd, tmp_path, senders):
    out = tmp_path / "remote.pcapng"
    s = senders("uxR-remote", "--kind", "dgram-pair", "--size", "40")
    cmd = [SSHDUMP, "--extcap-interface", "sshdump", "--capture", "--fifo", str(out),
           "--remote-host", "127.0.0.1", "--remote-port", str(sshd["port"]),
           "--remote-username", "root", "--sshkey", str(sshd["key"]),
           "--remote-capture-command-select", "other",
           "--remote-capture-command", "%s -w - -q --duration 4 comm uxR-remote" % UDSDUMP]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    s.stop()
    sent = s.sent()
    assert out.exists() and out.stat().st_size > 0, \
        "sshdump wrote nothing: rc=%d %s\nsshd: %s" % (r.returncode, r.stderr,
                                                       sshd["log"].read_text()[-2000:])
    assert "Accepted publickey for root" in sshd["log"].read_text()
    cap = udsrec.read_capture(str(out))
    recs = data_records(cap.decode())
    assert recs, "no records came back through ssh"
    assert {x.task.comm for x in recs} == {"uxR-remote"}
    logged = {m["seq"] for m in sent}
    got = [int(x.payload.split(b":")[0].split(b"-")[-1]) for x in recs]
    assert set(got) <= logged and len(got) >= 10
    assert all(x.payload_len == 40 for x in recs)
    # udsdump ended by itself (--duration 4): its final ISB came through too
    assert cap.stats and cap.stats[-1].ifrecv >= len(recs)
