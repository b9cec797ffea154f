// SPDX-License-Identifier: MIT
// Internet checksum arithmetic for the packet filter (see fw_csum.h): full sums
// for the IPv4 header and the ICMP replies the library builds, RFC 1624
// incremental updates for rewrites. It does not know where fields sit in a
// packet beyond the two bytes of the checksum it is handed.
#include "net/fw/fw_csum.h"

#include "net/fw/fw_bytes.h"

uint32_t fw_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum += fw_get16(p + i);
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

uint16_t fw_csum_fold(uint32_t sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t fw_ip_csum(const uint8_t *hdr, size_t hlen)
{
    return (uint16_t)~fw_csum_fold(fw_csum_add(0, hdr, hlen));
}

uint16_t fw_csum_update16(uint16_t hc, uint16_t old, uint16_t new_)
{
    uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new_;
    return (uint16_t)~fw_csum_fold(sum);
}

uint16_t fw_csum_update32(uint16_t hc, uint32_t old, uint32_t new_)
{
    hc = fw_csum_update16(hc, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
    return fw_csum_update16(hc, (uint16_t)old, (uint16_t)new_);
}

void fw_l4_csum_fix(uint8_t *p, uint32_t old, uint32_t new_, unsigned flags)
{
    uint16_t field = fw_get16(p);
    if (flags & FW_CSUM_PARTIAL) {
        if (!(flags & FW_CSUM_PSEUDO))
            return;
        // The field is a sum, not a checksum: complement around the update.
        uint16_t hc = (uint16_t)~field;
        hc = (flags & FW_CSUM_WIDE) ? fw_csum_update32(hc, old, new_)
                                    : fw_csum_update16(hc, (uint16_t)old, (uint16_t)new_);
        fw_put16(p, (uint16_t)~hc);
        return;
    }
    if ((flags & FW_CSUM_UDP) && field == 0)
        return;
    field = (flags & FW_CSUM_WIDE) ? fw_csum_update32(field, old, new_)
                                   : fw_csum_update16(field, (uint16_t)old, (uint16_t)new_);
    if ((flags & FW_CSUM_UDP) && field == 0)
        field = 0xffff;
    fw_put16(p, field);
}
