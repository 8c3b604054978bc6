/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Describing a descriptor passed with SCM_RIGHTS: its kind, inode and
 * device, and its path, walked up d_parent across mounts (bpf_d_path is not
 * allowed in these programs).
 */
#ifndef UDS_BPF_LIB_FDPATH_H
#define UDS_BPF_LIB_FDPATH_H

#include "addr.h"

/* One step of the path walk of describe_fd(). */
/* Put d's name in front of what the walk has written so far, with a '/'
 * before it unless it is the last component; false (walk cut short) when
 * it does not fit. */
static __always_inline bool prepend_name(struct cmsg_scratch *cs, struct dentry *d, bool slash)
{
	struct qstr q = BPF_CORE_READ(d, d_name);
	__u32 l = q.len;
	__u32 pos = cs->walk.pos;

	if (pos > UDS_FD_PATH_MAX || l + slash > pos || l > UDS_FD_PATH_MAX - 2) {
		cs->walk.stop = 1;
		return false;
	}
	pos -= l;
	BOUND(l, UDS_FD_PATH_MAX - 1);
	BOUND(pos, UDS_FD_PATH_MAX - 1);
	bpf_probe_read_kernel(&cs->path[pos], l, q.name);
	if (slash) {
		pos -= 1;
		cs->path[pos & (UDS_FD_PATH_MAX - 1)] = '/';
	}
	cs->walk.pos = pos;
	return true;
}

static long path_step(__u32 i, void *unused)
{
	__u32 slot = scratch_index();
	struct cmsg_scratch *cs = bpf_map_lookup_elem(&cmsg_scratch, &slot);
	struct path_walk *w;

	if (!cs)
		return 1;
	w = &cs->walk;
	if (w->done || w->stop)
		return 1;
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	struct vfsmount *vmnt = w->vmnt;
	struct dentry *mnt_root = BPF_CORE_READ(vmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);

	if (d == parent && d != mnt_root) {
		/* A disconnected pseudo dentry (memfd, a deleted file's
		 * orphan): its own name is all the path there is. */
		if (prepend_name(cs, d, false))
			w->done = 1;
		return 1;
	}
	if (d == mnt_root) {
		struct mount *mparent = BPF_CORE_READ(mnt, mnt_parent);
		if (mparent == mnt) {
			w->done = 1; /* the global root */
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mparent;
		w->vmnt = (struct vfsmount *)((char *)mparent + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (!prepend_name(cs, d, true))
		return 1; /* does not fit: cut short */
	w->d = parent;
	return 0;
}

LOOP_GLOBAL(path_step)

/* Describe descriptor fd of task for SCM_RIGHTS. */
static __always_inline void describe_fd(struct task_struct *task, int fd, struct uds_fd_info *fi)
{
	struct file *f = task_fd_file(task, fd);
	struct inode *inode;
	struct dentry *d;
	__u32 mode;

	fi->fd = fd;
	fi->path_len = 0;
	if (!f) {
		fi->fd_flags = UDS_FD_UNRESOLVED;
		return;
	}
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	fi->mode = mode;
	fi->inode = BPF_CORE_READ(inode, i_ino);
	fi->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	d = BPF_CORE_READ(f, f_path.dentry);
	switch (mode & S_IFMT) {
	case S_IFSOCK: {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		fi->file_kind = UDS_FILE_SOCKET;
		fi->sock_type = BPF_CORE_READ(sock, type);
		fi->sock_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		return;
	}
	case S_IFIFO:
		fi->file_kind = UDS_FILE_PIPE;
		break;
	case S_IFCHR:
		fi->file_kind = UDS_FILE_CHARDEV;
		break;
	case S_IFBLK:
		fi->file_kind = UDS_FILE_BLOCKDEV;
		break;
	case S_IFLNK:
		fi->file_kind = UDS_FILE_SYMLINK;
		break;
	case S_IFDIR:
		fi->file_kind = UDS_FILE_DIRECTORY;
		break;
	case S_IFREG:
		fi->file_kind = UDS_FILE_REGULAR;
		break;
	default:
		fi->file_kind = UDS_FILE_ANON;
		break;
	}
	if (fi->file_kind != UDS_FILE_REGULAR && fi->file_kind != UDS_FILE_DIRECTORY &&
	    fi->file_kind != UDS_FILE_CHARDEV && fi->file_kind != UDS_FILE_BLOCKDEV) {
		/* The kernel's own name: "[eventfd]", "memfd:x"... (read
		 * field by field: a whole qstr on the stack would put this
		 * step's frame over 64 bytes, and the deepest call chain of
		 * the syscall rung past 6.1's 512) */
		__u32 l = BPF_CORE_READ(d, d_name.len);
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		if (l > UDS_FD_PATH_MAX - 1)
			l = UDS_FD_PATH_MAX - 1;
		BOUND(l, UDS_FD_PATH_MAX - 1);
		bpf_probe_read_kernel(fi->path, l, name);
		fi->path_len = l;
		return;
	}

	/* Walk d_parent up to the root, crossing mounts, writing names from
	 * the end of the path buffer backwards (bpf_d_path is not allowed
	 * here). The walk's state lives in the scratch map so the verifier
	 * checks one step, not every depth. */
	__u32 slot = scratch_index();
	struct cmsg_scratch *cs = bpf_map_lookup_elem(&cmsg_scratch, &slot);
	if (!cs)
		return;
	struct vfsmount *vmnt = BPF_CORE_READ(f, f_path.mnt);
	cs->walk.d = d;
	cs->walk.vmnt = vmnt;
	cs->walk.mnt = (struct mount *)((char *)vmnt - bpf_core_field_offset(struct mount, mnt));
	cs->walk.pos = UDS_FD_PATH_MAX;
	cs->walk.done = 0;
	cs->walk.stop = 0;
	LOOP(48, 48, path_step);
	cs = bpf_map_lookup_elem(&cmsg_scratch, &slot);
	if (!cs)
		return;
	if (!cs->walk.done)
		fi->fd_flags |= UDS_FD_PATH_TRUNCATED;
	__u32 pos = cs->walk.pos;
	if (pos >= UDS_FD_PATH_MAX) {
		fi->path[0] = '/';
		fi->path_len = 1;
		return;
	}
	fi->path_len = UDS_FD_PATH_MAX - pos;
	bpf_probe_read_kernel(fi->path, UDS_FD_PATH_MAX, &cs->path[pos & (UDS_FD_PATH_MAX - 1)]);
}

/* Describe the i-th descriptor of the CMSG event in scratch (of the
 * current task, the sender or, on receive, the receiver). */
static long describe_fd_step(__u32 i, void *unused)
{
	__u32 slot = scratch_index();
	struct cmsg_scratch *s = bpf_map_lookup_elem(&cmsg_scratch, &slot);

	if (!s || i >= s->ev.n_fd_info || i >= UDS_FD_INFO_MAX)
		return 1;
	__u32 idx = i;
	BOUND(idx, UDS_FD_INFO_MAX - 1);
	__builtin_memset(&s->ev.fds[idx], 0, sizeof(s->ev.fds[idx]) - UDS_FD_PATH_MAX);
	describe_fd(CURRENT_TASK(), s->ev.all_fds[idx], &s->ev.fds[idx]);
	return 0;
}
LOOP_GLOBAL(describe_fd_step)

#endif /* UDS_BPF_LIB_FDPATH_H */
