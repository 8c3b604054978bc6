// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * include/udsdump/record.h on its own, with no system header at all
 * (-nostdinc): the way the Wireshark plugin and a second reader use it.
 * (The BPF objects and the engine build it the two other ways.) And each
 * fixed TLV's last field ends where its length says.
 */
#include "udsdump/record.h"

_Static_assert(UDS_HDR_OFF_PAYLOAD_LEN + 4 == UDS_REC_HDR_LEN, "header");
_Static_assert(UDS_TLV_OFF_LENGTH + 2 == UDS_TLV_HDR_LEN, "TLV header");
_Static_assert(UDS_SOCKET_OFF_SOCK_TYPE + 2 + 2 == UDS_TLV_SOCKET_LEN, "SOCKET (u16 reserved last)");
_Static_assert(UDS_TASK_OFF_COMM + UDS_COMM_LEN == UDS_TLV_TASK_LEN, "TASK");
_Static_assert(UDS_PEER_CRED_OFF_GID + 4 == UDS_TLV_PEER_CRED_LEN, "PEER_CRED");
_Static_assert(UDS_PEER_TASK_OFF_COMM + UDS_COMM_LEN == UDS_TLV_PEER_TASK_LEN, "PEER_TASK");
_Static_assert(UDS_STREAM_OFF_SYSCALL + 2 + 2 == UDS_TLV_STREAM_LEN, "STREAM (u16 reserved last)");
_Static_assert(UDS_SCM_RIGHTS_FD_OFF_PATH == UDS_TLV_SCM_RIGHTS_FD_FIXED_LEN, "SCM_RIGHTS_FD");
_Static_assert(UDS_SCM_CREDS_OFF_GID + 4 == UDS_TLV_SCM_CREDS_LEN, "SCM_CREDS");
_Static_assert(UDS_CMSG_RAW_OFF_DATA == UDS_TLV_CMSG_RAW_FIXED_LEN, "CMSG_RAW");
_Static_assert(UDS_LOSS_OFF_TOTAL_BYTES + 8 == UDS_TLV_LOSS_LEN, "LOSS");
_Static_assert(UDS_ENGINE_MISSING_OFF_NAME == UDS_TLV_ENGINE_MISSING_FIXED_LEN, "ENGINE_MISSING");

int record_header_alone(void);
int record_header_alone(void)
{
	return UDS_REC_VERSION;
}
