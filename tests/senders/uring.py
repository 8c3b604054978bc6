"""A send through io_uring, from Python with nothing but ctypes: the sends
the capture sees with no user buffer at the sock tracepoints (a gap) and
not at all at the syscall exits.

  Ring().send(fd, data) -> bytes the kernel accepted (one IORING_OP_SEND)

x86_64 only (syscall numbers); io_uring_setup failing (no io_uring, or
kernel.io_uring_disabled) raises OSError.
"""

import ctypes
import mmap
import os
import struct

SYS_IO_URING_SETUP = 425
SYS_IO_URING_ENTER = 426
IORING_OFF_SQ_RING = 0
IORING_OFF_CQ_RING = 0x8000000
IORING_OFF_SQES = 0x10000000
IORING_ENTER_GETEVENTS = 1
IORING_OP_SEND = 26  # since 5.6
SQE_SIZE = 64
CQE_SIZE = 16
ENTRIES = 4

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(nr, *args):
    r = _libc.syscall(ctypes.c_long(nr), *args)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "io_uring syscall %d: %s" % (nr, os.strerror(e)))
    return r


class Ring:
    """One io_uring with a few entries; one operation at a time."""

    def __init__(self):
        self.params = ctypes.create_string_buffer(120)  # io_uring_params
        self.fd = _syscall(SYS_IO_URING_SETUP, ctypes.c_uint(ENTRIES),
                           self.params)
        p = self.params.raw
        self.sq_entries, self.cq_entries = struct.unpack_from("II", p, 0)
        # io_sqring_offsets at 40, io_cqring_offsets at 80
        (self.sq_head, self.sq_tail, self.sq_mask, _, _, _,
         self.sq_array) = struct.unpack_from("7I", p, 40)
        (self.cq_head, self.cq_tail, self.cq_mask, _, _,
         self.cqes) = struct.unpack_from("6I", p, 80)
        self.sq = mmap.mmap(self.fd, self.sq_array + 4 * self.sq_entries,
                            offset=IORING_OFF_SQ_RING)
        self.cq = mmap.mmap(self.fd, self.cqes + CQE_SIZE * self.cq_entries,
                            offset=IORING_OFF_CQ_RING)
        self.sqes = mmap.mmap(self.fd, SQE_SIZE * self.sq_entries,
                              offset=IORING_OFF_SQES)

    def _u32(self, m, off, value=None):
        if value is None:
            return struct.unpack_from("I", m, off)[0]
        struct.pack_into("I", m, off, value)
        return value

    def send(self, fd, data, flags=0):
        """One IORING_OP_SEND of DATA on socket FD; the bytes accepted."""
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        tail = self._u32(self.sq, self.sq_tail)
        idx = tail & self.sq_mask
        sqe = struct.pack("BBHiQQIIQ", IORING_OP_SEND, 0, 0, fd, 0,
                          ctypes.addressof(buf), len(data), flags, 0x5e9d)
        self.sqes[idx * SQE_SIZE:(idx + 1) * SQE_SIZE] = \
            sqe.ljust(SQE_SIZE, b"\0")
        self._u32(self.sq, self.sq_array + 4 * idx, idx)
        self._u32(self.sq, self.sq_tail, tail + 1)
        _syscall(SYS_IO_URING_ENTER, ctypes.c_uint(self.fd), ctypes.c_uint(1),
                 ctypes.c_uint(1), ctypes.c_uint(IORING_ENTER_GETEVENTS),
                 None, ctypes.c_size_t(0))
        head = self._u32(self.cq, self.cq_head)
        if head == self._u32(self.cq, self.cq_tail):
            raise OSError(0, "io_uring: no completion after io_uring_enter")
        off = self.cqes + CQE_SIZE * (head & self.cq_mask)
        _, res, _ = struct.unpack_from("QiI", self.cq, off)
        self._u32(self.cq, self.cq_head, head + 1)
        if res < 0:
            raise OSError(-res, "io_uring send: " + os.strerror(-res))
        return res

    def close(self):
        for m in (self.sq, self.cq, self.sqes):
            m.close()
        os.close(self.fd)
