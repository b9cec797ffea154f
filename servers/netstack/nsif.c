// SPDX-License-Identifier: MIT
// lwIP netifs over the NIC rings (see nsif.h). Receive copies each frame into a
// PBUF_POOL pbuf (one copy; zero-copy receive into custom pbufs is left for
// later); transmit gathers the pbuf chain into one ring buffer. The driver's
// MAC becomes the netif's hardware address, and the link follows the driver.
#include "servers/netstack/nsif.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "servers/netstack/nsring.h"

#define NSIF_MTU 1500

static err_t nsif_linkoutput(struct netif *lw, struct pbuf *p)
{
    struct nsif *n = lw->state;
    uint8_t *d = nsring_tx_begin(n->idx, p->tot_len);
    if (!d) {
        n->tx_nobuf++;
        return ERR_MEM;
    }
    pbuf_copy_partial(p, d, p->tot_len, 0);
    nsring_tx_commit(n->idx, p->tot_len);
    return ERR_OK;
}

static err_t nsif_init(struct netif *lw)
{
    struct nsif *n = lw->state;
    lw->name[0] = 'e';
    lw->name[1] = (char)('0' + n->idx);
    lw->output = etharp_output;
    lw->linkoutput = nsif_linkoutput;
    lw->mtu = NSIF_MTU;
    lw->hwaddr_len = ETH_HWADDR_LEN;
    lw->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

// One received frame: copied into a pool pbuf and given to lwIP.
static void nsif_input(void *ctx, const uint8_t *data, uint32_t len)
{
    struct nsif *n = ctx;
    if (!n->added)
        return;
    struct pbuf *p = len <= 0xffff ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
    if (!p) {
        n->rx_nomem++;
        return;
    }
    pbuf_take(p, data, (u16_t)len);
    if (n->lw.input(p, &n->lw) != ERR_OK)
        pbuf_free(p);
}

// Adds the netif the first time the driver is up, then tracks its state.
static void nsif_track(struct nsif *n)
{
    uint8_t mac[6];
    uint32_t restarts = 0;
    bool up = nsring_driver_up(n->idx, mac, &restarts);
    if (up && !n->added) {
        ip4_addr_t gw;
        ip4_addr_set_zero(&gw);
        if (!netif_add(&n->lw, &n->ip, &n->mask, &gw, n, nsif_init, ethernet_input))
            return;
        n->added = true;
        netif_set_up(&n->lw);
    }
    if (up && (restarts != n->restarts || !n->up))
        memcpy(n->lw.hwaddr, mac, ETH_HWADDR_LEN);
    if (n->added && up != n->up) {
        if (up)
            netif_set_link_up(&n->lw);
        else
            netif_set_link_down(&n->lw);
    }
    n->up = up;
    n->restarts = restarts;
}

uint32_t nsif_poll(struct nsif *n)
{
    if (!nsring_attach(n->idx))
        return 0;
    nsif_track(n);
    return nsring_receive(n->idx, nsif_input, n);
}
