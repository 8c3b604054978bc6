"""The constants of the udsdump record format, copied by hand from
doc/FORMAT.md (never generated from include/udsdump/record.h:
tests/test_format_doc.py checks the three against each other). udsrec.py,
the reader, takes them all from here.

Standard library only.
"""

LINKTYPE_USER12 = 159
# pcapng EPB option: the record's task, u32 pid then u32 tid (FORMAT.md
# "Direction and task in pcapng")
EPB_OPT_PROCESSID_THREADID = 8
MAGIC = b"UDSK"
VERSION = 1
HEADER_FIXED_LEN = 16

# events
EV_DATA = 1
EV_CONNECT = 2
EV_ACCEPT = 3
EV_SOCKETPAIR = 4
EV_SHUTDOWN = 5
EV_CLOSE = 6
EV_LOSS = 7
EV_RECV = 8
EV_ENGINE = 9
EV_CGROUP = 10
EVENT_NAMES = {
    EV_DATA: "DATA", EV_CONNECT: "CONNECT", EV_ACCEPT: "ACCEPT",
    EV_SOCKETPAIR: "SOCKETPAIR", EV_SHUTDOWN: "SHUTDOWN", EV_CLOSE: "CLOSE",
    EV_LOSS: "LOSS", EV_RECV: "RECV", EV_ENGINE: "ENGINE", EV_CGROUP: "CGROUP",
}
# records the writer makes itself, not from kernel events: not traffic, and
# not counted in the ISB's isb_ifrecv ("Stream offsets, gaps and loss")
WRITER_EVENTS = {EV_LOSS, EV_ENGINE, EV_CGROUP}

# flags (bit numbers in the doc, masks here)
F_TRUNCATED = 1 << 0
F_MORE = 1 << 1
F_OOB = 1 << 2
F_PARTIAL = 1 << 3
F_FIRST_SEEN = 1 << 4
F_JOINED_MIDSTREAM = 1 << 5
F_NO_PAYLOAD_SOURCE = 1 << 6
F_INFERRED = 1 << 7
F_CMSG_TRUNCATED = 1 << 8
F_READ_FAULT = 1 << 9
F_METADATA_ONLY = 1 << 10
F_PEER_AS_BEFORE = 1 << 11
FLAG_NAMES = {
    F_TRUNCATED: "TRUNCATED", F_MORE: "MORE", F_OOB: "OOB",
    F_PARTIAL: "PARTIAL", F_FIRST_SEEN: "FIRST_SEEN",
    F_JOINED_MIDSTREAM: "JOINED_MIDSTREAM",
    F_NO_PAYLOAD_SOURCE: "NO_PAYLOAD_SOURCE", F_INFERRED: "INFERRED",
    F_CMSG_TRUNCATED: "CMSG_TRUNCATED", F_READ_FAULT: "READ_FAULT",
    F_METADATA_ONLY: "METADATA_ONLY", F_PEER_AS_BEFORE: "PEER_AS_BEFORE",
}
# records with these flags cover more bytes than their payload
F_COVERS_MESSAGE = (F_NO_PAYLOAD_SOURCE | F_READ_FAULT | F_METADATA_ONLY
                    | F_TRUNCATED)

# TLV types
T_SOCKET = 1
T_TASK = 2
T_PEER_CRED = 3
T_PEER_TASK = 4
T_LOCAL_ADDR = 5
T_PEER_ADDR = 6
T_DEST_ADDR = 7
T_STREAM = 8
T_SCM_RIGHTS_FD = 9
T_SCM_CREDS = 10
T_CMSG_RAW = 11
T_LOSS = 12
T_ENGINE_KERNEL = 13
T_ENGINE_RUNG = 14
T_ENGINE_MISSING = 15
T_ENGINE_BLIND = 16
T_ENGINE_VERSION = 17
T_ENGINE_REASON = 18
T_TASK_NS = 19
T_PEER_TASK_NS = 20
T_SOCK_NS = 21
T_CGROUP = 22
T_CONTAINER = 23
T_POD = 24
T_PEER_CRED_NS = 25
T_CONTAINER_NAME = 26
T_READS = 27
TLV_MIN_LEN = {
    T_SOCKET: 20, T_TASK: 40, T_PEER_CRED: 12, T_PEER_TASK: 36,
    T_LOCAL_ADDR: 1, T_PEER_ADDR: 1, T_DEST_ADDR: 1, T_STREAM: 24,
    T_SCM_RIGHTS_FD: 32, T_SCM_CREDS: 12, T_CMSG_RAW: 8, T_LOSS: 32,
    T_ENGINE_KERNEL: 0, T_ENGINE_RUNG: 0, T_ENGINE_MISSING: 2,
    T_ENGINE_BLIND: 0, T_ENGINE_VERSION: 0, T_ENGINE_REASON: 0,
    T_TASK_NS: 24, T_PEER_TASK_NS: 24, T_SOCK_NS: 32,
    T_CGROUP: 8, T_CONTAINER: 2, T_POD: 0, T_PEER_CRED_NS: 8, T_CONTAINER_NAME: 0,
    T_READS: 8,
}
TLV_REPEATABLE = {T_SCM_RIGHTS_FD, T_CMSG_RAW, T_ENGINE_MISSING}
# Where each field is: in the record header ("HDR") and in each TLV's
# value, copied from doc/FORMAT.md (the fields in the order it lists them;
# "ADDR" is LOCAL_ADDR, PEER_ADDR and DEST_ADDR). tests/test_format_doc.py
# checks them against the document and the C header's UDS_*_OFF_*.
OFF = {
    "HDR": {"magic": 0, "version": 4, "event": 5, "header_len": 6,
            "flags": 8, "payload_len": 12},
    "SOCKET": {"inode": 0, "peer_inode": 8, "sock_type": 16, "reserved": 18},
    "TASK": {"pid": 0, "tid": 4, "uid": 8, "gid": 12, "start_ns": 16,
             "comm": 24},
    "PEER_CRED": {"pid": 0, "uid": 4, "gid": 8},
    "PEER_TASK": {"pid": 0, "tid": 4, "start_ns": 8, "source": 16,
                  "reserved": 17, "comm": 20},
    "ADDR": {"kind": 0, "name": 1},
    "STREAM": {"stream_offset": 0, "msg_len": 8, "msg_offset": 12,
               "requested_len": 16, "syscall": 20, "reserved": 22},
    "SCM_RIGHTS_FD": {"fd": 0, "file_kind": 4, "fd_flags": 5, "sock_type": 6,
                      "mode": 8, "sock_family": 12, "reserved": 14,
                      "inode": 16, "dev": 24, "path": 32},
    "SCM_CREDS": {"pid": 0, "uid": 4, "gid": 8},
    "CMSG_RAW": {"level": 0, "type": 4, "data": 8},
    "LOSS": {"records": 0, "bytes": 8, "total_records": 16,
             "total_bytes": 24},
    "ENGINE_MISSING": {"source": 0, "name_len": 1, "name": 2},
    "TASK_NS": {"cgroup_id": 0, "ns_pid": 8, "ns_tid": 12, "pid_ns": 16,
                "mnt_ns": 20},
    "CGROUP": {"cgroup_id": 0, "path": 8},
    "CONTAINER": {"runtime": 0, "monitor": 1, "id": 2},
    "SOCK_NS": {"net_ns": 0, "peer_net_ns": 4, "file_dev": 8,
                "peer_file_dev": 12, "file_ino": 16, "peer_file_ino": 24},
    "PEER_CRED_NS": {"ns_pid": 0, "pid_ns": 4},
    # the first read's entry; read i's at these plus READS_ENTRY_LEN * i
    "READS": {"count": 0, "reserved": 4, "ns_before": 8, "msg_len": 12,
              "requested_len": 16},
}
READS_ENTRY_LEN = 12
COMM_LEN = 16
# CONTAINER.runtime
RUNTIMES = {1: "docker", 2: "containerd", 3: "cri-o", 4: "podman", 5: "cri"}
# ENGINE_MISSING.source
MISSING_KERNEL = 1
MISSING_WITHOUT = 2

SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_SEQPACKET = 5
SOCK_TYPE_NAMES = {SOCK_STREAM: "stream", SOCK_DGRAM: "dgram",
                   SOCK_SEQPACKET: "seqpacket"}

ADDR_UNNAMED = 0
ADDR_PATHNAME = 1
ADDR_ABSTRACT = 2

# STREAM.syscall
SYSCALLS = {
    0: "unknown", 1: "write", 2: "writev", 3: "sendto", 4: "sendmsg",
    5: "sendmmsg", 6: "read", 7: "readv", 8: "recvfrom", 9: "recvmsg",
    10: "recvmmsg",
}
SYSCALL_NUMBERS = {v: k for k, v in SYSCALLS.items()}

# SCM_RIGHTS_FD
FK_UNKNOWN, FK_REGULAR, FK_DIRECTORY, FK_SOCKET, FK_PIPE, FK_CHR, FK_BLK, \
    FK_SYMLINK, FK_ANON_INODE, FK_MEMFD = range(10)
FDF_PATH_CUT = 1 << 0
FDF_UNRESOLVED = 1 << 1

PEER_TASK_SOURCE_KERNEL = 1
PEER_TASK_SOURCE_PROC = 2
