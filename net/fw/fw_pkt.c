// SPDX-License-Identifier: MIT
// IPv4 packet validation (see fw_pkt.h). Every check reads only bytes that the
// checks before it proved are inside the buffer. It never writes the packet
// except for fw_pkt_dec_ttl(), and it never verifies TCP or UDP checksums.
#include "net/fw/fw_pkt.h"

#include "lib/string.h"
#include "net/fw/fw_bytes.h"
#include "net/fw/fw_csum.h"

static const char *const reason_names[FW_R_COUNT] = {
    [FW_R_OK] = "ok",
    [FW_R_TRUNCATED] = "truncated",
    [FW_R_BAD_VERSION] = "bad-version",
    [FW_R_BAD_IHL] = "bad-ihl",
    [FW_R_BAD_LENGTH] = "bad-length",
    [FW_R_BAD_CHECKSUM] = "bad-checksum",
    [FW_R_L4_TRUNCATED] = "l4-truncated",
    [FW_R_BAD_FRAGMENT] = "bad-fragment",
    [FW_R_RULE] = "rule",
    [FW_R_REJECT] = "reject",
    [FW_R_POLICY] = "policy",
    [FW_R_STATE_FULL] = "state-full",
    [FW_R_NAT_EXHAUSTED] = "nat-exhausted",
    [FW_R_NAT_NO_ADDRESS] = "nat-no-address",
};

const char *fw_reason_name(unsigned reason)
{
    return reason < FW_R_COUNT ? reason_names[reason] : "?";
}

static enum fw_reason parse_tcp(struct fw_pkt *p)
{
    if (p->l4_len < 20)
        return FW_R_L4_TRUNCATED;
    p->tcp_hlen = (uint16_t)((p->l4[12] >> 4) * 4);
    if (p->tcp_hlen < 20 || p->tcp_hlen > p->l4_len)
        return FW_R_L4_TRUNCATED;
    p->sport = fw_get16(p->l4);
    p->dport = fw_get16(p->l4 + 2);
    p->tcp_seq = fw_get32(p->l4 + 4);
    p->tcp_ack = fw_get32(p->l4 + 8);
    p->tcp_flags = p->l4[13];
    return FW_R_OK;
}

static enum fw_reason parse_udp(struct fw_pkt *p)
{
    if (p->l4_len < 8)
        return FW_R_L4_TRUNCATED;
    p->sport = fw_get16(p->l4);
    p->dport = fw_get16(p->l4 + 2);
    return FW_R_OK;
}

static enum fw_reason parse_icmp(struct fw_pkt *p)
{
    if (p->l4_len < 8)
        return FW_R_L4_TRUNCATED;
    p->icmp_type = p->l4[0];
    p->icmp_code = p->l4[1];
    if (p->icmp_type == FW_ICMP_ECHO) {
        p->flags |= FW_PKT_ECHO;
        p->sport = fw_get16(p->l4 + 4);
    } else if (p->icmp_type == FW_ICMP_ECHOREPLY) {
        p->flags |= FW_PKT_ECHO;
        p->dport = fw_get16(p->l4 + 4);
    }
    return FW_R_OK;
}

// Checks the fixed header and lengths; fills the IP fields of *p.
static enum fw_reason parse_ip(struct fw_pkt *p, uint8_t *ip, size_t len)
{
    if (len < 20)
        return FW_R_TRUNCATED;
    if (ip[0] >> 4 != 4)
        return FW_R_BAD_VERSION;
    p->hlen = (uint16_t)((ip[0] & 0xf) * 4);
    if (p->hlen < 20 || p->hlen > len)
        return FW_R_BAD_IHL;
    p->tot_len = fw_get16(ip + 2);
    if (p->tot_len > len || p->tot_len < p->hlen)
        return FW_R_BAD_LENGTH;
    if (fw_ip_csum(ip, p->hlen) != 0)
        return FW_R_BAD_CHECKSUM;
    uint16_t frag = fw_get16(ip + 6);
    p->frag_off = frag & FW_IP_OFFMASK;
    if ((frag & FW_IP_MF) || p->frag_off)
        p->flags |= FW_PKT_FRAG;
    if (p->frag_off)
        p->flags |= FW_PKT_LATER;
    if (p->hlen > 20)
        p->flags |= FW_PKT_OPTIONS;
    p->ttl = ip[8];
    p->proto = ip[9];
    p->src = fw_get32(ip + 12);
    p->dst = fw_get32(ip + 16);
    return FW_R_OK;
}

enum fw_reason fw_pkt_parse(struct fw_pkt *p, uint8_t *ip, size_t len, unsigned flags)
{
    memset(p, 0, sizeof(*p));
    p->ip = ip;
    p->len = len > 0xffff ? 0xffff : (uint16_t)len;
    p->flags = (uint8_t)(flags & FW_PKT_CSUM_PART);
    p->rule = -1;
    enum fw_reason r = parse_ip(p, ip, p->len);
    if (r != FW_R_OK)
        return r;
    if (p->flags & FW_PKT_LATER) {
        // RFC 1858: a TCP fragment at offset 8 can rewrite the flags of the first.
        return p->proto == FW_PROTO_TCP && p->frag_off == 1 ? FW_R_BAD_FRAGMENT : FW_R_OK;
    }
    p->l4 = ip + p->hlen;
    p->l4_len = (uint16_t)(p->tot_len - p->hlen);
    switch (p->proto) {
    case FW_PROTO_TCP: return parse_tcp(p);
    case FW_PROTO_UDP: return parse_udp(p);
    case FW_PROTO_ICMP: return parse_icmp(p);
    default: return FW_R_OK;
    }
}

bool fw_pkt_dec_ttl(struct fw_pkt *p)
{
    if (p->ttl <= 1)
        return false;
    uint16_t old = fw_get16(p->ip + 8);
    p->ttl--;
    p->ip[8] = p->ttl;
    uint16_t csum = fw_csum_update16(fw_get16(p->ip + 10), old, fw_get16(p->ip + 8));
    fw_put16(p->ip + 10, csum);
    return true;
}
