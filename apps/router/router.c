// SPDX-License-Identifier: MIT
// The router component: reads the appliance configuration (the read-only
// "ringwall.conf" region every component has) for its interfaces, routes and
// firewall lines; attaches to each interface's NIC region (the region named
// like the interface) as its client and to "<interface>-up", the region of
// the network stack, as its driver; then runs the usual loop: wait, move
// frames until there is no work left, re-arm, sleep. A tick every 100 ms
// retries ARP and expires connection states. Channels: "router.<if> ->
// <driver>" and "router.<if>-up -> netstack" are the ones it signals; any
// incoming bit just means "look at every ring".
// Not here: the data path (rt_fwd.c), ARP (rt_arp.c), console commands (rt_cmd.c).
#include "apps/router/router.h"
#include "apps/router/rt_cmd.h"
#include "kernel/uapi/syscall.h"
#include "lib/comp.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "servers/init/config.h"

#define CONTROL_EVERY 64 // busy rounds between heartbeats

static struct router router;
static struct config cfg;
static struct fw_state states[RT_STATES];
static uint32_t buckets[RT_STATES];
static struct fw_line lines[CONFIG_MAX_RULES];
static struct config_rule staged[CONFIG_MAX_RULES]; // the console's `load`, line by line
static uint32_t nstaged;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

// Compiles rules into the ruleset the data path is not using and publishes it.
static int rules_publish(struct router *r, const struct config_rule *rules, uint32_t nrules,
                         char *err, uint32_t errcap)
{
    unsigned n = 0, next = r->live ^ 1;
    for (uint32_t i = 0; i < nrules; i++) {
        const struct config_rule *c = &rules[i];
        lines[n++] = (struct fw_line){c->text, c->line,
                                      c->kind == CONFIG_RULE_NAT ? FW_LINE_NAT : FW_LINE_RULE};
    }
    struct fw_ifnames ifs = {r->ifnames, r->nifs};
    struct fw_error e;
    if (fw_rules_compile(lines, n, &ifs, &r->rulesets[next], r->counters[next], &e) != FW_OK) {
        fmt_snprintf(err, errcap, "%s", e.msg);
        return -1;
    }
    struct fw_ruleset *old;
    uint64_t epoch;
    if (fw_publish(&r->fw, &r->rulesets[next], &old, &epoch) != FW_OK) {
        fmt_snprintf(err, errcap, "the new ruleset was refused");
        return -1;
    }
    // One thread runs both the data path and this: no packet is in flight
    // with the old ruleset, which may be rebuilt by the next reload.
    r->live = next;
    return 0;
}

int rt_rules_load(struct router *r, char *err, uint32_t errcap)
{
    return rules_publish(r, cfg.rules, cfg.nrules, err, errcap);
}

void rt_rules_stage_clear(struct router *r)
{
    (void)r;
    nstaged = 0;
}

int rt_rules_stage(struct router *r, bool nat, uint32_t line, const char *text)
{
    (void)r;
    size_t len = strlen(text);
    if (nstaged == CONFIG_MAX_RULES || len >= CONFIG_RULE_MAX)
        return -1;
    struct config_rule *c = &staged[nstaged++];
    c->line = line;
    c->kind = nat ? CONFIG_RULE_NAT : CONFIG_RULE_FILTER;
    memcpy(c->text, text, len + 1);
    return 0;
}

int rt_rules_commit(struct router *r, char *err, uint32_t errcap)
{
    if (rules_publish(r, staged, nstaged, err, errcap) != 0)
        return -1;
    memcpy(cfg.rules, staged, sizeof(staged[0]) * nstaged);
    cfg.nrules = nstaged;
    return 0;
}

static int load_config(struct router *r)
{
    const struct comp_region *c = comp_region(r->ci, COMP_CONFIG_NAME);
    struct config_error err;
    const struct kinfo *k = (const struct kinfo *)USER_KINFO_VA;
    if (!c)
        return RW_ENOENT;
    if (config_parse((const char *)c->va, c->size, k->ncpus, &cfg, &err) != CONFIG_OK) {
        rw_printf("%s: ringwall.conf: %s\n", r->ci->name, err.msg);
        return RW_EINVAL;
    }
    return RW_OK;
}

// One interface from its configuration line: regions, channels, routes.
static int add_interface(struct router *r, const struct config_interface *ci)
{
    struct rt_if *f = &r->ifs[r->nifs];
    char up[COMP_NAME_MAX];
    memcpy(f->name, ci->name, sizeof(f->name));
    fmt_snprintf(up, sizeof(up), "%s-up", ci->name);
    const struct comp_region *nic = comp_region(r->ci, ci->name), *st = comp_region(r->ci, up);
    f->nic_chan = comp_channel(r->ci, ci->name, COMP_CHAN_OUT);
    f->up_chan = comp_channel(r->ci, up, COMP_CHAN_OUT);
    if (!f->own)
        st = 0; // another instance is the stack's driver there
    if (!nic || nic->read_only || (f->own && !f->nic_chan)) {
        rw_printf("%s: interface %s: no region or channel '%s'\n", r->ci->name, ci->name, ci->name);
        return RW_ENOENT;
    }
    f->nic_base = (void *)nic->va;
    f->nic_size = nic->size;
    f->nic_id = nic->id;
    if (st && !st->read_only && f->up_chan && netif_format((void *)st->va, st->size)) {
        f->up_base = (void *)st->va;
        f->up_size = st->size;
        f->up_id = st->id;
    }
    f->addr = ci->addr; // 0 with dhcp until the stack leases one (dhcp_addr)
    f->prefix = ci->prefix;
    f->dhcp = ci->dhcp;
    f->mtu = ci->mtu;
    r->ifnames[r->nifs] = f->name;
    fw_set_if_addr(&r->fw, r->nifs, f->addr);
    if (f->addr)
        fw_route_add_connected(&r->routes, f->addr, f->prefix, r->nifs);
    r->nifs++;
    return RW_OK;
}

static int setup(struct router *r)
{
    uint64_t seed = rdtsc();
    fw_route_init(&r->routes);
    fw_init(&r->fw, states, RT_STATES, buckets, RT_STATES, seed * 0x9e3779b97f4a7c15ull,
            seed ^ 0x52696e6757616c6cull);
    if (rt_fab_setup(r, &cfg) != RW_OK)
        return RW_EINVAL;
    for (uint32_t i = 0; i < cfg.ninterfaces && r->nifs < RT_IF_MAX; i++) {
        if (add_interface(r, &cfg.interfaces[i]) != RW_OK)
            return RW_EINVAL;
    }
    for (uint32_t i = 0; i < cfg.nroutes; i++) {
        const struct config_route *c = &cfg.routes[i];
        struct fw_nexthop nh = {0};
        unsigned dev = c->dev_index;
        if (dev == CONFIG_NONE && fw_route_lookup(&r->routes, c->via, &nh) == FW_ROUTE_OK)
            dev = nh.ifindex; // "via" alone: the interface that reaches the gateway
        if (dev >= r->nifs || fw_route_add(&r->routes, c->dest, c->prefix, c->via, dev) != 0) {
            rw_printf("%s: route on line %u cannot be installed\n", r->ci->name, c->line);
            return RW_EINVAL;
        }
    }
    char err[128];
    if (rt_rules_load(r, err, sizeof(err)) != 0) {
        rw_printf("%s: ringwall.conf: %s\n", r->ci->name, err);
        return RW_EINVAL;
    }
    return RW_OK;
}

static void out_init(struct rt_out *o, struct ring_handle *h)
{
    o->h = h;
    o->n = 0;
}

// Publishes the NIC's state in the stack's region, the way a driver does.
static void up_state(struct rt_if *f)
{
    struct netif_header *h = f->up.hdr, *n = f->nic.hdr;
    memcpy(h->mac, f->mac, 6);
    h->mtu = (uint16_t)f->mtu;
    h->caps = (n->caps &
               (NETIF_CAP_TX_CSUM | NETIF_CAP_TX_TSO4 | NETIF_CAP_RX_CSUM | NETIF_CAP_RX_GSO4)) |
              NETIF_CAP_CLIENT_RESET;
    atomic_store_explicit(&h->link_up, atomic_load_explicit(&n->link_up, memory_order_relaxed),
                          memory_order_relaxed);
    // Release: mac, mtu and caps are visible to whoever acquires the state.
    atomic_store_explicit(&h->drv_state, NETIF_DRV_UP, memory_order_release);
}

static const char *const rt_counter_names[] = {
#define RT_X_NAME(n) #n,
    RT_IF_COUNTERS(RT_X_NAME)
#undef RT_X_NAME
};
#define RT_NCOUNTERS (sizeof(rt_counter_names) / sizeof(rt_counter_names[0]))
_Static_assert(RT_NCOUNTERS <= NETIF_APP_COUNTERS, "router counters fit the client page");

// Names the router's counters on the NIC region's client page, once.
static void name_counters(struct rt_if *f)
{
    for (unsigned i = 0; i < RT_NCOUNTERS; i++)
        memcpy(f->nic.app->c[i].name, rt_counter_names[i], strnlen(rt_counter_names[i], 23) + 1);
    // Release: the names are written before a reader acquires the count.
    __atomic_store_n(&f->nic.app->count, RT_NCOUNTERS, __ATOMIC_RELEASE);
}

// Another instance's interface: its pool only, to read and write the
// buffers that instance hands us and to name ours to its driver.
static bool try_view(struct router *r, struct rt_if *f)
{
    if (!netif_ready(f->nic_base) ||
        netif_attach(&f->nic, f->nic_base, f->nic_size, NETIF_CLIENT) == RING_EINVAL)
        return false;
    f->view_ok = true;
    rw_printf("%s: %s mapped for its buffers (owned by %s)\n", r->ci->name, f->name,
              r->peers[f->owner < r->ninst ? f->owner : 0].name);
    return true;
}

// Attaches an interface once its driver has formatted the region and is up.
bool rt_if_attach(struct router *r, struct rt_if *f)
{
    if (!f->own)
        return f->view_ok || try_view(r, f);
    if (!f->nic_ok) {
        if (!netif_ready(f->nic_base) ||
            atomic_load_explicit(&((struct netif_header *)f->nic_base)->drv_state,
                                 memory_order_acquire) != NETIF_DRV_UP ||
            netif_attach(&f->nic, f->nic_base, f->nic_size, NETIF_CLIENT) == RING_EINVAL)
            return false;
        memcpy(f->mac, f->nic.hdr->mac, 6);
        out_init(&f->tx, &f->nic.tx.active);
        out_init(&f->rxfree, &f->nic.rx.free);
        name_counters(f);
        uint32_t back = rt_fab_spares_back(f);
        if (back)
            rw_printf("%s: %s: %u spare buffers taken over\n", r->ci->name, f->name, back);
        f->nic_ok = true;
        rw_printf("%s: %s attached, mac %02x:%02x:%02x:%02x:%02x:%02x\n", r->ci->name, f->name,
                  f->mac[0], f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
    }
    if (!f->up_ok && f->up_base &&
        netif_attach(&f->up, f->up_base, f->up_size, NETIF_DRIVER) != RING_EINVAL) {
        out_init(&f->uprx, &f->up.rx.active);
        out_init(&f->uptxfree, &f->up.tx.free);
        rt_up_lent_count(f);
        up_state(f);
        f->up_ok = true;
        comp_signal(f->up_chan);
    }
    return true;
}

// A restarted network stack asks for fresh rings (shm/netif.h, Client
// restart). Between rounds the router holds none of the region's buffers
// itself, but the NIC may still be sending some: the reset waits for them,
// up to RT_RESET_WAIT ticks (a NIC driver that never comes back keeps them
// for good; if they do come back later, rt_up_return refuses them).
static void client_reset(struct router *r, struct rt_if *f)
{
    struct netif_header *h = f->up.hdr;
    uint32_t gen = atomic_load_explicit(&h->client_gen, memory_order_acquire);
    if (gen == atomic_load_explicit(&h->client_ack, memory_order_relaxed))
        return;
    if (f->up_lent && f->reset_wait++ < RT_RESET_WAIT)
        return;
    if (f->up_lent) {
        rw_printf("%s: %s-up: %u buffers still at the NIC, rings reset without them\n", r->ci->name,
                  f->name, f->up_lent);
        f->cnt.ring_errors += f->up_lent;
        for (uint32_t i = 0; i < f->up.l.nbufs; i++)
            f->up.held[i] = 0;
        f->up_lent = 0;
    }
    f->reset_wait = 0;
    netif_reset_rings(f->up_base, f->up_size);
    if (netif_attach(&f->up, f->up_base, f->up_size, NETIF_DRIVER) == RING_EINVAL) {
        f->up_ok = false;
        return;
    }
    out_init(&f->uprx, &f->up.rx.active);
    out_init(&f->uptxfree, &f->up.tx.free);
    // Release: the fresh rings are visible to the client that acquires the ack.
    atomic_store_explicit(&h->client_ack, gen, memory_order_release);
    comp_signal(f->up_chan);
    rw_printf("%s: %s-up: fresh rings for a restarted network stack\n", r->ci->name, f->name);
}

static void publish_counters(struct rt_if *f)
{
    if (!f->nic_ok)
        return;
    const uint64_t *v = (const uint64_t *)&f->cnt;
    for (unsigned i = 0; i < RT_NCOUNTERS; i++)
        __atomic_store_n(&f->nic.app->c[i].value, v[i], __ATOMIC_RELAXED);
}

// The console's requests (shm/mgmt.h), if the configuration has a console:
// region "mgmt", or "mgmt-<our name>" when there are several instances.
static void mgmt(struct router *r)
{
    char name[COMP_NAME_MAX + 8];
    fmt_snprintf(name, sizeof(name), "mgmt-%s", r->ci->name);
    const struct comp_region *m = comp_region(r->ci, name);
    if (!m)
        m = comp_region(r->ci, "mgmt");
    const struct comp_channel *out = comp_channel(r->ci, "console", COMP_CHAN_OUT);
    if (m && !m->read_only && out && rt_mgmt_poll(r, (void *)m->va, m->size))
        comp_signal(out);
}

// An interface configured `dhcp` takes the address the network stack leased
// and published in the "<if>-up" header (shm/netif.h client_addr): it becomes
// the interface's address for the filter and its connected route. A lease
// lost or changed removes the old route first.
static void dhcp_addr(struct router *r, unsigned i)
{
    struct rt_if *f = &r->ifs[i];
    uint32_t a = 0, p = 0;
    if (!f->dhcp || !f->up_ok || !netif_client_addr(f->up.hdr, &a, &p))
        a = p = 0;
    if (!f->dhcp || (a == f->addr && p == f->prefix))
        return;
    if (f->addr)
        fw_route_del(&r->routes, f->addr & fw_mask(f->prefix), f->prefix);
    f->addr = a;
    f->prefix = p;
    fw_set_if_addr(&r->fw, i, a);
    if (a && fw_route_add_connected(&r->routes, a, p, i) != 0)
        rw_printf("%s: %s: no room for the connected route\n", r->ci->name, f->name);
    rw_printf("%s: %s address %u.%u.%u.%u/%u (DHCP)\n", r->ci->name, f->name, a >> 24,
              (a >> 16) & 255, (a >> 8) & 255, a & 255, p);
}

static void tick(struct router *r)
{
    r->ticks++;
    for (unsigned i = 0; i < r->nifs; i++) {
        struct rt_if *f = &r->ifs[i];
        if ((!f->nic_ok && !f->view_ok) || (f->up_base && !f->up_ok))
            rt_if_attach(r, f);
        if (f->up_ok)
            client_reset(r, f);
        if (f->up_ok && f->nic_ok &&
            atomic_load_explicit(&f->up.hdr->link_up, memory_order_relaxed) !=
                atomic_load_explicit(&f->nic.hdr->link_up, memory_order_relaxed)) {
            up_state(f);
            comp_signal(f->up_chan);
        }
        dhcp_addr(r, i);
        publish_counters(f);
    }
    rt_arp_tick(r);
    rt_fab_tick(r);
    fw_conn_expire(&r->fw.conn, r->now_ms, 256);
}

static uint32_t round_once(struct router *r)
{
    uint32_t work = 0;
    r->now_ms = rw_now_ns() / 1000000u;
    for (unsigned i = 0; i < r->nifs; i++) {
        struct rt_if *f = &r->ifs[i];
        if (!f->nic_ok)
            continue;
        work += rt_nic_reap(r, f);
        work += rt_nic_input(r, f);
        work += rt_stack_output(r, f);
    }
    work += rt_fab_input(r);
    rt_flush(r);
    rt_fab_flush(r);
    fw_quiescent(&r->fw);
    return work;
}

// Idle: ask every peer for a signal, then re-check. True if work arrived.
static bool arm(struct router *r)
{
    bool more = false;
    for (unsigned i = 0; i < r->nifs; i++) {
        struct rt_if *f = &r->ifs[i];
        struct ring_handle *h[3] = {&f->nic.rx.active, &f->nic.tx.free, &f->up.tx.active};
        unsigned n = !f->nic_ok ? 0 : f->up_ok ? 3 : 2;
        for (unsigned j = 0; j < n; j++) {
            if (!ring_consumer_request_signal(h[j])) {
                ring_consumer_cancel_signal(h[j]);
                more = true;
            }
        }
    }
    return rt_fab_arm(r) || more;
}

static void __attribute__((noreturn)) run(struct router *r)
{
    uint64_t bits = 0;
    for (;;) {
        uint32_t rounds = 0;
        if (bits & RT_BIT_TICK)
            tick(r);
        if (bits & ~RT_BIT_TICK)
            mgmt(r); // cheap when there is no request: a sequence compare
        for (;;) {
            while (round_once(r)) {
                if (++rounds % CONTROL_EVERY == 0 && (comp_service(r->ci) & RT_BIT_TICK))
                    tick(r);
            }
            if (!arm(r))
                break;
        }
        bits = comp_wait(r->ci, TIMEOUT_NEVER);
    }
}

int main(uint64_t arg)
{
    struct router *r = &router;
    uint32_t timer = 0;
    r->ci = comp_start(arg);
    if (!r->ci)
        return 1;
    if (load_config(r) != RW_OK || setup(r) != RW_OK)
        return 2;
    if (rw_timer_create(r->ci->ntfn, RT_BIT_TICK, &timer) != RW_OK ||
        rw_timer_set(timer, rw_now_ns() + RT_TICK_NS, RT_TICK_NS) != RW_OK)
        return 3;
    rw_printf("%s: %u interfaces, %u routes, %u firewall lines\n", r->ci->name, r->nifs,
              r->routes.n, cfg.nrules);
    r->now_ms = rw_now_ns() / 1000000u;
    tick(r);
    run(r);
    return 0;
}
