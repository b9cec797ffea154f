// SPDX-License-Identifier: MIT
// Packet builders and checksum checkers shared by the firewall unit tests
// (tests/unit/fw_*_test.c). They compute every checksum from scratch, the
// slow obvious way, so that the library's incremental updates are checked
// against an independent reference. Test-only; never linked into Ringwall.
#ifndef RW_FW_TEST_H
#define RW_FW_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/fw/fw_pkt.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static inline void t_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void t_put32(uint8_t *p, uint32_t v)
{
    t_put16(p, (uint16_t)(v >> 16));
    t_put16(p + 2, (uint16_t)v);
}

static inline uint16_t t_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t t_get32(const uint8_t *p)
{
    return (uint32_t)t_get16(p) << 16 | t_get16(p + 2);
}

// One's-complement sum, folded, of len bytes after an initial sum.
static inline uint16_t t_sum(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static inline uint32_t t_pseudo(const uint8_t *ip)
{
    uint16_t l4len = (uint16_t)(t_get16(ip + 2) - (ip[0] & 0xf) * 4);
    return t_get16(ip + 12) + t_get16(ip + 14) + t_get16(ip + 16) + t_get16(ip + 18) + ip[9] +
           l4len;
}

static inline bool t_ip_csum_ok(const uint8_t *ip)
{
    return t_sum(0, ip, (ip[0] & 0xf) * 4u) == 0xffff;
}

// The TCP, UDP or ICMP checksum verifies (a UDP checksum of 0 means none).
static inline bool t_l4_csum_ok(const uint8_t *ip)
{
    size_t hl = (ip[0] & 0xf) * 4u, l4len = t_get16(ip + 2) - hl;
    const uint8_t *l4 = ip + hl;
    if (ip[9] == FW_PROTO_UDP && t_get16(l4 + 6) == 0)
        return true;
    uint32_t pseudo = ip[9] == FW_PROTO_ICMP ? 0 : t_pseudo(ip);
    return t_sum(pseudo, l4, l4len) == 0xffff;
}

static inline size_t t_ip(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, size_t l4len)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    t_put16(b + 2, (uint16_t)(20 + l4len));
    t_put16(b + 4, 0x1234);
    b[8] = 64;
    b[9] = proto;
    t_put32(b + 12, src);
    t_put32(b + 16, dst);
    t_put16(b + 10, (uint16_t)~t_sum(0, b, 20));
    return 20 + l4len;
}

static inline void t_fill_l4_csum(uint8_t *ip, unsigned off)
{
    size_t hl = (ip[0] & 0xf) * 4u, l4len = t_get16(ip + 2) - hl;
    uint8_t *l4 = ip + hl;
    t_put16(l4 + off, 0);
    uint32_t pseudo = ip[9] == FW_PROTO_ICMP ? 0 : t_pseudo(ip);
    uint16_t c = (uint16_t)~t_sum(pseudo, l4, l4len);
    if (ip[9] == FW_PROTO_UDP && c == 0)
        c = 0xffff;
    t_put16(l4 + off, c);
}

static inline size_t t_tcp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
                           uint8_t flags, size_t payload)
{
    size_t len = t_ip(b, FW_PROTO_TCP, src, dst, 20 + payload);
    uint8_t *t = b + 20;
    memset(t, 0, 20 + payload);
    t_put16(t, sp);
    t_put16(t + 2, dp);
    t_put32(t + 4, 1000);
    t_put32(t + 8, (flags & FW_TCP_ACK) ? 5000 : 0);
    t[12] = 5 << 4;
    t[13] = flags;
    t_put16(t + 14, 65535);
    for (size_t i = 0; i < payload; i++)
        t[20 + i] = (uint8_t)(i * 7 + 1);
    t_fill_l4_csum(b, 16);
    return len;
}

static inline size_t t_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
                           size_t payload, bool csum)
{
    size_t len = t_ip(b, FW_PROTO_UDP, src, dst, 8 + payload);
    uint8_t *u = b + 20;
    memset(u, 0, 8 + payload);
    t_put16(u, sp);
    t_put16(u + 2, dp);
    t_put16(u + 4, (uint16_t)(8 + payload));
    for (size_t i = 0; i < payload; i++)
        u[8 + i] = (uint8_t)(i * 13 + 5);
    if (csum)
        t_fill_l4_csum(b, 6);
    return len;
}

static inline size_t t_icmp(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                            uint16_t id, uint16_t seq)
{
    size_t len = t_ip(b, FW_PROTO_ICMP, src, dst, 16);
    uint8_t *c = b + 20;
    memset(c, 0, 16);
    c[0] = type;
    c[1] = code;
    t_put16(c + 4, id);
    t_put16(c + 6, seq);
    memcpy(c + 8, "pingdata", 8);
    t_fill_l4_csum(b, 2);
    return len;
}

#endif
