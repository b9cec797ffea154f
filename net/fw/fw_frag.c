// SPDX-License-Identifier: MIT
// IPv4 fragmentation (see fw_frag.h). The plan checks everything the writer
// relies on, so fw_frag_next() only copies and fills fields. Every payload
// piece but the last is a multiple of 8 bytes, as the offset field counts
// 8-byte units; the first piece is sized for the full header, the later ones
// for the header with only the copied options.
#include "net/fw/fw_frag.h"

#include "lib/string.h"
#include "net/fw/fw_bytes.h"
#include "net/fw/fw_csum.h"
#include "net/fw/fw_pkt.h"

#define IPOPT_EOL  0
#define IPOPT_NOP  1
#define IPOPT_COPY 0x80 // "copied" flag: the option goes into every fragment

// Builds the header of the later fragments: the fixed part and the options
// with the copy flag, padded with EOL to a 4-byte multiple. -1 if an
// option's length runs past the header.
static int later_header(struct fw_frag *f, const uint8_t *ip)
{
    uint32_t i = 20, n = 20;
    memcpy(f->later, ip, 20);
    while (i < f->hlen && ip[i] != IPOPT_EOL) {
        if (ip[i] == IPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= f->hlen || ip[i + 1] < 2 || i + ip[i + 1] > f->hlen)
            return -1;
        if (ip[i] & IPOPT_COPY) {
            memcpy(f->later + n, ip + i, ip[i + 1]);
            n += ip[i + 1];
        }
        i += ip[i + 1];
    }
    while (n & 3)
        f->later[n++] = IPOPT_EOL;
    f->later[0] = (uint8_t)(0x40 | n / 4);
    f->later_hlen = (uint16_t)n;
    return 0;
}

// Payload bytes a fragment with an hlen-byte header carries (but the last).
static uint32_t piece(const struct fw_frag *f, uint32_t hlen)
{
    return (f->mtu - hlen) & ~7u;
}

int fw_frag_plan(struct fw_frag *f, const uint8_t *ip, size_t len, uint32_t mtu)
{
    if (len < 20 || ip[0] >> 4 != 4)
        return FW_FRAG_BAD;
    *f = (struct fw_frag){.hlen = (uint16_t)((ip[0] & 0xf) * 4), .tot_len = fw_get16(ip + 2)};
    uint16_t frag = fw_get16(ip + 6);
    if (f->hlen < 20 || f->tot_len < f->hlen || f->tot_len > len)
        return FW_FRAG_BAD;
    if (frag & FW_IP_DF)
        return FW_FRAG_DF;
    if (f->tot_len <= mtu)
        return FW_FRAG_FITS;
    if (mtu < FW_FRAG_MIN_MTU || mtu > 0xffff || mtu < f->hlen + 8u)
        return FW_FRAG_MTU;
    if (later_header(f, ip) < 0)
        return FW_FRAG_BAD;
    f->mtu = (uint16_t)mtu;
    f->base_off = frag & FW_IP_OFFMASK;
    f->last_mf = frag & FW_IP_MF;
    if (f->base_off * 8u + f->tot_len - f->hlen > 0xffff)
        return FW_FRAG_BAD; // would end past the largest datagram
    uint32_t payload = f->tot_len - f->hlen, first = piece(f, f->hlen);
    uint32_t later = piece(f, f->later_hlen);
    f->count = 1 + (payload - first + later - 1) / later;
    return FW_FRAG_OK;
}

int fw_frag_next(struct fw_frag *f, const uint8_t *ip, uint8_t *out, size_t cap)
{
    uint32_t payload = f->tot_len - f->hlen;
    if (f->pos >= payload)
        return FW_FRAG_DONE;
    bool first = f->pos == 0;
    uint32_t hlen = first ? f->hlen : f->later_hlen;
    uint32_t n = payload - f->pos < piece(f, hlen) ? payload - f->pos : piece(f, hlen);
    if (hlen + n > cap)
        return FW_FRAG_NOSPACE;
    memcpy(out, first ? ip : f->later, hlen);
    memcpy(out + hlen, ip + f->hlen + f->pos, n);
    bool more = f->pos + n < payload;
    fw_put16(out + 2, (uint16_t)(hlen + n));
    fw_put16(out + 6, (uint16_t)((more ? FW_IP_MF : f->last_mf) | (f->base_off + f->pos / 8)));
    fw_put16(out + 10, 0);
    fw_put16(out + 10, fw_ip_csum(out, hlen));
    f->pos += n;
    return (int)(hlen + n);
}
