"""How an extcap capture ends, driven the way Wireshark drives it but with
the test as the FIFO's reader: SIGTERM while the reader still reads (the
final ISB arrives), the reader closing the FIFO with and without traffic
flowing (EPIPE / SIGPIPE). Every way ends with exit status 0 and no BPF
link or program left."""

import os
import signal
import subprocess
import threading
import time

import udsrec

from lib.extcap import UDSDUMP, assert_detached, data_records, wait_attached


class FifoCapture:
    def __init__(self, tmp_path, *args):
        self.fifo = tmp_path / ("cap-%d.fifo" % time.monotonic_ns())
        os.mkfifo(self.fifo)
        self.log = tmp_path / "extcap.log"
        self.proc = subprocess.Popen(
            [UDSDUMP, "--capture", "--extcap-interface", "udsdump", "--fifo", str(self.fifo),
             "--log-level", "info", "--log-file", str(self.log)] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.fd = os.open(self.fifo, os.O_RDONLY)  # blocks until udsdump opens it
        self.data = bytearray()
        self.reading = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.reading:
            try:
                b = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not b:
                break
            self.data += b

    def close_reader(self):
        self.reading = False
        os.close(self.fd)

    def wait(self, timeout=30):
        out, err = self.proc.communicate(timeout=timeout)
        self.thread.join(5)
        return self.proc.returncode, err


def traffic(n=0, interval=0.01):
    """A socketpair writer in a child process (comm 'uxS-stop')."""
    code = ("import socket,time,ctypes\n"
            "ctypes.CDLL(None).prctl(15,b'uxS-stop',0,0,0)\n"
            "a,b=socket.socketpair(socket.AF_UNIX,socket.SOCK_DGRAM)\n"
            "b.setblocking(False)\n"
            "i=0\n"
            "while %d==0 or i<%d:\n"
            "  a.send(b'stop-test-%%d'%%i)\n"
            "  try: b.recv(100)\n"
            "  except BlockingIOError: pass\n"
            "  i+=1; time.sleep(%f)\n" % (n, n, interval))
    return subprocess.Popen(["/usr/bin/python3", "-c", code])


def test_sigterm_with_reader_writes_final_isb(live, tmp_path):
    c = FifoCapture(tmp_path, "--comm", "uxS-stop")
    pid, links, progs = wait_attached(str(c.fifo))
    t = traffic()
    time.sleep(1.5)
    c.proc.send_signal(signal.SIGTERM)
    rc, err = c.wait()
    t.kill()
    t.wait()
    assert rc == 0, err
    assert err == ""
    cap = udsrec.read_capture(bytes(c.data))
    recs = cap.decode()
    assert data_records(recs)
    assert {r.task.comm for r in data_records(recs)} == {"uxS-stop"}
    # the last block of the stream is the final ISB and counts every record
    assert cap.stats
    last = cap.stats[-1]
    assert last.block_index == max(s.block_index for s in cap.stats)
    assert last.ifrecv == len([r for r in recs
                               if r.event not in udsrec.WRITER_EVENTS])
    assert "stopped by signal 15" in c.log.read_text()
    assert_detached(links, progs)


def test_reader_gone_without_traffic(live, tmp_path):
    # a pid nobody has: no record will ever be written, so only the
    # FIFO watch can notice that the reader left
    c = FifoCapture(tmp_path, "--pid", "1073741823")
    pid, links, progs = wait_attached(str(c.fifo))
    time.sleep(0.5)
    t0 = time.monotonic()
    c.close_reader()
    rc, err = c.wait(timeout=20)
    assert rc == 0, err
    assert time.monotonic() - t0 < 5
    assert "reader went away" in c.log.read_text()
    assert_detached(links, progs)


def test_reader_gone_with_traffic_epipe(live, tmp_path):
    c = FifoCapture(tmp_path, "--comm", "uxS-stop")
    pid, links, progs = wait_attached(str(c.fifo))
    t = traffic(interval=0.001)
    time.sleep(1)
    c.close_reader()
    rc, err = c.wait(timeout=20)
    t.kill()
    t.wait()
    assert rc == 0, err
    assert "writing" not in err  # a reader going away is no error
    assert_detached(links, progs)
