/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The udsdump record: what each pcapng packet on link type UDS_LINKTYPE
 * holds. Little-endian, unaligned, versioned. The one contract between the
 * writer (src/format/record_writer.c) and every reader: the dissector
 * (plugin/), tests/udsrec.py, a second dissector. doc/FORMAT.md describes
 * the same bytes in prose; tests/test_format_doc.py checks that the two
 * agree, offsets included.
 *
 * What the kernel hands to user space (the ring-buffer events) is another
 * contract, between bpf/ and the engine only: bpf/udsdump_ring.h.
 */
#ifndef UDSDUMP_RECORD_H
#define UDSDUMP_RECORD_H

/* No types and no includes: the header builds as it is for the BPF
 * target, in the Wireshark plugin and in the engine. */

/* ---------------------------------------------------------------------- */
/* 1. On-wire record                                                       */
/* ---------------------------------------------------------------------- */

/*
 * LINKTYPE_USER12 (pcap 159, Wireshark WTAP_ENCAP_USER12). USER0/USER1 are the
 * ones tutorials and ad-hoc tools reach for first (and the DLT_USER dialog's
 * default row), USER2 is decoded as pktap by Wireshark; nothing in Wireshark
 * 4.0 claims USER12 beyond the generic user_dlt table, which a plugin
 * registration replaces.
 */
#define UDS_LINKTYPE 159
#define UDS_WTAP_ENCAP_USER_INDEX 12

/* First four bytes of every record: 'U' 'D' 'S' 'K'. */
#define UDS_REC_MAGIC0 'U'
#define UDS_REC_MAGIC1 'D'
#define UDS_REC_MAGIC2 'S'
#define UDS_REC_MAGIC3 'K'
#define UDS_REC_VERSION 1

/*
 * Fixed header (16 bytes, little-endian):
 *   0  u8[4] magic "UDSK"
 *   4  u8    version
 *   5  u8    event          (enum uds_event_kind)
 *   6  u16   header_len     bytes from record start to payload (16 + TLVs)
 *   8  u32   flags          (UDS_F_*)
 *   12 u32   payload_len    captured payload bytes after header_len
 * then TLVs (u16 type, u16 length, value; no padding) up to header_len,
 * then payload_len bytes of payload.
 */
#define UDS_REC_HDR_LEN 16
#define UDS_TLV_HDR_LEN 4

enum uds_event_kind {
	UDS_EV_DATA = 1,       /* bytes sent on a socket */
	UDS_EV_CONNECT = 2,    /* connect() succeeded */
	UDS_EV_ACCEPT = 3,     /* accept() returned a new socket */
	UDS_EV_SOCKETPAIR = 4, /* socketpair() created two sockets */
	UDS_EV_SHUTDOWN = 5,   /* shutdown(), or EOF seen by the reader (INFERRED) */
	UDS_EV_CLOSE = 6,      /* last close of the socket */
	UDS_EV_LOSS = 7,       /* records the kernel could not hand over */
	UDS_EV_RECV = 8,       /* bytes read from a socket (receive side) */
	UDS_EV_ENGINE = 9,     /* the engine, kernel and what it cannot see; not
				  traffic: no SOCKET TLV, no payload */
	UDS_EV_CGROUP = 10,    /* a cgroup id's path and container; not traffic */
	UDS_EV_MAX = 10,
};

/* Record flags. */
#define UDS_F_TRUNCATED (1u << 0)	/* snap length cut this message */
#define UDS_F_MORE (1u << 1)		/* more records follow for this message */
#define UDS_F_OOB (1u << 2)		/* sent with MSG_OOB */
#define UDS_F_PARTIAL (1u << 3)		/* kernel accepted fewer bytes than asked */
#define UDS_F_FIRST_SEEN (1u << 4)	/* first record of this socket in capture */
#define UDS_F_JOINED_MIDSTREAM (1u << 5) /* socket existed before capture */
#define UDS_F_NO_PAYLOAD_SOURCE (1u << 6) /* sent outside a traced syscall */
#define UDS_F_INFERRED (1u << 7)	/* event inferred, not observed */
#define UDS_F_CMSG_TRUNCATED (1u << 8)	/* control data not fully captured */
#define UDS_F_READ_FAULT (1u << 9)	/* sender memory unreadable: bytes missing */
#define UDS_F_METADATA_ONLY (1u << 10)	/* payload not captured by choice */
#define UDS_F_PEER_AS_BEFORE (1u << 11) /* peer identity as in the socket's last record without it */

enum uds_tlv_type {
	UDS_TLV_SOCKET = 1,      /* u64 inode, u64 peer_inode, u16 sock_type, u16 0 */
	UDS_TLV_TASK = 2,        /* the task that did it: see struct below */
	UDS_TLV_PEER_CRED = 3,   /* u32 pid, u32 uid, u32 gid (SO_PEERCRED) */
	UDS_TLV_PEER_TASK = 4,   /* u32 pid, u32 tid, u64 start_ns, u8 source,
				    u8[3] 0, char comm[16] */
	UDS_TLV_LOCAL_ADDR = 5,  /* u8 kind (uds_addr_kind), name bytes */
	UDS_TLV_PEER_ADDR = 6,   /* same */
	UDS_TLV_DEST_ADDR = 7,   /* same: address given to sendto/sendmsg */
	UDS_TLV_STREAM = 8,      /* u64 stream_offset, u32 msg_len,
				    u32 msg_offset, u32 requested_len,
				    u16 syscall (uds_syscall), u16 0 */
	UDS_TLV_SCM_RIGHTS_FD = 9, /* one passed descriptor, see below */
	UDS_TLV_SCM_CREDS = 10,  /* u32 pid, u32 uid, u32 gid */
	UDS_TLV_CMSG_RAW = 11,   /* i32 level, i32 type, data bytes */
	UDS_TLV_LOSS = 12,       /* u64 records, u64 bytes (new since last),
				    u64 total_records, u64 total_bytes */
	/* ENGINE records only (text: UTF-8, no NUL, the TLV's length) */
	UDS_TLV_ENGINE_KERNEL = 13,  /* kernel release, text */
	UDS_TLV_ENGINE_RUNG = 14,    /* rung name, text */
	UDS_TLV_ENGINE_MISSING = 15, /* repeats: u8 source (uds_missing_source),
					u8 name_len, name, reason text */
	UDS_TLV_ENGINE_BLIND = 16,   /* what the rung does not see, text */
	UDS_TLV_ENGINE_VERSION = 17, /* udsdump version, text */
	UDS_TLV_ENGINE_REASON = 18,  /* why not the fastest rung, text */
	/* Containers: where each end lives (DATA, RECV and lifecycle records) */
	UDS_TLV_TASK_NS = 19,      /* TASK's cgroup and namespaces: see below */
	UDS_TLV_PEER_TASK_NS = 20, /* the same for PEER_TASK's task */
	UDS_TLV_SOCK_NS = 21,      /* both sockets' network namespaces and bound
				      files: see below */
	/* CGROUP records only */
	UDS_TLV_CGROUP = 22,       /* u64 cgroup_id, then the path, text */
	UDS_TLV_CONTAINER = 23,    /* u8 runtime, u8 monitor, then the id, text */
	UDS_TLV_POD = 24,          /* the Kubernetes pod UID, text */
	/* data records again */
	UDS_TLV_PEER_CRED_NS = 25, /* u32 ns_pid, u32 pid_ns: PEER_CRED's pid
				      as its own pid namespace numbers it */
	/* CGROUP records only */
	UDS_TLV_CONTAINER_NAME = 26, /* the container's name, as its runtime's
					API gives it, text */
	/* RECV records only */
	UDS_TLV_READS = 27, /* u32 count, u32 reserved, then count entries:
			       the reads one RECV record stands for */
	UDS_TLV_MAX = 27,
};

/* ENGINE_MISSING: where the feature went. */
enum uds_missing_source {
	UDS_MISSING_KERNEL = 1,  /* the kernel lacks it, as probed */
	UDS_MISSING_WITHOUT = 2, /* present, hidden by --without */
};

#define UDS_TLV_SOCKET_LEN 20
#define UDS_TLV_TASK_LEN 40      /* u32 pid, tid, uid, gid; u64 start_ns; comm[16] */
#define UDS_TLV_PEER_CRED_LEN 12
#define UDS_TLV_PEER_TASK_LEN 36
#define UDS_TLV_STREAM_LEN 24
#define UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN 32 /* then path bytes */
#define UDS_TLV_SCM_CREDS_LEN 12
#define UDS_TLV_CMSG_RAW_FIXED_LEN 8
#define UDS_TLV_LOSS_LEN 32
#define UDS_TLV_ENGINE_MISSING_FIXED_LEN 2 /* then name, reason */
#define UDS_TLV_TASK_NS_LEN 24
#define UDS_TLV_PEER_TASK_NS_LEN 24
#define UDS_TLV_SOCK_NS_LEN 32
#define UDS_TLV_PEER_CRED_NS_LEN 8
#define UDS_TLV_CGROUP_FIXED_LEN 8    /* then the path */
#define UDS_TLV_CONTAINER_FIXED_LEN 2 /* then the id */
#define UDS_TLV_READS_FIXED_LEN 8     /* then UDS_READS_ENTRY_LEN per read */
#define UDS_READS_ENTRY_LEN 12

enum uds_addr_kind {
	UDS_ADDR_UNNAMED = 0,
	UDS_ADDR_PATHNAME = 1, /* name bytes: the path, without trailing NUL */
	UDS_ADDR_ABSTRACT = 2, /* name bytes: after the leading NUL, may hold NULs */
};

/* Where UDS_TLV_PEER_TASK came from. */
enum uds_peer_task_source {
	UDS_PEER_SRC_KERNEL_LAST_SEEN = 1, /* last task seen using the peer socket */
	UDS_PEER_SRC_PROCFS = 2,           /* user-space scan, like ss -p */
};

/* The syscall that carried a DATA/RECV event (UDS_TLV_STREAM). */
enum uds_syscall {
	UDS_SYS_UNKNOWN = 0, /* io_uring, splice, sendfile, kernel sockets */
	UDS_SYS_WRITE = 1,
	UDS_SYS_WRITEV = 2,
	UDS_SYS_SENDTO = 3, /* also send() */
	UDS_SYS_SENDMSG = 4,
	UDS_SYS_SENDMMSG = 5,
	UDS_SYS_READ = 6,
	UDS_SYS_READV = 7,
	UDS_SYS_RECVFROM = 8,
	UDS_SYS_RECVMSG = 9,
	UDS_SYS_RECVMMSG = 10,
	UDS_SYS_MAX = 10,
};

/*
 * UDS_TLV_SCM_RIGHTS_FD value (32 bytes + path):
 *   0  i32 fd          descriptor number in the sender
 *   4  u8  file_kind   (uds_file_kind)
 *   5  u8  fd_flags    (UDS_FD_*)
 *   6  u16 sock_type   for sockets: SOCK_STREAM... else 0
 *   8  u32 mode        i_mode of the file's inode
 *   12 u16 sock_family for sockets: AF_UNIX, AF_INET... else 0
 *   14 u16 0
 *   16 u64 inode       i_ino (for sockets: the socket inode, as ss shows)
 *   24 u64 dev         s_dev of the inode's superblock (kernel encoding)
 *   32 path bytes      regular files/dirs: absolute path within its mount
 *                      namespace as far as walked; others: the name the
 *                      kernel gives ("anon_inode:[eventfd]", "memfd:x",
 *                      "pipe:[123]", "socket:[456]"), as doc/FORMAT.md says
 */
enum uds_file_kind {
	UDS_FILE_UNKNOWN = 0,
	UDS_FILE_REGULAR = 1,
	UDS_FILE_DIRECTORY = 2,
	UDS_FILE_SOCKET = 3,
	UDS_FILE_PIPE = 4, /* FIFO or pipe */
	UDS_FILE_CHARDEV = 5,
	UDS_FILE_BLOCKDEV = 6,
	UDS_FILE_SYMLINK = 7,
	UDS_FILE_ANON = 8,  /* anon inode: eventfd, epoll, timerfd, signalfd... */
	UDS_FILE_MEMFD = 9,
	UDS_FILE_KIND_MAX = 9,
};
#define UDS_FD_PATH_TRUNCATED (1u << 0) /* walk stopped before the root */
#define UDS_FD_UNRESOLVED (1u << 1)     /* fd did not resolve at send time */

/* On-wire limits. */
#define UDS_COMM_LEN 16     /* TASK, PEER_TASK: comm, NUL-padded */
#define UDS_ADDR_MAX 108    /* sizeof(sun_path): the longest address name */

/*
 * Where each field of a fixed TLV value is, from the value's first byte
 * (UDS_<TLV>_OFF_<FIELD>), as doc/FORMAT.md lists the fields in order.
 * The writer, the dissector and tests/udsrec.py (its constants copied
 * from the document) all use these; nobody counts bytes by hand.
 */
#define UDS_HDR_OFF_MAGIC 0
#define UDS_HDR_OFF_VERSION 4
#define UDS_HDR_OFF_EVENT 5
#define UDS_HDR_OFF_HEADER_LEN 6
#define UDS_HDR_OFF_FLAGS 8
#define UDS_HDR_OFF_PAYLOAD_LEN 12

#define UDS_TLV_OFF_TYPE 0
#define UDS_TLV_OFF_LENGTH 2

#define UDS_SOCKET_OFF_INODE 0
#define UDS_SOCKET_OFF_PEER_INODE 8
#define UDS_SOCKET_OFF_SOCK_TYPE 16

#define UDS_TASK_OFF_PID 0
#define UDS_TASK_OFF_TID 4
#define UDS_TASK_OFF_UID 8
#define UDS_TASK_OFF_GID 12
#define UDS_TASK_OFF_START_NS 16
#define UDS_TASK_OFF_COMM 24

#define UDS_PEER_CRED_OFF_PID 0
#define UDS_PEER_CRED_OFF_UID 4
#define UDS_PEER_CRED_OFF_GID 8

#define UDS_PEER_TASK_OFF_PID 0
#define UDS_PEER_TASK_OFF_TID 4
#define UDS_PEER_TASK_OFF_START_NS 8
#define UDS_PEER_TASK_OFF_SOURCE 16
#define UDS_PEER_TASK_OFF_COMM 20

/*
 * UDS_TLV_TASK_NS and UDS_TLV_PEER_TASK_NS value (24 bytes): u64 cgroup_id
 * (cgroup v2: the inode of the cgroup's directory), u32 ns_pid and u32
 * ns_tid (as the task's own pid namespace numbers them), u32 pid_ns and
 * u32 mnt_ns (namespace inodes, as /proc/PID/ns/ links show them).
 */
#define UDS_TASK_NS_OFF_CGROUP_ID 0
#define UDS_TASK_NS_OFF_NS_PID 8
#define UDS_TASK_NS_OFF_NS_TID 12
#define UDS_TASK_NS_OFF_PID_NS 16
#define UDS_TASK_NS_OFF_MNT_NS 20

/* UDS_TLV_PEER_CRED_NS value (8 bytes): PEER_CRED's pid as the pid
 * namespace its process was made in numbers it, and that namespace's
 * inode. */
#define UDS_PEER_CRED_NS_OFF_NS_PID 0
#define UDS_PEER_CRED_NS_OFF_PID_NS 4

/*
 * UDS_TLV_SOCK_NS value (32 bytes): u32 net_ns and u32 peer_net_ns (the
 * network namespace each socket was made in), u32 file_dev and u32
 * peer_file_dev (kernel encoding: major << 20 | minor), u64 file_ino and
 * u64 peer_file_ino: the file each socket's path name is bound to (0 for
 * none: unnamed, abstract, or no peer).
 */
#define UDS_SOCK_NS_OFF_NET_NS 0
#define UDS_SOCK_NS_OFF_PEER_NET_NS 4
#define UDS_SOCK_NS_OFF_FILE_DEV 8
#define UDS_SOCK_NS_OFF_PEER_FILE_DEV 12
#define UDS_SOCK_NS_OFF_FILE_INO 16
#define UDS_SOCK_NS_OFF_PEER_FILE_INO 24

/* UDS_TLV_CGROUP and UDS_TLV_CONTAINER values. */
#define UDS_CGROUP_OFF_CGROUP_ID 0
#define UDS_CGROUP_OFF_PATH 8
#define UDS_CONTAINER_OFF_RUNTIME 0
#define UDS_CONTAINER_OFF_MONITOR 1
#define UDS_CONTAINER_OFF_ID 2

#define UDS_ADDR_OFF_KIND 0 /* LOCAL_ADDR, PEER_ADDR, DEST_ADDR */
#define UDS_ADDR_OFF_NAME 1

#define UDS_STREAM_OFF_STREAM_OFFSET 0
#define UDS_STREAM_OFF_MSG_LEN 8
#define UDS_STREAM_OFF_MSG_OFFSET 12
#define UDS_STREAM_OFF_REQUESTED_LEN 16
#define UDS_STREAM_OFF_SYSCALL 20

#define UDS_SCM_RIGHTS_FD_OFF_FD 0
#define UDS_SCM_RIGHTS_FD_OFF_FILE_KIND 4
#define UDS_SCM_RIGHTS_FD_OFF_FD_FLAGS 5
#define UDS_SCM_RIGHTS_FD_OFF_SOCK_TYPE 6
#define UDS_SCM_RIGHTS_FD_OFF_MODE 8
#define UDS_SCM_RIGHTS_FD_OFF_SOCK_FAMILY 12
#define UDS_SCM_RIGHTS_FD_OFF_INODE 16
#define UDS_SCM_RIGHTS_FD_OFF_DEV 24
#define UDS_SCM_RIGHTS_FD_OFF_PATH 32

#define UDS_SCM_CREDS_OFF_PID 0
#define UDS_SCM_CREDS_OFF_UID 4
#define UDS_SCM_CREDS_OFF_GID 8

#define UDS_CMSG_RAW_OFF_LEVEL 0
#define UDS_CMSG_RAW_OFF_TYPE 4
#define UDS_CMSG_RAW_OFF_DATA 8

#define UDS_LOSS_OFF_RECORDS 0
#define UDS_LOSS_OFF_BYTES 8
#define UDS_LOSS_OFF_TOTAL_RECORDS 16
#define UDS_LOSS_OFF_TOTAL_BYTES 24

/* UDS_TLV_READS: the count, then read i's fields at these offsets plus
 * i * UDS_READS_ENTRY_LEN. */
#define UDS_READS_OFF_COUNT 0
#define UDS_READS_OFF_NS_BEFORE 8
#define UDS_READS_OFF_MSG_LEN 12
#define UDS_READS_OFF_REQUESTED_LEN 16

#define UDS_ENGINE_MISSING_OFF_SOURCE 0
#define UDS_ENGINE_MISSING_OFF_NAME_LEN 1
#define UDS_ENGINE_MISSING_OFF_NAME 2

#endif /* UDSDUMP_RECORD_H */
