/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udsdump record format: the one definition shared by the BPF programs
 * (bpf/udsdump.bpf.c), the pcapng writer (extcap/) and the Wireshark
 * dissector (plugin/). doc/FORMAT.md describes the same bytes in prose;
 * when the two disagree, that is a bug in one of them.
 *
 * Two layouts live here:
 *   1. The on-wire record (UDS_REC_*, UDS_TLV_*): what each pcapng packet on
 *      link type UDS_LINKTYPE holds. Little-endian, unaligned, versioned.
 *   2. The ring-buffer event (struct uds_event): what the kernel hands to
 *      user space. Native byte order, never written to a file; the writer
 *      turns each event into one on-wire record.
 */
#ifndef UDSDUMP_RECORD_H
#define UDSDUMP_RECORD_H

#ifndef __VMLINUX_H__ /* the BPF side gets these types from its vmlinux header */
#include <linux/types.h>
#endif

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
	UDS_EV_MAX = 9,
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
	UDS_TLV_MAX = 18,
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

/* ---------------------------------------------------------------------- */
/* 2. Ring-buffer events (kernel -> user space, native byte order)         */
/* ---------------------------------------------------------------------- */

#define UDS_COMM_LEN 16
#define UDS_ADDR_MAX 108    /* sizeof(sun_path) */
#define UDS_CHUNK_MAX 16384 /* payload bytes per event; power of two */
#define UDS_FD_MAX 253      /* SCM_MAX_FD */
#define UDS_FD_INFO_MAX 64  /* descriptors described per message */
#define UDS_FD_PATH_MAX 256
#define UDS_CMSG_RAW_MAX 256
#define UDS_CMSG_MAX 8      /* control messages parsed per send */

/* What a ring-buffer event carries (struct uds_event.kind). */
enum uds_ring_kind {
	UDS_RING_DATA = 1, /* struct uds_event + payload */
	UDS_RING_CMSG = 2, /* struct uds_cmsg_event: control data of the next
			      DATA event of the same tid and socket */
	UDS_RING_SOCKINFO = 3, /* struct uds_sockinfo_event: a socket's names */
	UDS_RING_DEST = 4, /* struct uds_dest_event: sendto/sendmsg address of
			      the next DATA event of the same tid and socket */
};

struct uds_addr {
	__u16 len; /* bytes in name */
	__u8 kind; /* enum uds_addr_kind */
	__u8 pad;
	char name[UDS_ADDR_MAX];
};

struct uds_event {
	__u16 kind;      /* UDS_RING_DATA */
	__u16 event;     /* enum uds_event_kind */
	__u16 sock_type;
	__u16 syscall;   /* enum uds_syscall */
	__u32 flags;     /* UDS_F_* */
	__u32 data_len;  /* payload bytes following this struct */
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns() at the send */
	__u64 sock_ino;
	__u64 peer_ino;
	__u64 stream_offset; /* of the first payload byte of this event */
	__u32 msg_len;       /* bytes of the whole message the kernel accepted */
	__u32 msg_offset;    /* offset of this event's payload in the message */
	__u32 requested_len; /* bytes the caller asked to send */
	__u32 pid, tid, uid, gid;
	__u32 peercred_pid, peercred_uid, peercred_gid;
	__u32 peer_pid, peer_tid; /* last task seen on the peer socket, 0 if none */
	__u32 pad;
	__u64 task_start_ns;
	__u64 peer_task_start_ns;
	char comm[UDS_COMM_LEN];
	char peer_comm[UDS_COMM_LEN];
	/* followed by data_len payload bytes; the socket's names come in
	 * UDS_RING_SOCKINFO events, only when first seen or changed */
};

/*
 * The names of a socket and of its peer. The kernel sends one when it
 * first sees a socket and whenever either name changes (or the last one
 * could not be handed over); user space keeps them per socket inode and
 * writes them into every record of that socket. This keeps the common
 * event small: 336 bytes of names would otherwise ride on every message.
 */
struct uds_sockinfo_event {
	__u16 kind; /* UDS_RING_SOCKINFO */
	__u16 pad;
	__u32 pad2;
	__u64 sock_ino;
	struct uds_addr local_addr;
	struct uds_addr peer_addr;
};

struct uds_dest_event {
	__u16 kind; /* UDS_RING_DEST */
	__u16 pad;
	__u32 tid;
	__u64 sock_ino;
	struct uds_addr dest_addr;
};

struct uds_fd_info {
	__s32 fd;
	__u8 file_kind;
	__u8 fd_flags;
	__u16 sock_type;
	__u32 mode;
	__u16 sock_family;
	__u16 path_len;
	__u64 inode;
	__u64 dev;
	char path[UDS_FD_PATH_MAX];
};

struct uds_cmsg_event {
	__u16 kind; /* UDS_RING_CMSG */
	__u16 n_fds;        /* descriptors in SCM_RIGHTS (all of them) */
	__u16 n_fd_info;    /* of which described in fds[] */
	__u16 has_creds;
	__u32 tid;
	__u32 flags;        /* UDS_F_CMSG_TRUNCATED */
	__u64 sock_ino;
	__u32 creds_pid, creds_uid, creds_gid;
	__u16 n_raw;        /* other cmsgs, raw */
	__u16 pad;
	struct {
		__s32 level;
		__s32 type;
		__u16 len;  /* bytes kept in data */
		__u16 pad;
		__u8 data[UDS_CMSG_RAW_MAX];
	} raw[2];
	__s32 all_fds[UDS_FD_MAX]; /* every fd number passed */
	struct uds_fd_info fds[UDS_FD_INFO_MAX];
};

/* Counters in the BPF program's global data, read by user space. */
struct uds_kernel_stats {
	__u64 records_emitted; /* events successfully handed over */
	__u64 records_lost;    /* events the ring buffer had no room for */
	__u64 bytes_lost;      /* payload bytes in lost events */
	__u64 sends_seen;      /* AF_UNIX sends that matched the filter */
	__u64 cmsg_lost;       /* control-message events lost (not records:
				  their data record then lacks its cmsgs) */
	__u64 info_lost;       /* socket-name or destination events lost
				  (resent with the socket's next record) */
};

#endif /* UDSDUMP_RECORD_H */
