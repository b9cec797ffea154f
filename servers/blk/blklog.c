// SPDX-License-Identifier: MIT
// blklog: records in whole sectors with CRC32C, and the recovery scan (see
// blklog.h). CRC32C is the Castagnoli polynomial (reflected 0x82F63B78),
// initial value and final xor all ones, computed with a 16-entry table (a
// nibble at a time): small, and fast enough for log records.
#include "servers/blk/blklog.h"

#include "lib/string.h"

static const uint32_t crc_nibble[16] = {
    0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
    0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9, 0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

uint32_t blklog_crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 15];
        crc = (crc >> 4) ^ crc_nibble[crc & 15];
    }
    return ~crc;
}

int blklog_init(struct blklog *lg, uint32_t sect_size, uint64_t first, uint64_t nsect,
                uint64_t log_id)
{
    if ((sect_size != 512 && sect_size != 4096) || nsect == 0 || log_id == 0)
        return BLKLOG_EINVAL;
    *lg = (struct blklog){sect_size, first, nsect, log_id, 1, 0};
    return BLKLOG_OK;
}

uint32_t blklog_record_bytes(const struct blklog *lg, uint32_t len)
{
    uint32_t s = lg->sect_size;
    return (BLKLOG_HDR_BYTES + len + s - 1) / s * s;
}

static uint32_t record_crc(const struct blklog_hdr *h, const void *payload)
{
    struct blklog_hdr c = *h;
    c.crc = 0;
    return blklog_crc32c(blklog_crc32c(0, &c, sizeof(c)), payload, h->len);
}

int blklog_encode(struct blklog *lg, uint16_t type, const void *payload, uint32_t len, void *out,
                  uint32_t out_size, uint64_t *sect, uint32_t *bytes)
{
    if (len > BLKLOG_MAX_PAYLOAD)
        return BLKLOG_EINVAL;
    uint32_t size = blklog_record_bytes(lg, len), nsect = size / lg->sect_size;
    if (size > out_size || nsect > lg->nsect)
        return BLKLOG_EINVAL;
    if (lg->next_sect + nsect > lg->nsect)
        lg->next_sect = 0; // wrap: over the oldest records
    struct blklog_hdr h = {BLKLOG_MAGIC, type, (uint16_t)nsect, len, 0, lg->next_seq, lg->log_id};
    h.crc = record_crc(&h, payload);
    memset(out, 0, size);
    memcpy(out, &h, sizeof(h));
    memcpy((uint8_t *)out + sizeof(h), payload, len);
    *sect = lg->first + lg->next_sect;
    *bytes = size;
    lg->next_sect += nsect;
    lg->next_seq++;
    return BLKLOG_OK;
}

// A header that could start a record of this log (CRC not yet checked).
static bool plausible(const struct blklog_hdr *h, uint64_t log_id, uint32_t sect_size)
{
    uint32_t need = (BLKLOG_HDR_BYTES + h->len + sect_size - 1) / sect_size;
    return h->magic == BLKLOG_MAGIC && (log_id == 0 || h->log_id == log_id) && h->log_id != 0 &&
           h->seq != 0 && h->len <= BLKLOG_MAX_PAYLOAD && h->nsect == need;
}

int blklog_decode(const void *buf, uint32_t avail, uint64_t log_id, struct blklog_hdr *h)
{
    if (avail < BLKLOG_HDR_BYTES)
        return BLKLOG_EINVAL;
    memcpy(h, buf, sizeof(*h));
    if (h->magic != BLKLOG_MAGIC || (log_id && h->log_id != log_id) || h->len > BLKLOG_MAX_PAYLOAD)
        return BLKLOG_ENOREC;
    if (BLKLOG_HDR_BYTES + h->len > avail)
        return BLKLOG_EINVAL;
    return record_crc(h, (const uint8_t *)buf + BLKLOG_HDR_BYTES) == h->crc ? BLKLOG_OK
                                                                            : BLKLOG_ECRC;
}

static void note(struct blklog_scan *out, const struct blklog_hdr *h, uint64_t s, uint64_t *min)
{
    out->records++;
    if (h->seq < *min)
        *min = h->seq;
    if (h->seq > out->last_seq) {
        out->last_seq = h->seq;
        out->last_sect = s;
        out->last_type = h->type;
        out->last_len = h->len;
    }
}

int blklog_recover(struct blklog *lg, blklog_read_fn rd, void *ctx, void *scratch,
                   uint32_t scratch_size, struct blklog_scan *out)
{
    uint32_t ss = lg->sect_size;
    if (scratch_size < blklog_record_bytes(lg, BLKLOG_MAX_PAYLOAD))
        return BLKLOG_EINVAL;
    *out = (struct blklog_scan){0};
    uint64_t min = UINT64_MAX, last_nsect = 0;
    for (uint64_t s = 0; s < lg->nsect;) {
        struct blklog_hdr h;
        if (rd(ctx, lg->first + s, 1, scratch) != 0)
            return BLKLOG_EIO;
        memcpy(&h, scratch, sizeof(h));
        if (!plausible(&h, lg->log_id, ss) || s + h.nsect > lg->nsect) {
            s++;
            continue;
        }
        if (h.nsect > 1 && rd(ctx, lg->first + s + 1, h.nsect - 1u, (uint8_t *)scratch + ss) != 0)
            return BLKLOG_EIO;
        if (blklog_decode(scratch, (uint32_t)h.nsect * ss, lg->log_id, &h) != BLKLOG_OK) {
            out->torn++;
            s++; // a newer record may start inside a torn one
            continue;
        }
        if (h.seq > out->last_seq)
            last_nsect = h.nsect;
        note(out, &h, s, &min);
        s += h.nsect;
    }
    if (!out->records) {
        lg->next_seq = 1;
        lg->next_sect = 0;
        return BLKLOG_OK;
    }
    out->first_seq = min;
    lg->next_seq = out->last_seq + 1;
    lg->next_sect = out->last_sect + last_nsect;
    if (lg->next_sect >= lg->nsect)
        lg->next_sect = 0;
    return BLKLOG_OK;
}
