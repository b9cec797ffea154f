// SPDX-License-Identifier: MIT
// The host TAP netif (see tapif.h). Receive is zero-copy into a pool pbuf that
// holds a whole frame (PBUF_POOL_BUFSIZE >= 1536); transmit gathers the pbuf
// chain with writev. The tap carries no checksum or segmentation offload, so
// lwIP computes every checksum and the kernel sends plain MSS-sized frames.
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "tests/host-net/tapif.h"

#define TAP_FRAME_MAX 1536
#define TAP_IOV_MAX   32

int lwport_tap_open(struct lwport_tap *t, const char *name)
{
    struct ifreq ifr;

    memset(t, 0, sizeof(*t));
    t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t->fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
        int err = -errno;
        close(t->fd);
        return err;
    }
    return 0;
}

static err_t tap_output(struct netif *netif, struct pbuf *p)
{
    struct lwport_tap *t = netif->state;
    struct iovec iov[TAP_IOV_MAX];
    int n = 0;

    for (struct pbuf *q = p; q && n < TAP_IOV_MAX; q = q->next) {
        iov[n].iov_base = q->payload;
        iov[n++].iov_len = q->len;
    }
    if (writev(t->fd, iov, n) != (ssize_t)p->tot_len) {
        t->tx_errors++;
        return ERR_IF;
    }
    t->tx_frames++;
    return ERR_OK;
}

static err_t tap_init(struct netif *netif)
{
    static const uint8_t mac[6] = {0x02, 0x52, 0x57, 0x00, 0x00, 0x01};

    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->output = etharp_output;
    netif->linkoutput = tap_output;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, mac, 6);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

int lwport_tap_add(struct lwport_tap *t, const char *addr, const char *mask)
{
    ip4_addr_t ip, nm, gw;

    if (!ip4addr_aton(addr, &ip) || !ip4addr_aton(mask, &nm))
        return -EINVAL;
    ip4_addr_set_zero(&gw);
    if (!netif_add(&t->netif, &ip, &nm, &gw, t, tap_init, ethernet_input))
        return -ENOMEM;
    netif_set_default(&t->netif);
    netif_set_up(&t->netif);
    netif_set_link_up(&t->netif);
    return 0;
}

// One frame: read straight into a pool pbuf; false when none is waiting.
static int tap_read_one(struct lwport_tap *t)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, TAP_FRAME_MAX, PBUF_POOL);
    ssize_t n;

    if (!p || p->next) {
        if (p)
            pbuf_free(p);
        t->rx_drops++;
        return 0;
    }
    n = read(t->fd, p->payload, TAP_FRAME_MAX);
    if (n <= 0) {
        pbuf_free(p);
        return 0;
    }
    pbuf_realloc(p, (u16_t)n);
    t->rx_frames++;
    if (t->netif.input(p, &t->netif) != ERR_OK) {
        pbuf_free(p);
        t->rx_drops++;
    }
    return 1;
}

int lwport_tap_poll(struct lwport_tap *t, int budget)
{
    int n = 0;

    while (n < budget && tap_read_one(t))
        n++;
    return n;
}
