/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel-to-user contract: the events the BPF programs hand to user
 * space through the ring buffer, and their counters. Native byte order,
 * never written to a file: src/format/record_writer.c turns each event
 * into one on-wire record (include/udsdump/record.h). Only bpf/ and the
 * engine include this; the dissector never sees it.
 */
#ifndef UDSDUMP_RING_H
#define UDSDUMP_RING_H

#ifndef __VMLINUX_H__ /* the BPF side gets these types from its vmlinux header */
#include <linux/types.h>
#endif

#include "udsdump/record.h"

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
	UDS_RING_CGROUP = 5, /* struct uds_cgroup_event: a cgroup v2 made */
};

struct uds_addr {
	__u16 len; /* bytes in name */
	__u8 kind; /* enum uds_addr_kind */
	__u8 pad;
	char name[UDS_ADDR_MAX];
};

/* Where a task lives (the record's TASK_NS / PEER_TASK_NS). */
struct uds_task_ns {
	__u64 cgroup_id; /* cgroup v2 id */
	__u32 ns_pid;    /* tgid as the task's own pid namespace numbers it */
	__u32 ns_tid;
	__u32 pid_ns;    /* namespace inodes */
	__u32 mnt_ns;
};

/* Where a socket and its peer live (the record's SOCK_NS): read with the
 * names, sent with them in UDS_RING_SOCKINFO. */
struct uds_sock_ns {
	__u32 net_ns;
	__u32 peer_net_ns;
	__u32 file_dev; /* the file a path name is bound to (kernel dev_t) */
	__u32 peer_file_dev;
	__u64 file_ino;
	__u64 peer_file_ino;
};

struct uds_event {
	__u16 kind;      /* UDS_RING_DATA */
	__u8 event;      /* enum uds_event_kind */
	__u8 sock_type;
	__u8 syscall;    /* enum uds_syscall */
	__u8 task_gen;   /* the socket's task is SOCKINFO's of this task_gen */
	__u16 data_len;  /* payload bytes following this struct (<= UDS_CHUNK_MAX) */
	__u32 flags;     /* UDS_F_* */
	__u32 ns_tid;    /* tid as the task's own pid namespace numbers it */
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns() at the send */
	__u64 sock_ino;
	__u64 peer_ino;
	__u64 stream_offset; /* of the first payload byte of this event */
	__u32 msg_len;       /* bytes of the whole message the kernel accepted */
	__u32 msg_offset;    /* offset of this event's payload in the message */
	__u32 requested_len; /* bytes the caller asked to send */
	__u32 tid;
	/* followed by data_len payload bytes. The socket's names, the
	 * process using it and the identity of its other end come in
	 * UDS_RING_SOCKINFO events, only when first seen or changed: 64
	 * bytes here instead of 128, fewer cache lines written by the kernel
	 * on one CPU and read by the writer on another. */
};

/*
 * The process that sends on (or reads from) a socket, for the record's
 * TASK and TASK_NS with the event's tid and ns_tid. It seldom changes from
 * one message of a socket to the next (threads of one process taking
 * turns keep it, unless they have names of their own), so it rides in the
 * socket's SOCKINFO event, sent again when it changes; each change gets
 * the next task_gen, which the socket's events carry, so user space uses
 * only the task it was told of for them (a SOCKINFO lost to a full ring
 * leaves them without TASK rather than with another process's).
 */
struct uds_task_ident {
	__u32 pid, uid, gid;
	__u32 ns_pid;    /* pid as the task's own pid namespace numbers it */
	__u64 start_ns;
	char comm[UDS_COMM_LEN]; /* the thread's */
	__u64 cgroup_id; /* cgroup v2 id */
	__u32 pid_ns, mnt_ns;
};

_Static_assert(sizeof(struct uds_event) == 64, "a message's event is one cache line");
_Static_assert(UDS_CHUNK_MAX <= 0xffff, "uds_event.data_len is 16 bits");

/*
 * The other end of a socket as its latest message saw it: SO_PEERCRED
 * and the task last seen using the peer socket. It changes seldom (a
 * connection's credentials never), so it rides in the socket's SOCKINFO
 * event, sent again whenever it changes, instead of in every message's
 * event: the consumer reads fewer of the lines the kernel has just
 * written on another CPU, and user space writes it into every record.
 */
struct uds_peer_ident {
	__u32 peercred_pid, peercred_uid, peercred_gid; /* uid 0xffffffff: none */
	__u32 peercred_ns_pid; /* peercred_pid as its own pid namespace numbers it */
	__u32 peercred_pid_ns; /* that namespace's inode */
	__u32 peer_pid, peer_tid; /* last task seen on the peer socket, 0 if none */
	__u32 pad;
	__u64 peer_task_start_ns;
	char peer_comm[UDS_COMM_LEN];
	struct uds_task_ns peer_ns; /* the peer's last task's (peer_pid != 0) */
};

/*
 * The names of a socket and of its peer, and who is at the other end. The
 * kernel sends one when it first sees a socket (in each generation of
 * names: names_epoch) and whenever a name or the identity changes (or the
 * last one could not be handed over); user space keeps them per socket
 * inode and writes them into every record of that socket. This keeps the
 * common event small: 336 bytes of names and 80 of identity would
 * otherwise ride on every message.
 */
struct uds_sockinfo_event {
	__u16 kind; /* UDS_RING_SOCKINFO */
	__u8 task_gen; /* of task */
	__u8 pad;
	__u32 pad2;
	__u64 sock_ino;
	struct uds_addr local_addr;
	struct uds_addr peer_addr;
	struct uds_sock_ns ns;
	struct uds_peer_ident ident;
	struct uds_task_ident task; /* of the socket's events from here on */
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

#define UDS_CGROUP_PATH_MAX 512

/*
 * A cgroup v2 directory made (a container starting), with its path from the
 * hierarchy's root, as the kernel names it while it exists. The records of
 * its tasks come later in the ring; a container that sends once and exits
 * can have its cgroup removed before user space would find it by walking
 * the cgroup file system.
 */
struct uds_cgroup_event {
	__u16 kind;     /* UDS_RING_CGROUP */
	__u16 path_len; /* bytes in path, without its NUL; UDS_CGROUP_PATH_MAX: cut */
	__u32 pad;
	__u64 cgroup_id;
	char path[UDS_CGROUP_PATH_MAX];
};

/* Counters in the BPF program's global data, read by user space. */
struct uds_kernel_stats {
	__u64 records_emitted; /* events successfully handed over */
	__u64 records_lost;    /* events the ring buffer had no room for */
	__u64 bytes_lost;      /* payload bytes in lost events */
	__u64 sends_seen;      /* AF_UNIX sends and reads that matched the filter */
	__u64 cmsg_lost;       /* control-message events lost (not records:
				  their data record then lacks its cmsgs) */
	__u64 info_lost;       /* socket-name or destination events lost
				  (resent with the socket's next record) */
};

#endif /* UDSDUMP_RING_H */
