// SPDX-License-Identifier: MIT
// lwIP netifs over the NIC rings (see nsif.h): zero-copy receive into custom
// pbufs with a bounded copy fallback, per-frame checksum trust, transmit with
// one copy and checksum offload, link and MAC tracking, and the DHCP lease
// report.
#include "servers/netstack/nsif.h"

#include <string.h>

#include "lib/rw.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ip4_frag.h"
#include "lwip/priv/tcp_priv.h"
#include "netif/ethernet.h"
#include "servers/netstack/nscsum.h"
#include "servers/netstack/nsgso.h"
#include "servers/netstack/nsring.h"

#define NSIF_MTU_DEFAULT 1500
#define NSIF_MTU_LARGE   0xffff // lw.mtu with tso_large: what lwIP may hand us whole
#define NSIF_TSO_SEGS    44     // link segments in one large lwIP segment (64240 bytes of 1460)
#define NSIF_IP_TCP_HLEN 40u
#define NSIF_CHECK_L4    (NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP)
#define NSIF_GEN_L4      (NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP)

// lwIP built the frame without a TCP/UDP checksum (generation is off while
// the NIC offers offload): ask the NIC, or complete it here if the NIC has
// stopped offering it since.
static void nsif_tx_csum(struct nsif *n, uint8_t *d, uint32_t len, uint16_t *start, uint16_t *off)
{
    *start = *off = 0;
    if ((n->csum_flags & NSIF_GEN_L4) || !nscsum_tx_prepare(d, len, start, off))
        return;
    if (!n->tx_csum) {
        struct nscsum_seg seg = {d, len};
        nscsum_complete(&seg, 1, *start, *off);
        *start = *off = 0;
    }
}

static void nsif_copy_out(void *ctx, uint8_t *dst, uint32_t off, uint32_t n)
{
    pbuf_copy_partial(ctx, dst, (u16_t)n, (u16_t)off);
}

static err_t nsif_linkoutput(struct netif *lw, struct pbuf *p);

// Large segments (see nsif.h). A connection's state, in its lwIP ext arg:
// its link MSS (0: not decided yet, NSIF_NO_LARGE: it keeps lwIP's), and the
// congestion window the hook left it at.
static u8_t nsif_ext_id;
#define NSIF_NO_LARGE 0xffffu

static u16_t nsif_link_mss(const struct tcp_pcb *pcb)
{
    uintptr_t v = (uintptr_t)tcp_ext_arg_get(pcb, nsif_ext_id);
    u16_t mss = (u16_t)v;
    return mss && mss != NSIF_NO_LARGE ? mss : 0;
}

// A TCP/IPv4 frame larger than the link (headers in hdr): the TSO header
// length and the link segment's payload, from its connection's MSS; false if
// it is not one (lwIP's TCP sends no IP options).
static bool nsif_large_tcp(const struct nsif *n, const uint8_t *hdr, uint32_t have, uint16_t *hlen,
                           uint16_t *gso)
{
    const uint8_t *ip = hdr + SIZEOF_ETH_HDR, *tcp = ip + IP_HLEN;
    if (have < SIZEOF_ETH_HDR + NSIF_IP_TCP_HLEN || ip[0] != 0x45 || ip[9] != IP_PROTO_TCP)
        return false;
    uint32_t thl = (uint32_t)(tcp[12] >> 4) * 4u;
    if (thl < TCP_HLEN || SIZEOF_ETH_HDR + IP_HLEN + thl > have)
        return false;
    u16_t sport = (u16_t)(tcp[0] << 8 | tcp[1]), dport = (u16_t)(tcp[2] << 8 | tcp[3]);
    uint32_t dst;
    memcpy(&dst, ip + 16, 4);
    u16_t mss = (u16_t)(n->mtu - NSIF_IP_TCP_HLEN);
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (pcb->local_port == sport && pcb->remote_port == dport &&
            ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) == dst) {
            u16_t m = nsif_link_mss(pcb);
            mss = m && m < mss ? m : mss;
            break;
        }
    }
    if (mss <= thl - TCP_HLEN)
        return false;
    *hlen = (uint16_t)(SIZEOF_ETH_HDR + IP_HLEN + thl);
    *gso = (uint16_t)(mss - (thl - TCP_HLEN)); // options come out of the MSS
    return true;
}

// lwport_tcp_input_hook, before lwIP processes each segment of an
// established connection over a NIC that cuts TSO frames. The send MSS
// becomes a multiple of the link's, as many link segments as the congestion
// window holds, up to NSIF_TSO_SEGS, and never shrinks, so a segment always
// fits the window whole (lwIP sends only whole segments, and keeps the window
// at one MSS or more after a loss). Congestion avoidance adds one MSS per
// window acknowledged: seen here one segment later, the step is cut back to
// one link MSS, as if the segments were the link's (not in fast recovery,
// where the window is inflated per duplicate ACK and then reset).
static void nsif_tcp_input(struct tcp_pcb *pcb)
{
    if (pcb->state != ESTABLISHED)
        return;
    uintptr_t v = (uintptr_t)tcp_ext_arg_get(pcb, nsif_ext_id);
    u16_t link = (u16_t)v;
    if (link == NSIF_NO_LARGE)
        return;
    if (!link) {
        struct netif *lw = ip4_route_src(ip_2_ip4(&pcb->local_ip), ip_2_ip4(&pcb->remote_ip));
        const struct nsif *n = lw && lw->linkoutput == nsif_linkoutput ? lw->state : NULL;
        link = n && n->tso_large && pcb->mss <= TCP_MSS ? pcb->mss : NSIF_NO_LARGE;
        if (link != NSIF_NO_LARGE && link > n->mtu - NSIF_IP_TCP_HLEN)
            link = (u16_t)(n->mtu - NSIF_IP_TCP_HLEN);
        tcp_ext_arg_set(pcb, nsif_ext_id, (void *)(uintptr_t)link);
        if (link == NSIF_NO_LARGE)
            return;
    } else {
        tcpwnd_size_t last = (tcpwnd_size_t)(v >> 16);
        if (pcb->mss > link && !(pcb->flags & TF_INFR) && last >= pcb->ssthresh &&
            pcb->cwnd == last + pcb->mss)
            pcb->cwnd = last + link;
    }
    tcpwnd_size_t segs = pcb->cwnd / link;
    segs = segs < 1 ? 1 : segs > NSIF_TSO_SEGS ? NSIF_TSO_SEGS : segs;
    if (segs * link > pcb->mss)
        pcb->mss = (u16_t)(segs * link);
    tcp_ext_arg_set(pcb, nsif_ext_id, (void *)((uintptr_t)pcb->cwnd << 16 | link));
}

void nsif_init_tcp(void)
{
    nsif_ext_id = tcp_ext_arg_alloc_id();
    lwport_tcp_input_hook = nsif_tcp_input;
}

// IPv4 out of this netif: link-sized, or a large TCP segment for the NIC to
// cut; anything else larger than the link is cut into fragments here, at the
// link's MTU (ip4_frag sends each back through this function).
static err_t nsif_output(struct netif *lw, struct pbuf *p, const ip4_addr_t *dst)
{
    struct nsif *n = lw->state;
    const uint8_t *ip = p->payload;
    if (p->tot_len <= n->mtu ||
        (n->tso_large && p->len >= IP_HLEN && ip[0] == 0x45 && ip[9] == IP_PROTO_TCP))
        return etharp_output(lw, p, dst);
    u16_t mtu = lw->mtu;
    lw->mtu = n->mtu;
    err_t e = ip4_frag(p, lw, dst);
    lw->mtu = mtu;
    return e;
}

static err_t nsif_linkoutput(struct netif *lw, struct pbuf *p)
{
    struct nsif *n = lw->state;
    if (p->tot_len > n->mtu + SIZEOF_ETH_HDR) { // a large TCP segment (nsif_output)
        uint8_t hdr[NSGSO_HDR_MAX];
        uint16_t hlen, gso;
        u16_t have = pbuf_copy_partial(p, hdr, sizeof(hdr), 0);
        if (!nsif_large_tcp(n, hdr, have, &hlen, &gso))
            return ERR_VAL;
        return nsring_tx_tso(n->idx, p->tot_len, hlen, gso, nsif_copy_out, p) ? ERR_OK : ERR_MEM;
    }
    if (n->tx_csum) { // a TCP segment may join the TSO frame queued before it
        uint8_t hdr[NSGSO_HDR_MAX];
        u16_t have = pbuf_copy_partial(p, hdr, sizeof(hdr), 0);
        if (nsring_tx_join(n->idx, hdr, have, p->tot_len, nsif_copy_out, p))
            return ERR_OK;
    }
    uint8_t *d = nsring_tx_begin(n->idx, p->tot_len);
    uint16_t start, off;
    if (!d)
        return ERR_MEM;
    pbuf_copy_partial(p, d, p->tot_len, 0);
    nsif_tx_csum(n, d, p->tot_len, &start, &off);
    nsring_tx_commit(n->idx, p->tot_len, start, off);
    return ERR_OK;
}

static err_t nsif_init(struct netif *lw)
{
    struct nsif *n = lw->state;
    lw->name[0] = 'e';
    lw->name[1] = (char)('0' + n->idx);
    lw->output = nsif_output;
    lw->linkoutput = nsif_linkoutput;
    lw->mtu = n->mtu = NSIF_MTU_DEFAULT;
    lw->hwaddr_len = ETH_HWADDR_LEN;
    lw->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

// lwIP frees a pbuf over a lent buffer: the buffer goes back to rx.free.
static void nsif_rx_free(struct pbuf *p)
{
    struct nsif_rxbuf *b = (struct nsif_rxbuf *)p;
    struct nsif *n = b->n;
    nsring_rx_return(n->idx, b->off);
    n->free[n->nfree++] = b;
    n->lent--;
}

// The frame as a chain of pbufs over its ring buffers (no copy).
static struct pbuf *nsif_rx_ref(struct nsif *n, const struct nsring_frame *f)
{
    struct pbuf *head = NULL;
    for (uint32_t k = 0; k < f->nsegs; k++) {
        struct nsif_rxbuf *b = n->free[--n->nfree];
        b->n = n;
        b->off = f->seg[k].off;
        b->pc.custom_free_function = nsif_rx_free;
        u16_t len = (u16_t)f->seg[k].len;
        struct pbuf *q = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &b->pc, f->seg[k].data, len);
        n->lent++;
        if (head)
            pbuf_cat(head, q);
        else
            head = q;
    }
    n->lent_max = n->lent > n->lent_max ? n->lent : n->lent_max;
    nsring_count(n->idx, NSRING_C_rx_zero_copy, 1);
    return head;
}

// The frame copied into pool pbufs: its ring buffers go back at once.
static struct pbuf *nsif_rx_copy(struct nsif *n, const struct nsring_frame *f)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)f->len, PBUF_POOL);
    if (!p)
        return NULL;
    for (uint32_t k = 0, at = 0; k < f->nsegs; at += f->seg[k++].len)
        pbuf_take_at(p, f->seg[k].data, (u16_t)f->seg[k].len, (u16_t)at);
    nsring_count(n->idx, NSRING_C_rx_copied, 1);
    nsring_count(n->idx, NSRING_C_rx_copied_bytes, f->len);
    return p;
}

// A received frame (nsring_frame_fn): true if lwIP now holds its buffers.
static bool nsif_input(void *ctx, const struct nsring_frame *f)
{
    struct nsif *n = ctx;
    if (!n->added || f->len == 0)
        goto drop;
    struct nscsum_seg segs[NSRING_MAX_SEGS];
    enum nscsum_rx c =
        nscsum_rx_class(f->seg[0].data, f->seg[0].len, f->flags, f->csum_start, f->csum_offset);
    if (c == NSCSUM_RX_COMPLETE) {
        for (uint32_t k = 0; k < f->nsegs; k++)
            segs[k] = (struct nscsum_seg){f->seg[k].data, f->seg[k].len};
        if (!nscsum_complete(segs, f->nsegs, f->csum_start, f->csum_offset))
            goto drop;
        nsring_count(n->idx, NSRING_C_rx_csum_done, 1);
    }
    bool lend = n->lent + f->nsegs <= nsring_lend_max(n->idx) && n->nfree >= f->nsegs;
    struct pbuf *p = lend ? nsif_rx_ref(n, f) : nsif_rx_copy(n, f);
    if (!p)
        goto drop;
    // Checks are per netif in lwIP, and input runs to completion here (NO_SYS,
    // one thread), so turning the L4 check off around this one call is a
    // per-frame decision. Fragments are never trusted (nscsum_rx_class), so a
    // datagram reassembled during the call was checked as a whole.
    if (c == NSCSUM_RX_TRUSTED) {
        NETIF_SET_CHECKSUM_CTRL(&n->lw, n->csum_flags & ~NSIF_CHECK_L4);
        nsring_count(n->idx, NSRING_C_rx_csum_trusted, 1);
    }
    if (n->lw.input(p, &n->lw) != ERR_OK)
        pbuf_free(p); // a lent buffer goes back through nsif_rx_free
    NETIF_SET_CHECKSUM_CTRL(&n->lw, n->csum_flags);
    return lend;
drop:
    nsring_count(n->idx, NSRING_C_rx_drops, 1);
    return false;
}

// Checksum generation follows the NIC's transmit offload; checks stay on.
static void nsif_set_caps(struct nsif *n, bool tx_csum)
{
    n->tx_csum = tx_csum;
    n->csum_flags = NETIF_CHECKSUM_ENABLE_ALL;
    if (tx_csum)
        n->csum_flags &= (u16_t)~NSIF_GEN_L4;
    NETIF_SET_CHECKSUM_CTRL(&n->lw, n->csum_flags);
}

static void nsif_add(struct nsif *n)
{
    ip4_addr_t gw, ip = n->ip, mask = n->mask;
    ip4_addr_set_zero(&gw);
    if (n->dhcp) {
        ip4_addr_set_zero(&ip);
        ip4_addr_set_zero(&mask);
    }
    for (uint32_t k = 0; k < NSIF_LEND_CAP; k++)
        n->free[k] = &n->bufs[k];
    n->nfree = NSIF_LEND_CAP;
    if (!netif_add(&n->lw, &ip, &mask, &gw, n, nsif_init, ethernet_input))
        return;
    n->added = true;
    netif_set_up(&n->lw);
    if (n->dhcp && dhcp_start(&n->lw) != ERR_OK)
        rw_printf("netstack: %s: DHCP did not start\n", n->name);
}

// Adds the netif the first time the driver is up, then tracks its state.
static void nsif_track(struct nsif *n)
{
    struct nsring_link l;
    bool up = nsring_driver_up(n->idx, &l);
    if (up && !n->added)
        nsif_add(n);
    if (!n->added)
        return;
    if (up && (l.restarts != n->restarts || !n->up)) {
        memcpy(n->lw.hwaddr, l.mac, ETH_HWADDR_LEN);
        n->mtu = l.mtu;
        n->tso_large = l.tso && l.mtu >= TCP_MSS + NSIF_IP_TCP_HLEN;
        n->lw.mtu = n->tso_large ? NSIF_MTU_LARGE : l.mtu;
        nsif_set_caps(n, l.tx_csum);
        n->restarts = l.restarts;
    }
    if (up != n->up) {
        if (up)
            netif_set_link_up(&n->lw);
        else
            netif_set_link_down(&n->lw);
    }
    n->up = up;
}

// Reports a new DHCP lease (or its loss) on the log and to the router.
static void nsif_lease(struct nsif *n)
{
    if (!n->dhcp || !n->added)
        return;
    uint32_t a = dhcp_supplied_address(&n->lw) ? ip4_addr_get_u32(netif_ip4_addr(&n->lw)) : 0;
    if (a == n->leased)
        return;
    n->leased = a;
    uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&n->lw))), prefix = 0;
    while (prefix < 32 && (mask & (0x80000000u >> prefix)))
        prefix++;
    char ip[16];
    ip4addr_ntoa_r(netif_ip4_addr(&n->lw), ip, sizeof(ip));
    if (a) {
        rw_printf("netstack: %s: DHCP lease %s/%u\n", n->name, ip, prefix);
        nsring_count(n->idx, NSRING_C_dhcp_leases, 1);
    } else {
        rw_printf("netstack: %s: DHCP lease lost\n", n->name);
    }
    nsring_publish_addr(n->idx, lwip_ntohl(a), a ? prefix : 0);
}

uint32_t nsif_poll(struct nsif *n)
{
    if (!nsring_attach(n->idx))
        return 0;
    nsif_track(n);
    nsif_lease(n);
    return nsring_receive(n->idx, nsif_input, n);
}

void nsif_publish(struct nsif *n)
{
    nsring_gauge(n->idx, NSRING_C_rx_lent, n->lent);
    nsring_gauge(n->idx, NSRING_C_rx_lent_max, n->lent_max);
    nsring_publish_counters(n->idx);
}
