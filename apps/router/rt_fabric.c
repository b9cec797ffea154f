// SPDX-License-Identifier: MIT
// Router instances and the fabric between them (shm/fabric.h). Each
// interface is owned by one instance (its args, rt_own.h); an instance that
// receives a frame whose egress interface another instance owns filters it
// in, routes it, decrements its TTL and hands it to the owner through the
// fabric ring between the two, naming the buffers of its own pool (zero
// copy); the owner filters it out, resolves the next hop and sends it, and
// its NIC's finished buffers go back to their instance through the fabric.
// A reject the owner answers travels back as a complete frame built in its
// own buffers, sent as is by the ingress instance. Without a "fabric" region
// there is one instance and nothing here runs.
// Not here: the forwarding decisions themselves (rt_fwd.c), set-up of the
// interfaces (router.c).
#include "apps/router/router.h"
#include "apps/router/rt_own.h"
#include "lib/comp.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "net/fw/fw_icmp.h"
#include "servers/init/config.h"

#define ETH_HLEN 14u

// ---- set-up ---------------------------------------------------------------

static const struct config_region *find_region(const struct config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->nregions; i++) {
        if (strcmp(cfg->regions[i].name, name) == 0)
            return &cfg->regions[i];
    }
    return 0;
}

// Marks the interfaces instance inst owns, from its component's args.
static int own_of(struct router *r, const struct config *cfg, const char *const *names, unsigned n,
                  unsigned inst, const struct config_component *c)
{
    uint32_t mask;
    char bad[RT_OWN_NAME_MAX];
    if (rt_own_parse(c->args, names, n, &mask, bad, sizeof(bad)) != RT_OWN_OK) {
        rw_printf("%s: %s args: '%s' is not an interface\n", r->ci->name, c->name, bad);
        return RW_EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!(mask & (1u << i)))
            continue;
        if (r->ifs[i].owner != 0xff) {
            rw_printf("%s: interface %s owned by two router instances\n", r->ci->name, names[i]);
            return RW_EINVAL;
        }
        r->ifs[i].owner = (uint8_t)inst;
    }
    (void)cfg;
    return RW_OK;
}

// Attaches the two rings with one peer and finds the channel to it.
static int peer_setup(struct router *r, unsigned j, const char *name)
{
    struct rt_peer *p = &r->peers[j];
    uint8_t *base = (uint8_t *)r->fab;
    memcpy(p->name, name, strnlen(name, COMP_NAME_MAX - 1) + 1);
    p->chan = comp_channel(r->ci, name, COMP_CHAN_OUT);
    if (!p->chan) {
        rw_printf("%s: no channel '%s.%s -> %s'\n", r->ci->name, r->ci->name, name, name);
        return RW_ENOENT;
    }
    uint32_t s = r->fab_l.slots;
    if (ring_attach(&p->tx, base + fabric_ring_off(&r->fab_l, r->self, j), s, RING_PRODUCER) ==
            RING_EINVAL ||
        ring_attach(&p->rx, base + fabric_ring_off(&r->fab_l, j, r->self), s, RING_CONSUMER) ==
            RING_EINVAL)
        return RW_EINVAL;
    p->out = (struct rt_out){.h = &p->tx};
    // Acquire: pairs with the peer's release of its generation.
    p->gen = atomic_load_explicit(&r->fab->gen[j], memory_order_acquire);
    p->ok = true;
    return RW_OK;
}

// The fabric region's map= list names the instances, in order.
static int fabric_setup(struct router *r, const struct config *cfg, const char *const *names,
                        unsigned n, const struct config_region *fr)
{
    const struct comp_region *m = comp_region(r->ci, "fabric");
    r->ninst = fr->nmaps;
    r->self = FABRIC_MAX_INST;
    if (r->ninst > FABRIC_MAX_INST || !m || m->read_only ||
        !fabric_layout(m->size, r->ninst, &r->fab_l)) {
        rw_printf("%s: region fabric: not mapped, or too small for %u instances\n", r->ci->name,
                  r->ninst);
        return RW_EINVAL;
    }
    r->fab = (struct fabric_header *)m->va;
    struct fabric_spares *sp = (struct fabric_spares *)(m->va + FABRIC_PAGE);
    for (unsigned i = 0; i < n && i < FABRIC_IF_MAX; i++)
        r->ifs[i].spare_map = sp->map[i];
    for (unsigned i = 0; i < r->ninst; i++) {
        const struct config_component *c = &cfg->components[fr->maps[i].index];
        if (strcmp(c->name, r->ci->name) == 0)
            r->self = i;
        if (own_of(r, cfg, names, n, i, c) != RW_OK)
            return RW_EINVAL;
    }
    if (r->self >= r->ninst) {
        rw_printf("%s: not in the fabric region's map= list\n", r->ci->name);
        return RW_EINVAL;
    }
    for (unsigned j = 0; j < r->ninst; j++) {
        if (j != r->self && peer_setup(r, j, cfg->components[fr->maps[j].index].name) != RW_OK)
            return RW_EINVAL;
    }
    uint32_t g = atomic_load_explicit(&r->fab->gen[r->self], memory_order_relaxed) + 1;
    // Release: pairs with the peers' acquire in rt_fab_tick (we are back).
    atomic_store_explicit(&r->fab->gen[r->self], g, memory_order_release);
    return RW_OK;
}

// Decides which instance owns each interface, before the interfaces are set
// up: without a fabric region we are the only instance and own what our
// args say (everything without if=); with one, every instance's args count.
int rt_fab_setup(struct router *r, const struct config *cfg)
{
    const char *names[RT_IF_MAX];
    unsigned n = cfg->ninterfaces < RT_IF_MAX ? cfg->ninterfaces : RT_IF_MAX;
    for (unsigned i = 0; i < n; i++) {
        names[i] = cfg->interfaces[i].name;
        r->ifs[i].owner = 0xff;
    }
    const struct config_region *fr = find_region(cfg, "fabric");
    int st;
    if (!fr) {
        r->ninst = 1;
        r->self = 0;
        const struct config_component *me = 0;
        for (uint32_t i = 0; i < cfg->ncomponents; i++)
            me = strcmp(cfg->components[i].name, r->ci->name) == 0 ? &cfg->components[i] : me;
        st = me ? own_of(r, cfg, names, n, 0, me) : RW_ENOENT;
    } else {
        st = fabric_setup(r, cfg, names, n, fr);
    }
    for (unsigned i = 0; i < n && st == RW_OK; i++) {
        r->ifs[i].own = r->ifs[i].owner == r->self;
        if (r->ifs[i].owner == 0xff)
            rw_printf("%s: interface %s has no router instance\n", r->ci->name, names[i]);
    }
    if (st == RW_OK && r->ninst > 1)
        rw_printf("%s: instance %u of %u, fabric rings of %u slots\n", r->ci->name, r->self,
                  r->ninst, r->fab_l.slots);
    return st;
}

// Our predecessor's spares of f, from the fabric's map (none on a first
// start: the region arrives zeroed). Returns how many.
uint32_t rt_fab_spares_back(struct rt_if *f)
{
    uint32_t n = 0;
    if (!f->spare_map)
        return 0;
    for (uint32_t i = 0; i < FABRIC_MAP_BUFS; i++) {
        if (!(f->spare_map[i / 64] & (1ull << (i % 64))))
            continue;
        if (i < f->nic.l.nbufs && f->nspare < NETIF_MAX_BUFS) {
            f->spare[f->nspare++] = (uint64_t)i * NETIF_BUF_SIZE;
            n++;
        } else {
            f->spare_map[i / 64] &= ~(1ull << (i % 64)); // not a buffer of this pool
        }
    }
    return n;
}

// ---- sending --------------------------------------------------------------

static struct rt_peer *owner_peer(struct router *r, const struct rt_if *f)
{
    if (f->owner >= r->ninst || f->owner == r->self || !r->peers[f->owner].ok)
        return 0;
    return &r->peers[f->owner];
}

bool rt_fab_forward(struct router *r, struct rt_if *in, struct rt_if *out, uint32_t next_hop,
                    const struct ring_desc *d, uint32_t k)
{
    struct rt_peer *p = owner_peer(r, out);
    if (!p || !rt_out_room(&p->out, k, &p->errors)) {
        in->cnt.fabric_drops++;
        return false;
    }
    // We hold the buffer: the peer reads this after the ring's acquire.
    netif_buf_hdr(&in->nic, netif_desc_off(d[0].offset))->reserved = next_hop;
    uint32_t oi = (uint32_t)(out - r->ifs);
    for (uint32_t j = 0; j < k; j++)
        rt_out_put(&p->out, netif_desc_make(in->nic_id, netif_desc_off(d[j].offset)), d[j].len,
                   fabric_flags_make(FABRIC_FWD, oi, d[j].flags));
    p->lent += k;
    in->cnt.fabric_out++;
    return true;
}

// A buffer of home's pool (owned by a peer) goes back to that peer.
void rt_fab_return(struct router *r, struct rt_if *home, uint64_t off)
{
    struct rt_peer *p = owner_peer(r, home);
    if (!p || !rt_out_room(&p->out, 1, &p->errors)) {
        home->cnt.fabric_drops++; // lost to its pool: counted, never reused
        return;
    }
    rt_out_put(&p->out, netif_desc_make(home->nic_id, off), 0,
               fabric_flags_make(FABRIC_RETURN, 0, 0));
}

// A reject for a packet in came in on (a peer's interface), built in out's
// buffers (ours) and sent through the peer as a complete frame.
void rt_fab_reject(struct router *r, struct rt_if *in, struct rt_if *out, const uint8_t *eth,
                   const struct fw_pkt *p)
{
    struct rt_peer *peer = owner_peer(r, in);
    uint64_t off;
    uint8_t *b = peer && in->view_ok ? rt_reply_buffer(r, out, &off) : 0;
    if (!b)
        return;
    size_t cap = NETIF_BUF_SIZE - NETIF_DATA_OFF - ETH_HLEN;
    int n = fw_build_reject(p, in->addr, b + ETH_HLEN, cap);
    if (n <= 0 || !rt_out_room(&peer->out, 1, &peer->errors)) {
        rt_spare_put(out, off);
        return;
    }
    memcpy(b, eth + 6, 6); // back to the previous hop, from the peer's interface
    memcpy(b + 6, in->nic.hdr->mac, 6);
    b[12] = 0x08;
    b[13] = 0x00;
    uint32_t len = ETH_HLEN + (uint32_t)n < 60 ? 60 : ETH_HLEN + (uint32_t)n;
    rt_out_put(&peer->out, netif_desc_make(out->nic_id, off), len,
               fabric_flags_make(FABRIC_XMIT, (uint32_t)(in - r->ifs), 0));
    peer->lent++;
    out->cnt.icmp_sent++;
}

// ---- receiving ------------------------------------------------------------

// The interface whose pool a fabric descriptor names, if off is a buffer of it.
static struct rt_if *pool_if(struct router *r, uint64_t offset, uint32_t len)
{
    uint32_t id = netif_desc_pool(offset);
    for (unsigned i = 0; i < r->nifs; i++) {
        struct rt_if *f = &r->ifs[i];
        if (f->nic_id == id && (f->nic_ok || f->view_ok) &&
            pool_desc_ok(&f->nic.pool, netif_desc_off(offset), len))
            return f;
    }
    return 0;
}

// True if f names the pool of an interface we have not mapped and cannot
// map now: the frame waits in the ring. A peer may hand us a frame from a
// pool before our next tick has mapped it, so we try at once.
static bool pool_unready(struct router *r, const struct ring_desc *f)
{
    uint32_t id = netif_desc_pool(f->offset);
    for (unsigned i = 0; i < r->nifs; i++) {
        struct rt_if *x = &r->ifs[i];
        if (x->nic_id == id)
            return !x->nic_ok && !x->view_ok && !rt_if_attach(r, x);
    }
    return false;
}

// One of our buffers back from a peer: a spare if we run short, else rx.free.
static void took_back(struct rt_peer *p, struct rt_if *home, uint64_t off)
{
    if (p->lent)
        p->lent--;
    if (home->nspare < RT_SPARE_LOW && home->nspare < home->nic.l.nbufs)
        rt_spare_put(home, off);
    else if (rt_out_room(&home->rxfree, 1, &home->cnt.ring_errors))
        rt_out_put(&home->rxfree, off, 0, 0);
}

// A frame (FWD or XMIT) whose descriptors all name buffers of home, a pool
// of the peer: into plain netif descriptors. False if one does not.
static bool plain(struct router *r, const struct ring_desc *f, uint32_t k, struct rt_if **home,
                  struct ring_desc *d)
{
    *home = pool_if(r, f[0].offset, f[0].len);
    for (uint32_t j = 0; j < k; j++) {
        if (!*home || pool_if(r, f[j].offset, f[j].len) != *home ||
            fabric_flags_kind(f[j].flags) != fabric_flags_kind(f[0].flags))
            return false;
        d[j] = (struct ring_desc){netif_desc_off(f[j].offset), f[j].len,
                                  fabric_flags_frame(f[j].flags)};
    }
    return true;
}

static void xmit(struct router *r, struct rt_if *home, struct rt_if *out, const struct ring_desc *d,
                 uint32_t k)
{
    if (!rt_out_room(&out->tx, k, &out->cnt.ring_errors)) {
        out->cnt.tx_full++;
        rt_recycle(r, home, d, k);
        return;
    }
    for (uint32_t j = 0; j < k; j++)
        rt_out_put(&out->tx, netif_desc_make(home->nic_id, d[j].offset), d[j].len, d[j].flags);
    out->cnt.fabric_in++;
}

// One frame from peer p (k descriptors at f). Anything inconsistent is
// counted; its buffers go back if they are at least the peer's.
static void frame_in(struct router *r, struct rt_peer *p, const struct ring_desc *f, uint32_t k)
{
    struct ring_desc d[NETIF_MAX_SEGS];
    struct rt_if *home;
    enum fabric_kind kind = fabric_flags_kind(f[0].flags);
    uint32_t oi = fabric_flags_ifindex(f[0].flags);
    bool ok = plain(r, f, k, &home, d);
    if (ok && kind == FABRIC_RETURN && home->own) {
        for (uint32_t j = 0; j < k; j++)
            took_back(p, home, d[j].offset);
        return;
    }
    struct rt_if *out = oi < r->nifs ? &r->ifs[oi] : 0;
    bool theirs = ok && !home->own && home->owner == (uint8_t)(p - r->peers);
    if (theirs && out && out->own && out->nic_ok && kind == FABRIC_FWD) {
        struct netif_buf_hdr bh;
        uint8_t *eth = netif_pool_data(&home->nic.pool, d[0].offset, d[0].len, &bh);
        if (eth && d[0].len >= ETH_HLEN) {
            rt_fwd_out(r, home, out, eth, d, k, bh.reserved);
            return;
        }
    } else if (theirs && out && out->own && out->nic_ok && kind == FABRIC_XMIT) {
        xmit(r, home, out, d, k);
        return;
    }
    p->errors++;
    if (theirs)
        rt_recycle(r, home, d, k);
}

// Descriptors in the frame at f[0]; 0 if it is not all there yet.
static uint32_t frame_len(const struct ring_desc *f, uint32_t n)
{
    for (uint32_t j = 0; j < n && j < NETIF_MAX_SEGS; j++) {
        if (!fabric_flags_ok(f[j].flags))
            return j + 1; // cut here: frame_in refuses it
        if (!(f[j].flags & NETIF_F_MORE))
            return j + 1;
    }
    return n >= NETIF_MAX_SEGS ? NETIF_MAX_SEGS : 0;
}

uint32_t rt_fab_input(struct router *r)
{
    uint32_t work = 0;
    for (unsigned j = 0; j < r->ninst; j++) {
        struct rt_peer *p = &r->peers[j];
        struct ring_desc f[RT_BATCH];
        if (j == r->self || !p->ok)
            continue;
        uint32_t n = ring_peek_batch(&p->rx, f, RT_BATCH), i = 0;
        p->stalled = false;
        while (i < n) {
            uint32_t k = frame_len(f + i, n - i);
            if (k != 0 && pool_unready(r, f + i))
                p->stalled = true;
            if (k == 0 || p->stalled)
                break;
            frame_in(r, p, f + i, k);
            i += k;
        }
        if (i)
            ring_publish_tail(&p->rx, i);
        work += i;
    }
    return work;
}

// ---- signals and generations ------------------------------------------------

void rt_fab_flush(struct router *r)
{
    for (unsigned j = 0; j < r->ninst; j++) {
        struct rt_peer *p = &r->peers[j];
        if (j == r->self || !p->ok || p->out.n == 0)
            continue;
        rt_out_flush(&p->out, &p->errors);
        if (ring_producer_should_signal(&p->tx))
            comp_signal(p->chan);
    }
}

// Idle: ask every peer for a signal, then re-check. True if work arrived.
// A stalled ring is not work: its frame waits for a tick (or the peer's
// next signal) to map the pool, instead of a loop that never ticks.
bool rt_fab_arm(struct router *r)
{
    bool more = false;
    for (unsigned j = 0; j < r->ninst; j++) {
        struct rt_peer *p = &r->peers[j];
        if (j == r->self || !p->ok)
            continue;
        if (!ring_consumer_request_signal(&p->rx) && !p->stalled) {
            ring_consumer_cancel_signal(&p->rx);
            more = true;
        }
    }
    return more;
}

// A peer that restarted: what we had lent it is counted as lost (what its
// NIC still sends comes back and is counted again as returned), and it is
// signalled so that it looks at its rings at once.
void rt_fab_tick(struct router *r)
{
    for (unsigned j = 0; j < r->ninst; j++) {
        struct rt_peer *p = &r->peers[j];
        if (j == r->self || !p->ok)
            continue;
        // Acquire: pairs with the peer's release when it started.
        uint32_t g = atomic_load_explicit(&r->fab->gen[j], memory_order_acquire);
        if (g == p->gen)
            continue;
        bool first = p->gen == 0; // it started after we read its word: no restart
        p->gen = g;
        if (first)
            continue;
        p->restarts++;
        p->lost += p->lent;
        rw_printf("%s: %s restarted, %llu of our buffers were in its hands\n", r->ci->name, p->name,
                  (unsigned long long)p->lent);
        p->lent = 0;
        comp_signal(p->chan);
    }
}
