// SPDX-License-Identifier: MIT
// Status values shared by the kernel and every component. Zero is success;
// each failure has its own negative value and name. Part of the system-call ABI.
#ifndef RW_UAPI_STATUS_H
#define RW_UAPI_STATUS_H

enum rw_status {
    RW_OK = 0,
    RW_ENOSYS = -1,     // no such system call
    RW_EINVAL = -2,     // an argument is out of range or malformed
    RW_EBADH = -3,      // not a valid handle in this process
    RW_EPERM = -4,      // the handle lacks the right for this operation
    RW_EFAULT = -5,     // a user pointer is not mapped or not writable
    RW_ENOMEM = -6,     // out of memory or handle slots
    RW_ETYPE = -7,      // the handle names the wrong kind of object
    RW_EEXIST = -8,     // something is already mapped or bound there
    RW_ENOENT = -9,     // nothing is mapped or bound there
    RW_EAGAIN = -10,    // would block / nothing available now
    RW_ETIMEDOUT = -11, // a deadline passed
    RW_EBUSY = -12,     // the object is in use
    RW_EDEAD = -13,     // the peer or object is gone
    RW_ESTATUS_MIN = -13,
};

static inline const char *rw_status_name(int s)
{
    static const char *const names[] = {
        "OK",    "ENOSYS", "EINVAL", "EBADH",  "EPERM",     "EFAULT", "ENOMEM",
        "ETYPE", "EEXIST", "ENOENT", "EAGAIN", "ETIMEDOUT", "EBUSY",  "EDEAD",
    };
    if (s > 0 || s < RW_ESTATUS_MIN)
        return "E?";
    return names[-s];
}

#endif
