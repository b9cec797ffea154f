// SPDX-License-Identifier: MIT
// Checksum decisions of the network stack (see nscsum.h): header parsing of
// IPv4 TCP/UDP frames, ones' complement sums over split frames, and the
// pseudo-header sum for transmit offload. Pure functions over bytes.
#include "servers/netstack/nscsum.h"

#include "shm/ring.h"

#define NSCSUM_PROTO_TCP 6u
#define NSCSUM_PROTO_UDP 17u

// The L4 header of an unfragmented IPv4 TCP/UDP frame: its offset from the
// frame start, protocol and where its checksum field sits; false otherwise.
struct nscsum_l4 {
    uint32_t l4_off, csum_off, proto, l4_len;
};

static bool nscsum_parse(const uint8_t *f, uint32_t len, struct nscsum_l4 *l)
{
    const uint8_t *ip = f + NSCSUM_ETH_HLEN;
    if (len < NSCSUM_ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00 || (ip[0] >> 4) != 4)
        return false;
    uint32_t ihl = (ip[0] & 15u) * 4u, tot = (uint32_t)ip[2] << 8 | ip[3];
    bool frag = (ip[6] & 0x20) || ((ip[6] & 0x1f) | ip[7]);
    if (ihl < 20 || tot < ihl || frag)
        return false;
    l->proto = ip[9];
    l->l4_off = NSCSUM_ETH_HLEN + ihl;
    l->l4_len = tot - ihl;
    if (l->proto == NSCSUM_PROTO_TCP)
        l->csum_off = 16;
    else if (l->proto == NSCSUM_PROTO_UDP)
        l->csum_off = 6;
    else
        return false;
    // The whole L4 header (its checksum field at least) is in this buffer.
    uint32_t need = l->proto == NSCSUM_PROTO_TCP ? 20u : 8u;
    return l->l4_off + need <= len && l->l4_len >= need;
}

enum nscsum_rx nscsum_rx_class(const uint8_t *first, uint32_t first_len, uint32_t flags,
                               uint32_t start, uint32_t off)
{
    struct nscsum_l4 l;
    bool l4 = nscsum_parse(first, first_len, &l);
    if (flags & RING_F_CSUM_NEEDED) {
        // Partial: the sender (on this machine) never summed it. Trusted only
        // where lwIP would look for it; anything else is completed first.
        return l4 && start == l.l4_off && off == l.csum_off ? NSCSUM_RX_TRUSTED
                                                            : NSCSUM_RX_COMPLETE;
    }
    if ((flags & RING_F_CSUM_VALID) && l4)
        return NSCSUM_RX_TRUSTED;
    return NSCSUM_RX_CHECK;
}

static uint32_t nscsum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint32_t)sum;
}

// Byte at frame offset `at`, or NULL past the end.
static uint8_t *nscsum_at(const struct nscsum_seg *seg, uint32_t nseg, uint32_t at)
{
    for (uint32_t k = 0; k < nseg; k++) {
        if (at < seg[k].len)
            return seg[k].data + at;
        at -= seg[k].len;
    }
    return 0;
}

bool nscsum_complete(const struct nscsum_seg *seg, uint32_t nseg, uint32_t start, uint32_t off)
{
    uint32_t total = 0;
    for (uint32_t k = 0; k < nseg; k++)
        total += seg[k].len;
    uint8_t *hi = nscsum_at(seg, nseg, start + off), *lo = nscsum_at(seg, nseg, start + off + 1);
    if (start >= total || !hi || !lo)
        return false;
    uint64_t sum = 0;
    uint32_t pos = 0; // frame offset of the current byte
    for (uint32_t k = 0; k < nseg; k++) {
        for (uint32_t j = 0; j < seg[k].len; j++, pos++) {
            if (pos >= start) // even distance from start: high byte of a word
                sum += ((pos - start) & 1) ? seg[k].data[j] : (uint32_t)seg[k].data[j] << 8;
        }
    }
    uint32_t v = ~nscsum_fold(sum) & 0xffff;
    *hi = (uint8_t)(v >> 8);
    *lo = (uint8_t)v;
    return true;
}

bool nscsum_tx_prepare(uint8_t *frame, uint32_t len, uint16_t *start, uint16_t *off)
{
    struct nscsum_l4 l;
    if (!nscsum_parse(frame, len, &l) || l.l4_off + l.l4_len > len)
        return false;
    const uint8_t *ip = frame + NSCSUM_ETH_HLEN;
    uint64_t sum = l.proto + l.l4_len;
    for (uint32_t k = 12; k < 20; k += 2) // source and destination addresses
        sum += (uint32_t)ip[k] << 8 | ip[k + 1];
    uint32_t v = nscsum_fold(sum); // not inverted: the device adds the rest
    frame[l.l4_off + l.csum_off] = (uint8_t)(v >> 8);
    frame[l.l4_off + l.csum_off + 1] = (uint8_t)v;
    *start = (uint16_t)l.l4_off;
    *off = (uint16_t)l.csum_off;
    return true;
}
