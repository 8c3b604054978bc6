"""The one pcapng writer of the tests: a section header, one interface
(LINKTYPE_USER12 unless told) and an enhanced packet block per record.
Standard library only."""

import struct

import udsrec  # the format's constants (copied from doc/FORMAT.md)

START_TS_US = 1_700_000_000_000_000


def block(btype, body):
    """One pcapng block: type, total length, body padded to 4, length."""
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack("<II", btype, total) + body + b"\0" * pad + struct.pack("<I", total)


def pcapng_bytes(packets, linktype=udsrec.LINKTYPE_USER12, start_ts_us=START_TS_US,
                 step_us=1000):
    """packets: record bytes, or tuples (bytes, ts_us) or (bytes, ts_us,
    orig_len) (ts_us None: start_ts_us + i * step_us; orig_len: the length
    before the capture cut it, never less than the bytes)."""
    out = [block(udsrec.PCAPNG_SHB, struct.pack("<IHHq", udsrec.BYTE_ORDER_MAGIC, 1, 0, -1)),
           block(udsrec.PCAPNG_IDB, struct.pack("<HHI", linktype & 0xFFFF, 0, 0))]
    for i, p in enumerate(packets):
        data, ts, orig = p, None, None
        if isinstance(p, tuple):
            data, ts, orig = (tuple(p) + (None, None))[:3]
        if ts is None:
            ts = start_ts_us + i * step_us
        orig = len(data) if orig is None else max(orig, len(data))
        out.append(block(udsrec.PCAPNG_EPB, struct.pack(
            "<IIIII", 0, (ts >> 32) & 0xFFFFFFFF, ts & 0xFFFFFFFF, len(data),
            orig & 0xFFFFFFFF) + data))
    return b"".join(out)


def write_pcapng(path, packets, linktype=udsrec.LINKTYPE_USER12, **kw):
    with open(path, "wb") as f:
        f.write(pcapng_bytes(packets, linktype, **kw))
    return path
