// SPDX-License-Identifier: MIT
// ARP and ICMP echo, decode then rewrite (see frame.h). Offsets below are
// from the start of the frame; multi-byte fields are big-endian on the wire.
#include "apps/responder/frame.h"

#define ARP_LEN      28u
#define IP_MIN       20u
#define ICMP_MIN     8u
#define ICMP_ECHO    8u
#define ICMP_REPLY   0u
#define IPPROTO_ICMP 1u

const char *const frame_verdict_name[FRAME_VERDICTS] = {
    "arp_replies",    "echo_replies", "ignored",     "drop_runt",    "drop_oversize",
    "drop_ethertype", "drop_bad_arp", "drop_bad_ip", "drop_ip_csum", "drop_icmp_csum",
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void copy(uint8_t *d, const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        d[i] = s[i];
}

static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return 0;
    }
    return 1;
}

uint32_t frame_sum(const uint8_t *p, uint32_t len, uint32_t sum)
{
    uint64_t s = sum;
    uint32_t i = 0;
    for (; i + 1 < len; i += 2)
        s += rd16(p + i);
    if (i < len)
        s += (uint32_t)p[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffff) + (s >> 32);
    return (uint32_t)s;
}

uint16_t frame_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t frame_csum_update(uint16_t hc, uint16_t m, uint16_t m2)
{
    uint32_t sum = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m2;
    return frame_fold(sum);
}

// Ethernet source becomes destination; ours becomes source.
static void eth_turn(const struct frame_if *fi, uint8_t *f)
{
    copy(f, f + 6, 6);
    copy(f + 6, fi->mac, 6);
}

static enum frame_verdict arp(const struct frame_if *fi, uint8_t *f, uint32_t len, uint32_t *out)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t *a = f + FRAME_ETH_LEN;
    if (len < FRAME_ETH_LEN + ARP_LEN)
        return FRAME_DROP_RUNT;
    if (rd16(a) != 1 || rd16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
        return FRAME_DROP_BAD_ARP;
    if (rd16(a + 6) != 1 || !same(a + 24, fi->ip, 4))
        return FRAME_IGNORED; // a reply, or a request for someone else
    if (!same(f, bcast, 6) && !same(f, fi->mac, 6))
        return FRAME_IGNORED;
    wr16(a + 6, 2);
    copy(a + 18, a + 8, 10); // target := sender (hardware and protocol address)
    copy(a + 8, fi->mac, 6);
    copy(a + 14, fi->ip, 4);
    eth_turn(fi, f);
    *out = FRAME_ETH_LEN + ARP_LEN;
    return FRAME_REPLY_ARP;
}

// Decode of the IPv4 header; *hl and *tl receive header and total length.
static enum frame_verdict ip_check(const uint8_t *ip, uint32_t avail, uint32_t *hl, uint32_t *tl)
{
    if (avail < IP_MIN)
        return FRAME_DROP_RUNT;
    if (ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
        return FRAME_DROP_BAD_IP;
    *hl = (ip[0] & 15) * 4u;
    *tl = rd16(ip + 2);
    if (*hl > avail)
        return FRAME_DROP_RUNT;
    if (frame_fold(frame_sum(ip, *hl, 0)) != 0)
        return FRAME_DROP_IP_CSUM;
    if (*tl < *hl)
        return FRAME_DROP_BAD_IP;
    if (*tl > avail)
        return FRAME_DROP_RUNT; // the frame ends before the datagram does
    return FRAME_REPLY_ECHO;    // "so far so good"
}

static enum frame_verdict icmp(const struct frame_if *fi, uint8_t *f, uint32_t len, uint32_t *out)
{
    uint8_t *ip = f + FRAME_ETH_LEN;
    uint32_t hl = 0, tl = 0;
    enum frame_verdict v = ip_check(ip, len - FRAME_ETH_LEN, &hl, &tl);
    if (v != FRAME_REPLY_ECHO)
        return v;
    if ((rd16(ip + 6) & 0x3fff) != 0 || ip[9] != IPPROTO_ICMP || !same(ip + 16, fi->ip, 4) ||
        !same(f, fi->mac, 6))
        return FRAME_IGNORED; // a fragment, not ICMP, or not addressed to us
    uint8_t *ic = ip + hl;
    uint32_t il = tl - hl;
    if (il < ICMP_MIN)
        return FRAME_DROP_RUNT;
    if (frame_fold(frame_sum(ic, il, 0)) != 0)
        return FRAME_DROP_ICMP_CSUM;
    if (ic[0] != ICMP_ECHO || ic[1] != 0 || ip[12] >= 224 || ip[12] == 0)
        return FRAME_IGNORED; // not a request, or from a multicast/zero source
    uint8_t src[4];
    copy(src, ip + 12, 4);
    copy(ip + 12, ip + 16, 4);
    copy(ip + 16, src, 4);
    ip[8] = FRAME_TTL;
    wr16(ip + 10, 0);
    wr16(ip + 10, frame_fold(frame_sum(ip, hl, 0)));
    ic[0] = ICMP_REPLY;
    wr16(ic + 2, frame_csum_update(rd16(ic + 2), ICMP_ECHO << 8, ICMP_REPLY << 8));
    eth_turn(fi, f);
    *out = FRAME_ETH_LEN + tl;
    return FRAME_REPLY_ECHO;
}

enum frame_verdict frame_respond(const struct frame_if *fi, uint8_t *frame, uint32_t len,
                                 uint32_t *reply_len)
{
    if (len > FRAME_MAX)
        return FRAME_DROP_OVERSIZE;
    if (len < FRAME_ETH_LEN)
        return FRAME_DROP_RUNT;
    uint16_t type = rd16(frame + 12);
    if (type == ETHERTYPE_ARP)
        return arp(fi, frame, len, reply_len);
    if (type == ETHERTYPE_IPV4)
        return icmp(fi, frame, len, reply_len);
    return type == ETHERTYPE_IPV6 ? FRAME_IGNORED : FRAME_DROP_ETHERTYPE;
}

int frame_parse_ip(const char *s, uint32_t n, uint8_t ip[4])
{
    uint32_t part = 0, val = 0, digits = 0;
    for (uint32_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '.';
        if (c >= '0' && c <= '9' && digits < 3) {
            val = val * 10 + (uint32_t)(c - '0');
            digits++;
        } else if (c == '.' && digits && val <= 255 && part < 4) {
            ip[part++] = (uint8_t)val;
            val = digits = 0;
        } else {
            return -1;
        }
    }
    return part == 4 ? 0 : -1;
}
