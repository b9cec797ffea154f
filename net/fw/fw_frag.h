// SPDX-License-Identifier: MIT
// IPv4 fragmentation for the router (net/fw/): cuts a packet without DF that
// is larger than the egress MTU into fragments that fit (RFC 791, RFC 1812
// 5.2.6). A plan is made once, then each fragment is written in turn into a
// buffer of the caller's: a copy of the header (later fragments keep only the
// options whose copy flag is set), the fragment's slice of the payload, the
// offset and MF fields, and a fresh header checksum. A packet that is itself
// a fragment is cut again, keeping its offset and its MF bit on the last
// piece. It does not reassemble, send or allocate anything, and it does not
// complete an offloaded L4 checksum: the caller does that first, because the
// fragments cannot carry the offload.
#ifndef RW_FW_FRAG_H
#define RW_FW_FRAG_H

#include <stddef.h>
#include <stdint.h>

#define FW_FRAG_MIN_MTU 68 // RFC 791: every host and router must pass 68 bytes

enum fw_frag_status {
    FW_FRAG_OK = 0,
    FW_FRAG_DF = -1,      // DF is set: the sender gets "fragmentation needed" instead
    FW_FRAG_BAD = -2,     // not a well-formed IPv4 header, or options that overrun it
    FW_FRAG_MTU = -3,     // MTU below 68 or too small for the header and 8 bytes
    FW_FRAG_FITS = -4,    // the packet already fits: nothing to cut
    FW_FRAG_NOSPACE = -5, // the caller's buffer is too small for the next fragment
    FW_FRAG_DONE = -6,    // every fragment has been written
};

struct fw_frag {
    uint8_t later[60];   // the header of the fragments after the first
    uint16_t hlen;       // the packet's header length
    uint16_t later_hlen; // ... and that of later fragments
    uint16_t tot_len;    // the packet's total length
    uint16_t base_off;   // the packet's own fragment offset, in 8-byte units
    uint16_t last_mf;    // FW_IP_MF if the packet was not the last fragment itself
    uint16_t mtu;
    uint32_t pos;   // payload bytes already written
    uint32_t count; // fragments in the plan
};

// Plans the fragments of the IPv4 packet ip (len bytes available; the packet
// may be shorter, a padded tail is ignored) for mtu. FW_FRAG_OK and f->count,
// or a negative enum fw_frag_status.
int fw_frag_plan(struct fw_frag *f, const uint8_t *ip, size_t len, uint32_t mtu);

// Writes the next fragment of the planned packet ip into out (cap bytes) and
// returns its length, or a negative enum fw_frag_status.
int fw_frag_next(struct fw_frag *f, const uint8_t *ip, uint8_t *out, size_t cap);

#endif
