"""Reads for --recv merged: a client and a server on a path socket in DIR.

  1. ping-pong: 300 requests of 100 bytes, 20-byte replies, each side
     reading with read();
  2. a stream: the client writes 64 KiB in 1 KiB writes, the server reads
     it with read() of at most 4096 bytes;
  3. a second thread of the server reads 50 more requests.

Prints one JSON line: per socket inode, every read in order as [tid, bytes].
"""

import json
import os
import socket
import sys
import threading

d = sys.argv[1]
path = os.path.join(d, "runs.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
cli.connect(path)
conn, _ = srv.accept()
reads = {os.fstat(conn.fileno()).st_ino: [], os.fstat(cli.fileno()).st_ino: []}


def read_exactly(s, n, most):
    """Read n bytes from s with read(2) of at most `most`; log each read."""
    got = 0
    while got < n:
        b = os.read(s.fileno(), min(most, n - got))
        assert b, "end of file"
        reads[os.fstat(s.fileno()).st_ino].append([threading.get_native_id(), len(b)])
        got += len(b)


for i in range(300):
    cli.sendall(b"q" * 100)
    read_exactly(conn, 100, 100)
    conn.sendall(b"r" * 20)
    read_exactly(cli, 20, 20)

for i in range(64):
    cli.sendall(b"s" * 1024)
read_exactly(conn, 64 * 1024, 4096)


def second_reader():
    for i in range(50):
        read_exactly(conn, 100, 100)


t = threading.Thread(target=second_reader)
t.start()
for i in range(50):
    cli.sendall(b"t" * 100)
t.join()
cli.close()
conn.close()
srv.close()
print(json.dumps({"reads": {str(k): v for k, v in reads.items()}}))
