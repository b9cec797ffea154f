// SPDX-License-Identifier: MIT
// The virtio-net driver component: one process per NIC. It takes everything
// from its start-up block (lib/component.h): the PCI device, the netif region
// it shares with its client (args "net=NAME"), a private region for the
// virtqueues (args "vq=NAME"; private so no client can aim the device's DMA),
// the channel to its client and its notification. It formats the netif region
// if it is new, recovers the buffers a previous instance held, resets and
// initialises the device, then runs the usual loop: wait, then move frames
// until there is no work left, and only then re-arm interrupts and signals.
// A device that breaks the virtqueue protocol is reset and re-initialised.
// Not here: the data paths (vnet_rx.c, vnet_tx.c), the device protocol
// (vnet_dev.c), PCI (vnet_pci.c).
#include "drivers/virtio-net/vnet_var.h"
#include "lib/comp.h"
#include "lib/rw.h"
#include "lib/string.h"

#define CONTROL_EVERY 256 // busy rounds between looks at the control channel

static struct vnet vnet;
static struct vnet_persist persist_private;

static const struct comp_region *region_arg(const struct comp_info *ci, const char *key)
{
    char name[COMP_NAME_MAX];
    if (!comp_arg(ci->args, key, name, sizeof(name)))
        return 0;
    const struct comp_region *r = comp_region(ci, name);
    return r && !r->read_only ? r : 0;
}

// The client: our first OUT channel. Any IN channel bit means "the client
// kicked us"; since every wake-up looks at every ring, the bits are not kept.
static int find_peer(struct vnet *v)
{
    const struct comp_info *ci = v->ci;
    for (uint32_t i = 0; i < ci->nchannels && i < COMP_MAX_CHANNELS; i++) {
        if (ci->channels[i].dir == COMP_CHAN_OUT && !v->client)
            v->client = &ci->channels[i];
    }
    for (uint32_t i = 0; i < ci->ndevices && i < COMP_MAX_DEVICES; i++) {
        if (ci->devices[i].kind == COMP_DEV_PCI && !v->pci) {
            v->pci = ci->devices[i].handle;
            v->bdf = ci->devices[i].bdf;
        }
    }
    return v->client && v->pci ? RW_OK : RW_ENOENT;
}

// Takes over what a previous instance held: empty receive buffers now. Only
// after the device is reset: until then it may still write into them.
static void reclaim_held(struct vnet *v)
{
    netif_unhold_filled(&v->nif, &v->nif.rx.free);
    netif_unhold_filled(&v->nif, &v->nif.tx.active);
    uint32_t extra[VNET_BATCH], nextra = 0;
    for (uint32_t i = 0; i < v->nif.l.nbufs; i++) {
        if (!v->nif.held[i])
            continue;
        v->cnt.reclaimed++;
        if (v->nspare < v->qsize_max) {
            vnet_rx_spare(v, i);
            continue;
        }
        extra[nextra++] = i; // more than we can post: the client gets them back
        if (nextra == VNET_BATCH) {
            vnet_tx_return(v, extra, nextra);
            nextra = 0;
        }
    }
    vnet_tx_return(v, extra, nextra);
}

static int attach_regions(struct vnet *v)
{
    const struct comp_region *net = region_arg(v->ci, "net"), *vq = region_arg(v->ci, "vq");
    if (!net || !vq || vq->size < 2 * VNET_VQ_STRIDE)
        return RW_ENOENT;
    if (!netif_format((void *)net->va, net->size))
        return RW_EINVAL;
    if (netif_attach(&v->nif, (void *)net->va, net->size, NETIF_DRIVER) == RING_EINVAL)
        return RW_EINVAL; // RING_ECORRUPT: the handles are safe, carry on
    v->pool_phys = net->phys + v->nif.l.pool_off;
    v->region_id = net->id;
    v->cnt = *v->nif.drv; // counters run on across restarts (read once, never again)
    v->vq_mem = (uint8_t *)vq->va;
    v->vq_phys = vq->phys;
    v->persist = &persist_private;
    if (vq->size >= VNET_PERSIST_OFF + sizeof(struct vnet_persist)) {
        v->persist = (struct vnet_persist *)(v->vq_mem + VNET_PERSIST_OFF);
        if (v->persist->magic != VNET_PERSIST_MAGIC) // a fresh region (zeroed)
            *v->persist = (struct vnet_persist){.magic = VNET_PERSIST_MAGIC};
    }
    return RW_OK;
}

static uint32_t qsize_arg(const struct comp_info *ci)
{
    char s[12];
    uint32_t n = 0;
    if (!comp_arg(ci->args, "qsize", s, sizeof(s)))
        return VNET_QSIZE_DEFAULT;
    for (int i = 0; s[i] >= '0' && s[i] <= '9'; i++)
        n = n * 10 + (uint32_t)(s[i] - '0');
    return n >= 2 && n <= VIRTQ_MAX_SIZE ? n : VNET_QSIZE_DEFAULT;
}

static void flush_counters(struct vnet *v)
{
#define NETIF_X_COPY(n) __atomic_store_n(&v->nif.drv->n, v->cnt.n, __ATOMIC_RELAXED);
    NETIF_DRV_COUNTERS(NETIF_X_COPY)
#undef NETIF_X_COPY
}

// After a batch: signal the client once if it asked on a ring we produced on.
static void signal_client(struct vnet *v)
{
    // Both calls run when both rings got entries: each clears its own flag.
    bool a = v->rx_published && ring_producer_should_signal(&v->nif.rx.active);
    bool b = v->tx_returned && ring_producer_should_signal(&v->nif.tx.free);
    v->rx_published = v->tx_returned = false;
    if (a || b) {
        comp_signal(v->client);
        v->cnt.signals++;
    }
}

static void reclaim_tx(void *ctx, uint32_t idx)
{
    struct vnet *v = ctx;
    v->cnt.tx_drops++;
    vnet_tx_return(v, &idx, 1);
}

static void reclaim_rx(void *ctx, uint32_t idx)
{
    vnet_rx_spare(ctx, idx);
}

// The device broke the protocol (or asked for it): stop it, take every buffer
// back, start it again from scratch.
static void recover(struct vnet *v)
{
    v->cnt.resets++;
    rw_printf("%s: device error, resetting (rx %lu tx %lu)\n", v->ci->name,
              (unsigned long)v->rxq.vq.errors, (unsigned long)v->txq.vq.errors);
    if (vnet_dev_reset(v) != RW_OK)
        rw_panic("%s: device does not reset\n", v->ci->name);
    virtq_reclaim(&v->rxq.vq, reclaim_rx, v);
    virtq_reclaim(&v->txq.vq, reclaim_tx, v);
    vnet_rx_drop_partial(v);
    v->need_reset = false;
    if (vnet_dev_init(v) != RW_OK)
        rw_panic("%s: device does not come back\n", v->ci->name);
    comp_signal(v->client); // drv_state went DOWN and UP
}

// The console's "inject <driver> bad-descriptor": arms a one-off fault that
// round_once carries out (the hook runs inside comp_wait and must not block).
static int fault_hook(uint32_t fault)
{
    if (fault != COMP_FAULT_BAD_DESCRIPTOR)
        return COMP_REPLY_NOT_SUPPORTED;
    vnet.inject_bad_desc = true;
    return COMP_REPLY_OK;
}

// Publishes on rx.active a descriptor that names no buffer of the pool, as a
// broken driver would: the client must count it and drop it.
static void bad_descriptor(struct vnet *v)
{
    struct ring_desc d = {netif_desc_make(0, (uint64_t)v->nif.l.nbufs * NETIF_BUF_SIZE + 12), 64,
                          0};
    v->inject_bad_desc = false;
    rw_printf("%s: injected fault: a bad descriptor for the client\n", v->ci->name);
    if (ring_enqueue_batch(&v->nif.rx.active, &d, 1) == 1)
        v->rx_published = true;
}

static bool round_once(struct vnet *v)
{
    if (v->inject_bad_desc)
        bad_descriptor(v);
    uint32_t work = vnet_rx_reap(v);
    work += vnet_rx_refill(v);
    work += vnet_tx_reap(v);
    work += vnet_tx_push(v);
    signal_client(v);
    return work != 0;
}

// Idle: ask for interrupts and client signals, then re-check everything.
// Returns true if work arrived meanwhile (do not sleep).
static bool arm(struct vnet *v)
{
    bool more = virtq_intr_enable(&v->rxq.vq, 0);
    uint16_t out = v->txq.vq.outstanding;
    if (out)
        more |= virtq_intr_enable(&v->txq.vq, (uint16_t)(out - 1)); // when all are sent
    if (!ring_consumer_request_signal(&v->nif.tx.active)) {
        ring_consumer_cancel_signal(&v->nif.tx.active);
        more = true;
    }
    if (v->rxq.vq.nfree > v->rxq.vq.size / 2 && !v->nspare &&
        !ring_consumer_request_signal(&v->nif.rx.free)) {
        ring_consumer_cancel_signal(&v->nif.rx.free); // short of buffers: want a signal
        more = true;
    }
    return more;
}

// Counts interrupt bits and acts on a configuration change (without a
// configuration interrupt, the status is re-read on every poll tick).
static void note_bits(struct vnet *v, uint64_t bits)
{
    v->cnt.irqs += (bits & v->rxq.bit) != 0;
    v->cnt.irqs += v->txq.bit != v->rxq.bit && (bits & v->txq.bit);
    uint64_t cfg = v->cfg_bit ? v->cfg_bit : v->poll_bit;
    if ((bits & cfg) && vnet_dev_config_changed(v))
        comp_signal(v->client);
}

static void handle(struct vnet *v, uint64_t bits)
{
    v->cnt.wakeups++;
    note_bits(v, bits);
    virtq_intr_disable(&v->rxq.vq);
    virtq_intr_disable(&v->txq.vq);
    uint32_t rounds = 0;
    for (;;) {
        while (!v->need_reset && round_once(v)) {
            if (++rounds % CONTROL_EVERY == 0) {
                note_bits(v, comp_service(v->ci)); // init's heartbeat while busy
                flush_counters(v);
            }
        }
        if (v->need_reset) {
            recover(v);
            continue; // refill the fresh queues before sleeping
        }
        if (!arm(v))
            break;
    }
    flush_counters(v);
}

// Without MSI-X: a periodic timer on our notification, and we poll.
static int poll_setup(struct vnet *v)
{
    uint32_t t = 0;
    v->poll_bit = 1ull << 62;
    if (rw_timer_create(v->ci->ntfn, v->poll_bit, &t) != RW_OK)
        return RW_ENOMEM;
    return rw_timer_set(t, rw_now_ns() + VNET_POLL_NS, VNET_POLL_NS);
}

// Start-up order matters: the device may still be running on buffers a dead
// predecessor posted, so it is reset before those buffers are reused.
static int start(struct vnet *v, const struct comp_info *ci)
{
    v->ci = ci;
    v->qsize_max = qsize_arg(ci);
    int s = find_peer(v);
    if (s == RW_OK)
        s = attach_regions(v);
    if (s == RW_OK)
        s = vnet_pci_probe(v);
    if (s == RW_OK)
        s = vnet_dev_reset(v);
    if (s != RW_OK)
        return s;
    reclaim_held(v);
    vnet_pools_reclaim(v);
    if (vnet_msix_setup(v) != RW_OK && poll_setup(v) != RW_OK)
        return RW_ENOMEM;
    return vnet_dev_init(v);
}

static void report(struct vnet *v)
{
    const uint8_t *m = v->nif.hdr->mac;
    rw_printf("%s: virtio-net %04x:%04x at %02x:%02x.%x, mac %02x:%02x:%02x:%02x:%02x:%02x, "
              "features %lx, "
              "queues %u/%u, %s, %u buffers, %lu reclaimed, link %s\n",
              v->ci->name, v->devid & 0xffff, v->devid >> 16, v->bdf >> 8, (v->bdf >> 3) & 31,
              v->bdf & 7, m[0], m[1], m[2], m[3], m[4], m[5], (unsigned long)v->features,
              v->rxq.vq.size, v->txq.vq.size, v->poll_bit ? "polled" : "msi-x", v->nif.l.nbufs,
              (unsigned long)v->cnt.reclaimed, v->nif.hdr->link_up ? "up" : "down");
}

int main(uint64_t arg)
{
    const struct comp_info *ci = comp_start(arg);
    if (!ci)
        return 1;
    struct vnet *v = &vnet;
    int s = start(v, ci);
    if (s != RW_OK) {
        rw_printf("%s: cannot start: %s\n", ci->name, rw_status_name(s));
        return 2;
    }
    report(v);
    comp_set_fault_hook(fault_hook);
    comp_signal(v->client);
    handle(v, 0);
    for (;;)
        handle(v, comp_wait(ci, TIMEOUT_NEVER));
}
