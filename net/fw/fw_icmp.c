// SPDX-License-Identifier: MIT
// Builders of RSTs and ICMP errors (see fw_icmp.h). They read only the parsed
// fields and the bytes fw_pkt_parse() checked, and write only within cap.
#include "net/fw/fw_icmp.h"

#include "lib/string.h"
#include "net/fw/fw_bytes.h"
#include "net/fw/fw_csum.h"

// Addresses no reply may go to or come from: 0/8, 127/8, 224/4 and above.
static bool unanswerable(uint32_t a)
{
    return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe;
}

// Multicast, the limited broadcast and class E.
static bool to_group(uint32_t a)
{
    return (a >> 28) >= 0xe;
}

static bool is_icmp_error(const struct fw_pkt *p)
{
    if (p->proto != FW_PROTO_ICMP)
        return false;
    switch (p->icmp_type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
    case 17:
    case 18: return false;
    default: return true;
    }
}

static void ip_header(uint8_t *out, uint16_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
    memset(out, 0, 20);
    out[0] = 0x45;
    fw_put16(out + 2, len);
    out[8] = FW_REPLY_TTL;
    out[9] = proto;
    fw_put32(out + 12, src);
    fw_put32(out + 16, dst);
    fw_put16(out + 10, fw_ip_csum(out, 20));
}

int fw_build_icmp_error(const struct fw_pkt *orig, uint8_t type, uint8_t code, uint32_t rest,
                        uint32_t src, uint8_t *out, size_t cap)
{
    if ((orig->flags & FW_PKT_LATER) || is_icmp_error(orig) || to_group(orig->dst) ||
        unanswerable(orig->src))
        return FW_BUILD_REFUSED;
    size_t body = (size_t)(orig->tot_len - orig->hlen);
    size_t quote = orig->hlen + (body < FW_ICMP_QUOTE ? body : FW_ICMP_QUOTE);
    size_t len = 20 + 8 + quote;
    if (cap < len)
        return FW_BUILD_NOSPACE;
    ip_header(out, (uint16_t)len, FW_PROTO_ICMP, src ? src : orig->dst, orig->src);
    uint8_t *icmp = out + 20;
    icmp[0] = type;
    icmp[1] = code;
    fw_put16(icmp + 2, 0);
    fw_put32(icmp + 4, rest);
    memcpy(icmp + 8, orig->ip, quote);
    fw_put16(icmp + 2, (uint16_t)~fw_csum_fold(fw_csum_add(0, icmp, 8 + quote)));
    return (int)len;
}

int fw_build_icmp_unreach(const struct fw_pkt *orig, uint8_t code, uint32_t src, uint8_t *out,
                          size_t cap)
{
    return fw_build_icmp_error(orig, FW_ICMP_UNREACH, code, 0, src, out, cap);
}

int fw_build_icmp_time_exceeded(const struct fw_pkt *orig, uint32_t src, uint8_t *out, size_t cap)
{
    return fw_build_icmp_error(orig, FW_ICMP_TIMEXCEED, 0, 0, src, out, cap);
}

int fw_build_icmp_frag_needed(const struct fw_pkt *orig, uint16_t mtu, uint32_t src, uint8_t *out,
                              size_t cap)
{
    return fw_build_icmp_error(orig, FW_ICMP_UNREACH, FW_ICMP_UNREACH_NEEDFRAG, mtu, src, out, cap);
}

int fw_build_rst(const struct fw_pkt *orig, uint8_t *out, size_t cap)
{
    if (orig->proto != FW_PROTO_TCP || !orig->l4 || (orig->flags & FW_PKT_FRAG) ||
        (orig->tcp_flags & FW_TCP_RST) || to_group(orig->dst) || unanswerable(orig->src))
        return FW_BUILD_REFUSED;
    if (cap < 40)
        return FW_BUILD_NOSPACE;
    ip_header(out, 40, FW_PROTO_TCP, orig->dst, orig->src);
    uint8_t *tcp = out + 20;
    memset(tcp, 0, 20);
    fw_put16(tcp, orig->dport);
    fw_put16(tcp + 2, orig->sport);
    if (orig->tcp_flags & FW_TCP_ACK) {
        fw_put32(tcp + 4, orig->tcp_ack);
        tcp[13] = FW_TCP_RST;
    } else {
        uint32_t seglen = (uint32_t)(orig->l4_len - orig->tcp_hlen);
        seglen += !!(orig->tcp_flags & FW_TCP_SYN) + !!(orig->tcp_flags & FW_TCP_FIN);
        fw_put32(tcp + 8, orig->tcp_seq + seglen);
        tcp[13] = FW_TCP_RST | FW_TCP_ACK;
    }
    tcp[12] = 5 << 4;
    uint32_t sum = fw_csum_add(0, out + 12, 8) + FW_PROTO_TCP + 20;
    fw_put16(tcp + 16, (uint16_t)~fw_csum_fold(fw_csum_add(sum, tcp, 20)));
    return 40;
}

int fw_build_reject(const struct fw_pkt *orig, uint32_t src, uint8_t *out, size_t cap)
{
    if (orig->proto == FW_PROTO_TCP)
        return fw_build_rst(orig, out, cap);
    return fw_build_icmp_unreach(orig, FW_ICMP_UNREACH_PORT, src, out, cap);
}
