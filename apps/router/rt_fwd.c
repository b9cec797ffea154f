// SPDX-License-Identifier: MIT
// The router's data path. Frames from a NIC's rx.active are classified: ARP
// goes to the ARP cache and the network stack, IPv4 for the appliance itself
// is filtered and copied to the stack's region, and everything else IPv4 is
// forwarded: parsed, routed, filtered in and out, TTL decremented, its
// Ethernet header rewritten in place, and its descriptors staged on the
// egress NIC's tx.active naming the ingress pool (shm/netif.h, Forwarding).
// No payload byte is copied on that path: rt_copy() is the only copy, and it
// counts what it copies against the path it serves. Buffers come back on the
// egress NIC's tx.free and go to the rx.free of the NIC they came from.
// Not here: ARP (rt_arp.c), set-up and the loop (router.c).
#include "apps/router/router.h"
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "net/fw/fw_bytes.h"
#include "net/fw/fw_csum.h"
#include "net/fw/fw_frag.h"
#include "net/fw/fw_icmp.h"

#define ETH_HLEN      14u
#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806
#define ICMP_NET_UNR  0
#define ICMP_HOST_UNR 1
#define RT_LINEAR_MAX (NETIF_MAX_SEGS * NETIF_BUF_SIZE)

// The one place the router copies frame bytes; *counter says for which path.
static void rt_copy(uint64_t *counter, void *dst, const void *src, uint32_t n)
{
    memcpy(dst, src, n);
    *counter += n;
}

// ---- logging ---------------------------------------------------------------

void rt_log_packet(struct router *r, const struct fw_pkt *p, unsigned verdict, unsigned ifindex,
                   unsigned dir)
{
    static const char *const verdicts[] = {"pass", "block", "reject"};
    struct rt_logent *e = &r->log[r->nlog++ % RT_LOG_MAX];
    *e = (struct rt_logent){r->now_ms, p->src,           p->dst,           p->sport,     p->dport,
                            p->proto,  (uint8_t)verdict, (uint8_t)ifindex, (uint8_t)dir, p->rule};
    uint64_t sec = r->now_ms / 1000;
    if (sec != r->log_sec) {
        r->log_sec = sec;
        r->log_printed = 0;
    }
    if (r->log_printed++ >= RT_LOG_PER_SEC) {
        r->log_suppressed++;
        return;
    }
    rw_printf("router: log rule %d %s %s on %s proto %u %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u\n",
              p->rule, verdicts[verdict < 3 ? verdict : 1], dir == FW_IN ? "in" : "out",
              r->ifs[ifindex].name, p->proto, p->src >> 24, (p->src >> 16) & 255,
              (p->src >> 8) & 255, p->src & 255, p->sport, p->dst >> 24, (p->dst >> 16) & 255,
              (p->dst >> 8) & 255, p->dst & 255, p->dport);
}

// Filters p and logs it when the deciding rule says "log".
static enum fw_verdict filter(struct router *r, struct fw_pkt *p, unsigned ifindex, enum fw_dir dir)
{
    enum fw_verdict v = fw_filter(&r->fw, p, ifindex, dir, r->now_ms);
    if (p->log)
        rt_log_packet(r, p, v, ifindex, dir);
    return v;
}

// ---- staging ---------------------------------------------------------------

void rt_out_flush(struct rt_out *o, uint64_t *errors)
{
    if (o->n && ring_enqueue_batch(o->h, o->d, o->n) != o->n)
        (*errors)++; // room was checked: only a corrupt peer index gets here
    o->n = 0;
}

// Room for k more descriptors on o's ring (flushing the stage if it is full).
bool rt_out_room(struct rt_out *o, uint32_t k, uint64_t *errors)
{
    uint32_t room;
    if (o->n + k > RT_STAGE)
        rt_out_flush(o, errors);
    if (ring_room(o->h, o->n + k, &room) != RING_OK)
        return false;
    return room >= o->n + k;
}

void rt_out_put(struct rt_out *o, uint64_t off, uint32_t len, uint32_t flags)
{
    o->d[o->n++] = (struct ring_desc){off, len, flags};
}

// Gives k received buffers back to their NIC's rx.free, or, for an
// interface another instance owns, back to that instance (rt_fabric.c).
void rt_recycle(struct router *r, struct rt_if *in, const struct ring_desc *d, uint32_t k)
{
    if (!in->own) {
        for (uint32_t j = 0; j < k; j++)
            rt_fab_return(r, in, netif_desc_off(d[j].offset));
        return;
    }
    if (!rt_out_room(&in->rxfree, k, &in->cnt.ring_errors))
        return; // cannot happen: rx.free holds every buffer of the pool
    for (uint32_t j = 0; j < k; j++)
        rt_out_put(&in->rxfree, netif_desc_off(d[j].offset), 0, 0);
}

void rt_drop_frame(struct router *r, unsigned in_if, const struct ring_desc *d, uint32_t k)
{
    rt_recycle(r, &r->ifs[in_if], d, k);
}

static bool signal_if(const struct comp_channel *ch, bool should)
{
    if (should && ch)
        comp_signal(ch);
    return should;
}

// Publishes everything staged and signals each peer that asked.
void rt_flush(struct router *r)
{
    for (unsigned i = 0; i < r->nifs; i++) {
        struct rt_if *f = &r->ifs[i];
        if (!f->nic_ok)
            continue;
        bool a = f->tx.n != 0 || f->tx_kick, b = f->rxfree.n != 0;
        f->tx_kick = false;
        rt_out_flush(&f->tx, &f->cnt.ring_errors);
        rt_out_flush(&f->rxfree, &f->cnt.ring_errors);
        // Both checks run when both rings got entries: each clears its own flag.
        bool sa = a && ring_producer_should_signal(&f->nic.tx.active);
        bool sb = b && ring_producer_should_signal(&f->nic.rx.free);
        signal_if(f->nic_chan, sa || sb);
        if (!f->up_ok)
            continue;
        a = f->uprx.n != 0;
        b = f->uptxfree.n != 0;
        rt_out_flush(&f->uprx, &f->cnt.ring_errors);
        rt_out_flush(&f->uptxfree, &f->cnt.ring_errors);
        sa = a && ring_producer_should_signal(&f->up.rx.active);
        sb = b && ring_producer_should_signal(&f->up.tx.free);
        signal_if(f->up_chan, sa || sb);
    }
}

// ---- replies the router builds (ICMP errors, ARP requests) ------------------

// A free buffer of out's own pool, its data area ready at NETIF_DATA_OFF.
uint8_t *rt_reply_buffer(struct router *r, struct rt_if *out, uint64_t *off)
{
    (void)r;
    if (!out->nic_ok || out->nspare == 0) {
        out->cnt.tx_no_buffer++;
        return 0;
    }
    *off = rt_spare_take(out);
    struct netif_buf_hdr *h = netif_buf_hdr(&out->nic, *off);
    *h = (struct netif_buf_hdr){.data_off = NETIF_DATA_OFF, .nsegs = 1};
    return out->nic.pool.base + *off + NETIF_DATA_OFF;
}

void rt_reply_send(struct router *r, struct rt_if *out, uint64_t off, uint32_t len)
{
    (void)r;
    if (len < 60)
        len = 60; // Ethernet minimum (the buffer is ours: the pad is whatever was there)
    if (!rt_out_room(&out->tx, 1, &out->cnt.ring_errors)) {
        out->cnt.tx_full++;
        rt_spare_put(out, off);
        return;
    }
    rt_out_put(&out->tx, off, len, 0);
}

// Sends an ICMP error about p back to the frame's sender, out of in.
static void icmp_error(struct router *r, struct rt_if *in, const uint8_t *eth,
                       const struct fw_pkt *p, uint8_t type, uint8_t code, uint16_t mtu)
{
    uint64_t off;
    uint8_t *b = rt_reply_buffer(r, in, &off);
    if (!b)
        return;
    uint8_t *ip = b + ETH_HLEN;
    size_t cap = NETIF_BUF_SIZE - NETIF_DATA_OFF - ETH_HLEN;
    int n;
    if (type == FW_ICMP_TIMEXCEED)
        n = fw_build_icmp_time_exceeded(p, in->addr, ip, cap);
    else if (code == FW_ICMP_UNREACH_NEEDFRAG)
        n = fw_build_icmp_frag_needed(p, mtu, in->addr, ip, cap);
    else if (type == 0xff)
        n = fw_build_reject(p, in->addr, ip, cap);
    else
        n = fw_build_icmp_unreach(p, code, in->addr, ip, cap);
    if (n <= 0) {
        rt_spare_put(in, off); // not answerable (an ICMP error, broadcast...)
        return;
    }
    memcpy(b, eth + 6, 6); // back to the previous hop
    memcpy(b + 6, in->mac, 6);
    b[12] = ETH_P_IP >> 8;
    b[13] = ETH_P_IP & 0xff;
    in->cnt.icmp_sent++;
    rt_reply_send(r, in, off, ETH_HLEN + (uint32_t)n);
}

// ---- forwarding -------------------------------------------------------------

// The frame d (k descriptors of in's pool) in one piece: in place when it
// is one buffer, else gathered into linear. Its length, 0 if unreadable.
static uint32_t frame_linear(struct rt_if *in, uint8_t *eth, const struct ring_desc *d, uint32_t k,
                             uint8_t *linear, uint8_t **frame)
{
    uint32_t len = 0;
    *frame = eth;
    if (k == 1)
        return d[0].len;
    for (uint32_t j = 0; j < k; j++) {
        struct netif_buf_hdr bh;
        const uint8_t *src = netif_data(&in->nic, &d[j], &bh);
        if (!src || len + d[j].len > RT_LINEAR_MAX)
            return 0;
        memcpy(linear + len, src, d[j].len);
        len += d[j].len;
    }
    *frame = linear;
    return len;
}

// Completes a checksum the sender left to the NIC (RING_F_CSUM_NEEDED):
// fragments cannot carry the offload. False if the fields point outside.
static bool finish_csum(struct rt_if *in, const struct ring_desc *d0, uint8_t *frame, uint32_t len)
{
    const struct netif_buf_hdr *h = netif_buf_hdr(&in->nic, netif_desc_off(d0->offset));
    uint32_t start = h->csum_start, at = start + h->csum_offset;
    uint32_t end = ETH_HLEN + fw_get16(frame + ETH_HLEN + 2);
    if (end > len || start < ETH_HLEN + 20 || at + 2 > end)
        return false;
    uint16_t c = (uint16_t)~fw_csum_fold(fw_csum_add(0, frame + start, end - start));
    fw_put16(frame + at, c == 0 && frame[ETH_HLEN + 9] == FW_PROTO_UDP ? 0xffff : c);
    return true;
}

// An IPv4 packet larger than out's MTU, without DF: cut into fragments
// written into out's own buffers, the one place forwarding copies payload
// (counted in fwd_copied). The original buffers go home.
static void fragment(struct router *r, struct rt_if *in, struct rt_if *out, uint8_t *eth,
                     const struct ring_desc *d, uint32_t k, const uint8_t *mac)
{
    static uint8_t linear[RT_LINEAR_MAX]; // one thread: one frame at a time
    uint8_t *frame;
    struct fw_frag f;
    uint32_t len = frame_linear(in, eth, d, k, linear, &frame);
    bool ok = len > ETH_HLEN &&
              (!(d[0].flags & RING_F_CSUM_NEEDED) || finish_csum(in, d, frame, len)) &&
              fw_frag_plan(&f, frame + ETH_HLEN, len - ETH_HLEN, out->mtu) == FW_FRAG_OK;
    if (!ok) {
        in->cnt.bad_frames++;
    } else if (out->nspare < f.count || !rt_out_room(&out->tx, f.count, &out->cnt.ring_errors)) {
        out->cnt.tx_no_buffer++;
    } else {
        for (uint32_t i = 0; i < f.count; i++) {
            uint64_t off = 0;
            uint8_t *b = rt_reply_buffer(0, out, &off);
            if (!b)
                break;
            int n = fw_frag_next(&f, frame + ETH_HLEN, b + ETH_HLEN,
                                 NETIF_BUF_SIZE - NETIF_DATA_OFF - ETH_HLEN);
            if (n <= 0) { // cannot happen for a plan that fits the buffers
                rt_spare_put(out, off);
                out->cnt.bad_frames++;
                break;
            }
            memcpy(b, mac, 6);
            memcpy(b + 6, out->mac, 6);
            memcpy(b + 12, eth + 12, 2);
            out->cnt.fwd_copied += (uint32_t)n - (b[ETH_HLEN] & 0xfu) * 4;
            out->cnt.fragments++;
            out->cnt.fwd_bytes += ETH_HLEN + (uint32_t)n;
            rt_reply_send(0, out, off, ETH_HLEN + (uint32_t)n);
        }
        out->cnt.fragmented++;
        out->cnt.fwd_frames++;
    }
    rt_recycle(r, in, d, k);
}

// Stages a frame whose next hop is known on the egress NIC, zero copy (or
// fragmented, when larger than its MTU: decide() let only DF-clear ones by).
static void emit(struct router *r, struct rt_if *in, struct rt_if *out, uint8_t *eth,
                 const struct ring_desc *d, uint32_t k, const uint8_t *mac)
{
    if (!(d[0].flags & RING_F_TSO4) && fw_get16(eth + ETH_HLEN + 2) > out->mtu) {
        fragment(r, in, out, eth, d, k, mac);
        return;
    }
    if (!rt_out_room(&out->tx, k, &out->cnt.ring_errors)) {
        out->cnt.tx_full++;
        rt_recycle(r, in, d, k);
        return;
    }
    memcpy(eth, mac, 6); // the Ethernet header is rewritten, the payload stays put
    memcpy(eth + 6, out->mac, 6);
    uint32_t pool = in == out ? 0 : in->nic_id, bytes = 0;
    for (uint32_t j = 0; j < k; j++) {
        rt_out_put(&out->tx, netif_desc_make(pool, netif_desc_off(d[j].offset)), d[j].len,
                   d[j].flags);
        bytes += d[j].len;
    }
    out->cnt.fwd_frames++;
    out->cnt.fwd_bytes += bytes;
}

void rt_send_held(struct router *r, const struct rt_hold *h, const uint8_t *mac)
{
    struct rt_if *in = &r->ifs[h->in_if];
    struct netif_buf_hdr bh;
    uint8_t *eth = netif_data(&in->nic, &h->d[0], &bh);
    if (eth)
        emit(r, in, &r->ifs[h->out_if], eth, h->d, h->k, mac);
    else
        rt_recycle(r, in, h->d, h->k);
}

// The offloads a frame asks for must be ones the egress driver offers.
static bool offloads_ok(const struct rt_if *out, uint32_t flags)
{
    uint32_t caps = out->nic.hdr->caps;
    if ((flags & RING_F_TSO4) && !(caps & NETIF_CAP_TX_TSO4))
        return false;
    return !(flags & RING_F_CSUM_NEEDED) || (caps & NETIF_CAP_TX_CSUM);
}

// The size of the IPv4 packets the frame becomes on the wire: for a TSO frame
// one segment (headers plus gso_size), else the packet itself.
static uint32_t packet_size(struct rt_if *in, const struct fw_pkt *p, const struct ring_desc *d0)
{
    if (!(d0->flags & RING_F_TSO4))
        return p->tot_len;
    const struct netif_buf_hdr *h = netif_buf_hdr(&in->nic, netif_desc_off(d0->offset));
    uint32_t hdr = h->hdr_len > ETH_HLEN ? h->hdr_len - ETH_HLEN : 0;
    return hdr + h->gso_size;
}

// Filters (unless the caller did it on the way in), then finds where a
// frame goes; false (frame dealt with) if nowhere.
static bool decide(struct router *r, struct rt_if *in, uint8_t *eth, struct fw_pkt *p,
                   const struct ring_desc *d0, struct fw_nexthop *nh, bool filtered)
{
    enum fw_verdict v = FW_PASS;
    if (!filtered)
        v = filter(r, p, (unsigned)(in - r->ifs), FW_IN);
    if (v == FW_PASS && fw_route_lookup(&r->routes, p->dst, nh) != FW_ROUTE_OK) {
        in->cnt.no_route++;
        icmp_error(r, in, eth, p, FW_ICMP_UNREACH, ICMP_NET_UNR, 0);
        return false;
    }
    bool df = fw_get16(p->ip + 6) & FW_IP_DF;
    if (v == FW_PASS && packet_size(in, p, d0) > r->ifs[nh->ifindex].mtu &&
        (df || (d0->flags & RING_F_TSO4))) {
        // Before the way out, whose NAT would rewrite what the error quotes.
        // Without DF the packet goes on, to be fragmented by emit().
        r->ifs[nh->ifindex].cnt.too_big++;
        if (df)
            icmp_error(r, in, eth, p, FW_ICMP_UNREACH, FW_ICMP_UNREACH_NEEDFRAG,
                       (uint16_t)r->ifs[nh->ifindex].mtu);
        return false;
    }
    if (v == FW_PASS && r->ifs[nh->ifindex].own)
        v = filter(r, p, nh->ifindex, FW_OUT); // else its owner filters it (rt_fwd_out)
    if (v == FW_PASS)
        return true;
    in->cnt.fw_drops++;
    if (v == FW_REJECT)
        icmp_error(r, in, eth, p, 0xff, 0, 0);
    return false;
}

// Out of out (ours) to next_hop: now if its MAC is known, else after ARP.
static void to_next_hop(struct router *r, struct rt_if *in, struct rt_if *out, uint8_t *eth,
                        const struct ring_desc *d, uint32_t k, uint32_t next_hop)
{
    unsigned oi = (unsigned)(out - r->ifs);
    const struct rt_arp *a = rt_arp_lookup(r, oi, next_hop);
    if (a && a->resolved) {
        emit(r, in, out, eth, d, k, a->mac);
    } else if (!rt_arp_hold(r, (unsigned)(in - r->ifs), oi, next_hop, d, k)) {
        out->cnt.arp_drops++;
        rt_recycle(r, in, d, k);
    }
}

static void forward(struct router *r, struct rt_if *in, uint8_t *eth, struct fw_pkt *p,
                    const struct ring_desc *d, uint32_t k, bool filtered)
{
    struct fw_nexthop nh;
    if (p->ttl <= 1) {
        in->cnt.ttl_exceeded++;
        icmp_error(r, in, eth, p, FW_ICMP_TIMEXCEED, 0, 0);
        rt_recycle(r, in, d, k);
        return;
    }
    if (!decide(r, in, eth, p, &d[0], &nh, filtered)) {
        rt_recycle(r, in, d, k);
        return;
    }
    struct rt_if *out = &r->ifs[nh.ifindex];
    if (!(out->nic_ok || out->view_ok) || !offloads_ok(out, d[0].flags) || !fw_pkt_dec_ttl(p)) {
        in->cnt.bad_frames++;
        rt_recycle(r, in, d, k);
        return;
    }
    if (out->own)
        to_next_hop(r, in, out, eth, d, k, nh.next_hop);
    else if (!rt_fab_forward(r, in, out, nh.next_hop, d, k))
        rt_recycle(r, in, d, k);
}

// A frame a peer instance routed out of out, which we own: parsed again for
// the filter on the way out (its state table is ours), then sent like ours.
void rt_fwd_out(struct router *r, struct rt_if *in, struct rt_if *out, uint8_t *eth,
                const struct ring_desc *d, uint32_t k, uint32_t next_hop)
{
    struct fw_pkt p;
    uint32_t total = 0;
    for (uint32_t j = 0; j < k; j++)
        total += d[j].len;
    unsigned flags = (d[0].flags & RING_F_CSUM_NEEDED) ? FW_PKT_CSUM_PART : 0;
    uint32_t iplen = total > ETH_HLEN ? total - ETH_HLEN : 0;
    if (iplen == 0 ||
        fw_pkt_parse(&p, eth + ETH_HLEN, iplen > 0xffff ? 0xffff : iplen, flags) != FW_R_OK) {
        out->cnt.ring_errors++; // the peer parsed it: only a broken peer gets here
        rt_recycle(r, in, d, k);
        return;
    }
    out->cnt.fabric_in++;
    enum fw_verdict v = filter(r, &p, (unsigned)(out - r->ifs), FW_OUT);
    if (v != FW_PASS) {
        out->cnt.fw_drops++;
        if (v == FW_REJECT)
            rt_fab_reject(r, in, out, eth, &p);
        rt_recycle(r, in, d, k);
        return;
    }
    to_next_hop(r, in, out, eth, d, k, next_hop);
}

// ---- the network stack's side -------------------------------------------------

// Copies a frame into buffers from the stack's rx.free; false if it had none.
static bool to_stack(struct rt_if *in, const struct ring_desc *d, uint32_t k)
{
    struct ring_desc b[NETIF_MAX_SEGS];
    if (!in->up_ok || netif_peek(&in->up.rx.free, b, k) < k ||
        !rt_out_room(&in->uprx, k, &in->cnt.ring_errors)) {
        in->cnt.local_drops++;
        return false;
    }
    for (uint32_t j = 0; j < k; j++) {
        struct netif_buf_hdr sh;
        const uint8_t *src = netif_data(&in->nic, &d[j], &sh);
        if (!pool_desc_ok(&in->up.pool, b[j].offset, 0) || !src) {
            in->cnt.ring_errors++;
            return false; // nothing consumed: the stack's slots stay where they were
        }
        // Same data_off as the NIC's buffer (validated by netif_data): a
        // continuation buffer may hold more than NETIF_BUF_SIZE - NETIF_DATA_OFF.
        struct netif_buf_hdr *dh = netif_buf_hdr(&in->up, b[j].offset);
        *dh = sh;
        rt_copy(&in->cnt.local_copied, (uint8_t *)dh + sh.data_off, src, d[j].len);
        rt_out_put(&in->uprx, b[j].offset, d[j].len, d[j].flags);
    }
    ring_publish_tail(&in->up.rx.free, k);
    in->cnt.local_in++;
    return true;
}

static bool is_local(const struct router *r, const struct rt_if *in, uint32_t dst)
{
    if (dst == 0xffffffffu || (dst >> 28) == 0xe)
        return true; // broadcast, multicast
    if (in->dhcp && !in->addr)
        return true; // no lease yet: the server's offer is unicast to the address it offers
    if (in->prefix < 31 && dst == (in->addr | ~fw_mask(in->prefix)))
        return true;
    for (unsigned i = 0; i < r->nifs; i++) {
        if (r->ifs[i].addr == dst)
            return true;
    }
    return false;
}

// Frames in the first buffer must hold every header the router looks at.
static bool headers_in_first(const struct fw_pkt *p, uint32_t first)
{
    uint32_t end = ETH_HLEN + p->hlen;
    if (p->l4) {
        uint32_t l4 = p->proto == FW_PROTO_TCP ? p->tcp_hlen : 8;
        end = (uint32_t)(p->l4 - p->ip) + ETH_HLEN + l4;
    }
    return end <= first;
}

static void ipv4_input(struct router *r, struct rt_if *in, uint8_t *eth, const struct ring_desc *d,
                       uint32_t k, uint32_t total)
{
    struct fw_pkt p;
    uint32_t iplen = total - ETH_HLEN;
    unsigned flags = (d[0].flags & RING_F_CSUM_NEEDED) ? FW_PKT_CSUM_PART : 0;
    enum fw_reason why = fw_pkt_parse(&p, eth + ETH_HLEN, iplen > 0xffff ? 0xffff : iplen, flags);
    if (why != FW_R_OK || !headers_in_first(&p, d[0].len)) {
        fw_count_drop(&r->fw, why == FW_R_OK ? FW_R_TRUNCATED : why);
        in->cnt.bad_frames++;
        rt_recycle(r, in, d, k);
        return;
    }
    if (!is_local(r, in, p.dst)) {
        forward(r, in, eth, &p, d, k, false);
        return;
    }
    // To one of our addresses: the filter may translate it (a reply to a
    // masqueraded flow, a forwarded port), and then it is forwarded.
    enum fw_verdict v = filter(r, &p, (unsigned)(in - r->ifs), FW_IN);
    if (v == FW_PASS && !is_local(r, in, p.dst)) {
        forward(r, in, eth, &p, d, k, true);
        return;
    }
    if (v == FW_PASS)
        to_stack(in, d, k);
    else
        in->cnt.fw_drops++;
    if (v == FW_REJECT)
        icmp_error(r, in, eth, &p, 0xff, 0, 0);
    rt_recycle(r, in, d, k);
}

static bool for_us(const struct rt_if *in, const uint8_t *eth)
{
    return (eth[0] & 1) || memcmp(eth, in->mac, 6) == 0; // group address, or ours
}

static void frame_input(struct router *r, struct rt_if *in, const struct ring_desc *d, uint32_t k)
{
    struct netif_buf_hdr h;
    uint8_t *eth = netif_data(&in->nic, &d[0], &h);
    uint32_t total = 0;
    for (uint32_t j = 0; j < k; j++)
        total += d[j].len;
    in->cnt.rx_frames++;
    in->cnt.rx_bytes += total;
    if (!eth || d[0].len < ETH_HLEN || !for_us(in, eth)) {
        in->cnt.bad_frames += eth == 0 || d[0].len < ETH_HLEN;
        rt_recycle(r, in, d, k);
        return;
    }
    uint16_t type = (uint16_t)(eth[12] << 8 | eth[13]);
    if (type == ETH_P_IP) {
        ipv4_input(r, in, eth, d, k, total);
        return;
    }
    if (type == ETH_P_ARP) {
        in->cnt.arp_in++;
        rt_arp_input(r, in, eth, d[0].len);
        to_stack(in, d, k);
    } else {
        in->cnt.not_ip++;
    }
    rt_recycle(r, in, d, k);
}

// Descriptors in the frame at d[0]; 0 if it is not all there yet.
static uint32_t frame_len(const struct ring_desc *d, uint32_t n)
{
    for (uint32_t j = 0; j < n && j < NETIF_MAX_SEGS; j++) {
        if (!(d[j].flags & NETIF_F_MORE))
            return j + 1;
    }
    return n >= NETIF_MAX_SEGS ? NETIF_MAX_SEGS : 0; // an over-long chain: cut
}

// Keeps the descriptors that name a buffer of this NIC's own pool.
static uint32_t own_descs(struct rt_if *in, struct ring_desc *d, uint32_t k)
{
    uint32_t m = 0;
    for (uint32_t j = 0; j < k; j++) {
        if (netif_desc_pool(d[j].offset) == 0 && pool_desc_ok(&in->nic.pool, d[j].offset, 0))
            d[m++] = d[j];
        else
            in->cnt.ring_errors++; // a driver that names a foreign buffer here is broken
    }
    return m;
}

uint32_t rt_nic_input(struct router *r, struct rt_if *in)
{
    struct ring_desc d[RT_BATCH];
    uint32_t n = netif_peek(&in->nic.rx.active, d, RT_BATCH), i = 0;
    while (i < n) {
        uint32_t k = frame_len(d + i, n - i);
        if (k == 0)
            break; // the rest of the frame is not published yet
        uint32_t m = own_descs(in, d + i, k);
        if (m == k && (d[i + k - 1].flags & NETIF_F_MORE)) {
            in->cnt.bad_frames++; // longer than NETIF_MAX_SEGS: cut and dropped
            rt_recycle(r, in, d + i, k);
        } else if (m == k)
            frame_input(r, in, d + i, k);
        else
            rt_recycle(r, in, d + i, m);
        i += k;
    }
    if (i)
        ring_publish_tail(&in->nic.rx.active, i);
    return i;
}

// One of the network stack's buffers back from the NIC (see rt_stack_output):
// home to its tx.free.
static void up_return(struct rt_if *nif, uint64_t off)
{
    int64_t b = nif->up_ok ? netif_buf_index(&nif->up, off) : -1;
    if (b < 0 || !nif->up.held[b] || !rt_out_room(&nif->uptxfree, 1, &nif->cnt.ring_errors)) {
        nif->cnt.ring_errors++; // not lent, or lent before a forced ring reset
        return;
    }
    nif->up.held[b] = 0;
    nif->up_lent--;
    rt_out_put(&nif->uptxfree, off, 0, 0);
}

// Buffers the driver finished sending: ours become spares, others go home.
uint32_t rt_nic_reap(struct router *r, struct rt_if *nif)
{
    struct ring_desc d[RT_BATCH];
    uint32_t n = ring_dequeue_batch(&nif->nic.tx.free, d, RT_BATCH);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pool = netif_desc_pool(d[i].offset);
        uint64_t off = netif_desc_off(d[i].offset);
        struct rt_if *home = nif;
        if (pool != 0 && pool == nif->up_id) {
            up_return(nif, off);
            continue;
        }
        if (pool != 0 && pool != nif->nic_id) {
            home = 0;
            for (unsigned j = 0; j < r->nifs; j++)
                home = r->ifs[j].nic_id == pool ? &r->ifs[j] : home;
        }
        if (!home || !pool_desc_ok(&home->nic.pool, off, 0)) {
            nif->cnt.ring_errors++;
        } else if (!home->own) {
            rt_fab_return(r, home, off); // a peer instance's buffer, or its reply
        } else if (home == nif && nif->nspare < nif->nic.l.nbufs) {
            rt_spare_put(nif, off);
        } else if (rt_out_room(&home->rxfree, 1, &home->cnt.ring_errors)) {
            rt_out_put(&home->rxfree, off, 0, 0);
        }
    }
    return n;
}

// Frames the network stack sends out of this interface. When the NIC's
// driver can send from the stack's pool (shm/netif.h, Forwarding), they go
// to it as they are, naming that pool, and come back on the NIC's tx.free
// (rt_nic_reap); meanwhile up.held marks them, by the driver's restart rule
// (we are the driver side of the stack's region): marked before the stack
// can see its slot consumed, cleared before it sees the buffer back. The
// filter does not look at them, so the stack writing them late can only
// spoil its own frame. Otherwise they are copied into our own NIC buffers.

// Every buffer a predecessor lent the NIC, counted at attach: marked, and not
// still on tx.active (there the mark is undone: we will read it again).
void rt_up_lent_count(struct rt_if *f)
{
    netif_unhold_filled(&f->up, &f->up.tx.active);
    f->up_lent = 0;
    for (uint32_t i = 0; i < f->up.l.nbufs; i++)
        f->up_lent += f->up.held[i] != 0;
}

// Gives a frame's buffers back to the stack unsent: each once, and none the
// NIC has (only a broken stack names those).
static void up_give_back(struct rt_if *nif, const struct ring_desc *d, uint32_t k)
{
    int64_t idx[NETIF_MAX_SEGS];
    uint32_t m = 0;
    for (uint32_t j = 0; j < k && j < NETIF_MAX_SEGS; j++) {
        int64_t b = netif_buf_index(&nif->up, d[j].offset);
        if (b >= 0 && !nif->up.held[b]) {
            nif->up.held[b] = 1; // marked meanwhile: a second mention is skipped
            idx[m++] = b;
        }
    }
    for (uint32_t j = 0; j < m; j++) {
        nif->up.held[idx[j]] = 0;
        rt_out_put(&nif->uptxfree, (uint64_t)idx[j] * NETIF_BUF_SIZE, 0, 0);
    }
}

// Lends the frame's buffers to the NIC; false (nothing lent, the buffers go
// back) if one names no buffer of the stack's pool or one the NIC has.
static bool stack_frame_lend(struct rt_if *nif, const struct ring_desc *d, uint32_t k)
{
    int64_t idx[NETIF_MAX_SEGS];
    uint32_t j;
    for (j = 0; j < k; j++) {
        struct netif_buf_hdr sh;
        idx[j] = netif_data(&nif->up, &d[j], &sh) ? netif_buf_index(&nif->up, d[j].offset) : -1;
        if (idx[j] < 0 || nif->up.held[idx[j]])
            break;
        nif->up.held[idx[j]] = 1; // a buffer named twice in the frame fails here
    }
    if (j < k) {
        nif->cnt.ring_errors++;
        while (j > 0)
            nif->up.held[idx[--j]] = 0;
        up_give_back(nif, d, k);
        return false;
    }
    for (j = 0; j < k; j++)
        rt_out_put(&nif->tx, netif_desc_make(nif->up_id, d[j].offset), d[j].len, d[j].flags);
    nif->up_lent += k;
    nif->cnt.local_out++;
    return true;
}

// Copies the frame into our own buffers of the NIC.
static bool stack_frame_copy(struct rt_if *nif, const struct ring_desc *d, uint32_t k)
{
    if (!rt_out_room(&nif->tx, k, &nif->cnt.ring_errors)) {
        nif->cnt.tx_full++;
        return false;
    }
    uint32_t first = nif->tx.n;
    for (uint32_t j = 0; j < k; j++) {
        struct netif_buf_hdr sh;
        const uint8_t *src = netif_data(&nif->up, &d[j], &sh);
        if (!src) {
            nif->cnt.ring_errors++;
            for (uint32_t u = first; u < nif->tx.n; u++)
                rt_spare_put(nif, nif->tx.d[u].offset); // unstage
            nif->tx.n = first;
            return false;
        }
        uint64_t off = rt_spare_take(nif);
        struct netif_buf_hdr *dh = netif_buf_hdr(&nif->nic, off);
        *dh = sh; // same data_off: netif_data checked that the data fits behind it
        rt_copy(&nif->cnt.local_tx_copied, (uint8_t *)dh + sh.data_off, src, d[j].len);
        rt_out_put(&nif->tx, off, d[j].len, d[j].flags);
    }
    nif->cnt.local_out++;
    return true;
}

uint32_t rt_stack_output(struct router *r, struct rt_if *nif)
{
    (void)r;
    struct ring_desc d[RT_BATCH];
    if (!nif->up_ok || !nif->nic_ok)
        return 0;
    bool lend = netif_sends_from(nif->nic.hdr, nif->up_id);
    uint32_t n = netif_peek(&nif->up.tx.active, d, RT_BATCH), i = 0;
    while (i < n) {
        uint32_t k = frame_len(d + i, n - i);
        if (k == 0)
            break; // not all published yet
        if (!rt_out_room(&nif->uptxfree, k, &nif->cnt.ring_errors))
            break; // cannot happen: tx.free has a slot for every buffer
        if (d[i + k - 1].flags & NETIF_F_MORE) {
            nif->cnt.ring_errors++; // longer than NETIF_MAX_SEGS: not sent
            up_give_back(nif, d + i, k);
        } else if (lend) {
            if (!rt_out_room(&nif->tx, k, &nif->cnt.ring_errors))
                break; // the NIC is behind: the frame waits on tx.active
            stack_frame_lend(nif, d + i, k);
        } else {
            if (nif->nspare < k)
                break; // wait for buffers the NIC is sending
            stack_frame_copy(nif, d + i, k);
            for (uint32_t j = 0; j < k; j++)
                rt_out_put(&nif->uptxfree, d[i + j].offset, 0, 0);
        }
        i += k;
    }
    if (i && lend) {
        // The NIC sees them before the stack sees their slots consumed: a
        // router killed in between leaves the buffers marked, and its
        // successor clears the marks of the slots it reads again.
        nif->tx_kick |= nif->tx.n != 0;
        rt_out_flush(&nif->tx, &nif->cnt.ring_errors);
    }
    if (i)
        ring_publish_tail(&nif->up.tx.active, i);
    return i;
}
