// SPDX-License-Identifier: MIT
// Link check for the freestanding build: a ring-3 component that brings up lwIP
// (clock from the kernel's user-readable monotonic clock) and the iperf3 server
// on a netif whose transmit drops frames, then runs lwIP's timers for a moment
// and exits. It proves the port compiles and links without a host C library;
// the real network-stack component (servers/) will replace it.
#include "apps/iperf3/iperf3_server.h"
#include "arch/sys_arch.h"
#include "lib/rw.h"
#include "lwip/init.h"
#include "lwip/etharp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

static struct netif check_netif;
static struct iperf_server check_server;

static err_t drop_output(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    (void)p;
    return ERR_OK;
}

static err_t check_init(struct netif *netif)
{
    netif->output = etharp_output;
    netif->linkoutput = drop_output;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

static void check_fail(const char *msg, const char *file, int line)
{
    rw_printf("lwip assertion \"%s\" failed at %s:%d\n", msg, file, line);
    rw_exit(1);
}

int main(uint64_t arg)
{
    ip4_addr_t ip, mask, gw;
    uint64_t until;

    (void)arg;
    lwport_set_clock(rw_now_ns);
    lwport_set_fail(check_fail);
    lwip_init();
    IP4_ADDR(&ip, 198, 18, 0, 1);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    ip4_addr_set_zero(&gw);
    netif_add(&check_netif, &ip, &mask, &gw, NULL, check_init, ethernet_input);
    netif_set_up(&check_netif);
    if (iperf_server_start(&check_server) != 0)
        return 1;
    until = rw_now_ns() + 100000000u;
    while (rw_now_ns() < until)
        sys_check_timeouts();
    rw_printf("lwip_check: lwIP %s up\n", LWIP_VERSION_STRING);
    return 0;
}
