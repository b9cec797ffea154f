// SPDX-License-Identifier: MIT
// The network-stack component: lwIP (NO_SYS=1, raw API) with one netif per
// interface it serves (nsring.c, nsif.c). It answers ARP and ICMP echo on
// every address and runs the iperf3 server on port 5201 (TCP and UDP, all
// addresses). One thread drives everything: each pass runs lwIP's timers,
// moves one batch per interface and flushes what lwIP sent; when no interface
// has work it asks the drivers (and socket clients) for signals, re-checks,
// and sleeps in comp_wait until a signal or lwIP's next timer.
// Other components use TCP and UDP through socket regions ("sock-<app>",
// shm/sock.h, nssock.c), served in the same passes.
// Interfaces come from the configuration ("ringwall.conf" region): every
// `interface NAME ...` line for which this component has a region "NAME-up"
// is served, with our channel to that region's driver side named
// "netstack.NAME" and the line's address (or lwIP's DHCP client for `dhcp`).
// No args.
#include <string.h>

#include "apps/iperf3/iperf3_server.h"
#include "arch/sys_arch.h"
#include "kernel/uapi/syscall.h"
#include "lib/fmt.h"
#include "lib/rw.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "servers/netstack/nsif.h"
#include "servers/netstack/nsring.h"
#include "servers/netstack/nssock.h"
#include "servers/init/config.h"

#define NETSTACK_ATTACH_NS 10000000ull // poll for drivers that are not up yet

static struct nsif nsifs[NSRING_MAX];
static uint32_t nnsifs;
static struct iperf_server netstack_iperf;
static struct config cfg;

// One interface line: served if we have its "<name>-up" region.
static int netstack_interface(const struct comp_info *ci, const struct config_interface *ifc)
{
    char region[COMP_NAME_MAX];
    struct nsif *s = &nsifs[nnsifs];
    fmt_snprintf(region, sizeof(region), "%s-up", ifc->name);
    if (!comp_region(ci, region))
        return 0; // not ours: the router keeps it to itself
    if (nnsifs == NSRING_MAX) {
        rw_printf("%s: more than %u interfaces\n", ci->name, NSRING_MAX);
        return -1;
    }
    fmt_snprintf(s->name, sizeof(s->name), "%s", ifc->name);
    s->dhcp = ifc->dhcp;
    ip4_addr_set_u32(&s->ip, lwip_htonl(ifc->addr));
    uint32_t p = ifc->prefix;
    ip4_addr_set_u32(&s->mask, lwip_htonl(p == 0    ? 0
                                          : p >= 32 ? 0xffffffffu
                                                    : ~(0xffffffffu >> p)));
    s->idx = nnsifs;
    if (nsring_bind(s->idx, ci, region, ifc->name) != 0) {
        rw_printf("%s: interface %s: region '%s' not writable or no channel 'netstack.%s'\n",
                  ci->name, ifc->name, region, ifc->name);
        return -1;
    }
    nnsifs++;
    return 0;
}

static int netstack_config(const struct comp_info *ci)
{
    const struct comp_region *c = comp_region(ci, COMP_CONFIG_NAME);
    const struct kinfo *k = (const struct kinfo *)USER_KINFO_VA;
    struct config_error err;
    if (!c || config_parse((const char *)c->va, c->size, k->ncpus, &cfg, &err) != CONFIG_OK) {
        rw_printf("%s: ringwall.conf: %s\n", ci->name, c ? err.msg : "missing");
        return -1;
    }
    for (uint32_t i = 0; i < cfg.ninterfaces; i++) {
        if (netstack_interface(ci, &cfg.interfaces[i]) != 0)
            return -1;
    }
    if (!nnsifs)
        rw_printf("%s: no interface has a '<name>-up' region\n", ci->name);
    return nnsifs ? 0 : -1;
}

static void netstack_fail(const char *msg, const char *file, int line)
{
    rw_printf("netstack: lwip assertion \"%s\" failed at %s:%d\n", msg, file, line);
    rw_exit(3);
}

// One pass: timers, one batch per NIC, and whatever lwIP queued meanwhile.
static uint32_t netstack_pass(bool *all_up)
{
    uint32_t work = 0;
    sys_check_timeouts();
    *all_up = true;
    for (uint32_t i = 0; i < nnsifs; i++) {
        work += nsif_poll(&nsifs[i]);
        nsring_flush(i);
        *all_up &= nsifs[i].up;
    }
    work += nssock_poll();
    for (uint32_t i = 0; i < nnsifs; i++)
        nsring_flush(i); // what the socket requests made lwIP send
    // A segment refused for want of a transmit buffer is not in flight, so no
    // retransmission timer would resend it: retry those connections now.
    tcp_txnow();
    return work;
}

// How long to sleep: until lwIP's next timer, or the next attach poll.
static uint64_t netstack_timeout(bool all_up)
{
    u32_t ms = sys_timeouts_sleeptime();
    uint64_t ns = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? TIMEOUT_NEVER : (uint64_t)ms * 1000000u;
    if (!all_up && ns > NETSTACK_ATTACH_NS)
        ns = NETSTACK_ATTACH_NS;
    return ns;
}

// Asks every NIC for signals; true if work arrived meanwhile.
static bool netstack_arm(void)
{
    bool more = false;
    for (uint32_t i = 0; i < nnsifs; i++) {
        more |= nsring_arm(i);
        nsif_publish(&nsifs[i]);
    }
    return nssock_arm() || more;
}

static void netstack_loop(const struct comp_info *ci)
{
    for (uint32_t busy = 0;;) {
        bool all_up;
        if (netstack_pass(&all_up)) {
            if (++busy % 64 == 0)
                comp_service(ci); // init's heartbeat while busy
            continue;
        }
        busy = 0;
        if (netstack_arm())
            continue;
        uint64_t ns = netstack_timeout(all_up);
        if (ns)
            comp_wait(ci, ns);
    }
}

int main(uint64_t arg)
{
    const struct comp_info *ci = comp_start(arg);
    if (!ci)
        return 1;
    if (netstack_config(ci) != 0)
        return 2;
    int nsock = nssock_bind(ci);
    if (nsock < 0)
        return 2;
    lwport_set_clock(rw_now_ns);
    lwport_set_fail(netstack_fail);
    lwip_init();
    nsif_init_tcp();
    if (iperf_server_start(&netstack_iperf) != 0) {
        rw_printf("%s: iperf3 server did not start\n", ci->name);
        return 4;
    }
    rw_printf("%s: lwIP %s, %u NICs, iperf3 on port 5201, %d socket clients\n", ci->name,
              LWIP_VERSION_STRING, nnsifs, nsock);
    netstack_loop(ci);
    return 0;
}
