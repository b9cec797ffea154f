// SPDX-License-Identifier: MIT
// Joining TCP segments into TSO frames (see nsgso.h). A segment joins only if
// the NIC, cutting the frame at mss bytes of payload behind a copy of the
// first segment's headers, would send exactly the segments lwIP made: the
// same flow, ACK, window and options, consecutive sequence numbers, every
// segment but the last a full mss, PSH only on the last.
#include "servers/netstack/nsgso.h"

#include "lib/string.h"

#define ETH_HLEN 14u
#define IP_HLEN  20u
#define TCP_OFF  (ETH_HLEN + IP_HLEN)
#define TCP_ACK  0x10
#define TCP_PSH  0x08
#define IP_DF    0x4000

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

// The header length of a TCP/IPv4 frame (Ethernet included) whose headers
// are within have bytes and which is len bytes long, or 0 if it is not one
// we may cut: IPv4 without options, not a fragment, TCP.
static uint32_t tcp_hlen(const uint8_t *f, uint32_t have, uint32_t len)
{
    const uint8_t *ip = f + ETH_HLEN;
    if (have < TCP_OFF + 20 || get16(f + 12) != 0x0800 || ip[0] != 0x45 || ip[9] != 6 ||
        (get16(ip + 6) & ~IP_DF) != 0 || get16(ip + 2) != len - ETH_HLEN)
        return 0;
    uint32_t hlen = TCP_OFF + (ip[IP_HLEN + 12] >> 4) * 4u;
    return hlen >= TCP_OFF + 20 && hlen <= have && hlen <= NSGSO_HDR_MAX ? hlen : 0;
}

bool nsgso_open(struct nsgso *g, const uint8_t *hdr, uint32_t have, uint32_t len)
{
    uint32_t hlen = tcp_hlen(hdr, have, len);
    g->open = false;
    if (!hlen || len <= hlen || hdr[TCP_OFF + 13] != TCP_ACK)
        return false;
    memcpy(g->hdr, hdr, hlen);
    g->hlen = (uint16_t)hlen;
    g->mss = (uint16_t)(len - hlen);
    g->next_seq = get32(hdr + TCP_OFF + 4) + (len - hlen);
    g->len = len;
    g->segs = 1;
    g->open = true;
    return true;
}

bool nsgso_fits(const struct nsgso *g, const uint8_t *hdr, uint32_t have, uint32_t len)
{
    if (!g->open || tcp_hlen(hdr, have, len) != g->hlen || len <= g->hlen)
        return false;
    const uint8_t *ip = hdr + ETH_HLEN, *gip = g->hdr + ETH_HLEN;
    uint8_t flags = hdr[TCP_OFF + 13];
    uint32_t payload = len - g->hlen;
    return (flags == TCP_ACK || flags == (TCP_ACK | TCP_PSH)) && payload <= g->mss &&
           g->len + payload <= NSGSO_FRAME_MAX && get32(hdr + TCP_OFF + 4) == g->next_seq &&
           memcmp(hdr, g->hdr, ETH_HLEN) == 0 && ip[1] == gip[1] && ip[8] == gip[8] &&
           get16(ip + 6) == get16(gip + 6) && memcmp(ip + 12, gip + 12, 8) == 0 && // addresses
           memcmp(hdr + TCP_OFF, g->hdr + TCP_OFF, 4) == 0 &&                      // ports
           memcmp(hdr + TCP_OFF + 8, g->hdr + TCP_OFF + 8, 4) == 0 &&              // ACK number
           memcmp(hdr + TCP_OFF + 14, g->hdr + TCP_OFF + 14, 2) == 0 &&            // window
           memcmp(hdr + TCP_OFF + 20, g->hdr + TCP_OFF + 20, g->hlen - TCP_OFF - 20) == 0;
}

uint16_t nsgso_join(struct nsgso *g, uint8_t *first, const uint8_t *hdr, uint32_t len)
{
    uint32_t payload = len - g->hlen;
    uint8_t *ip = first + ETH_HLEN, *tcp = first + TCP_OFF;
    g->len += payload;
    g->next_seq += payload;
    g->segs++;
    put16(ip + 2, g->len - ETH_HLEN);
    put16(ip + 10, 0);
    uint32_t sum = 0;
    for (uint32_t k = 0; k < IP_HLEN; k += 2)
        sum += get16(ip + k);
    put16(ip + 10, ~fold(sum) & 0xffff);
    if (hdr[TCP_OFF + 13] & TCP_PSH) {
        tcp[13] |= TCP_PSH;
        g->open = false; // PSH ends what the NIC may cut into full segments
    }
    if (payload < g->mss)
        g->open = false;
    sum = 6 + g->len - TCP_OFF; // the pseudo-header: protocol, TCP length, addresses
    for (uint32_t k = 12; k < 20; k += 2)
        sum += get16(ip + k);
    put16(tcp + 16, fold(sum)); // not inverted: the NIC adds the rest (RING_F_CSUM_NEEDED)
    return (uint16_t)TCP_OFF;
}
