// SPDX-License-Identifier: MIT
// The network-stack component: lwIP (NO_SYS=1, raw API) with one netif per NIC
// it is given, over the driver rings of shm/netif.h (nsring.c, nsif.c). It
// answers ARP and ICMP echo on every address and runs the iperf3 server on
// port 5201 (TCP and UDP, all addresses). One thread drives everything: each
// pass runs lwIP's timers, moves one batch per NIC and flushes what lwIP sent;
// when no NIC has work it asks the drivers for signals, re-checks, and sleeps
// in comp_wait until a signal or lwIP's next timer.
// Args: one "REGION:CHANNEL=A.B.C.D/PREFIX" per NIC, e.g.
// "lan0:lan-tx=198.18.0.1/24": the NIC's netif region, the name of our channel
// to its driver, and our address on it.
#include <string.h>

#include "apps/iperf3/iperf3_server.h"
#include "arch/sys_arch.h"
#include "lib/rw.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "servers/netstack/nsif.h"
#include "servers/netstack/nsring.h"

#define NETSTACK_ATTACH_NS 10000000ull // poll for drivers that are not up yet
#define NETSTACK_ARG_MAX   40

static struct nsif nsifs[NSRING_MAX];
static uint32_t nnsifs;
static struct iperf_server netstack_iperf;

// Splits "REGION:CHANNEL=IP/PREFIX" (n bytes at w) into its parts.
static int netstack_split(const char *w, uint32_t n, char *region, char *channel, char *ip,
                          uint32_t *prefix)
{
    uint32_t colon = 0, eq = 0, slash = 0;
    for (uint32_t k = 0; k < n; k++) {
        colon = !colon && w[k] == ':' ? k : colon;
        eq = !eq && w[k] == '=' ? k : eq;
        slash = !slash && w[k] == '/' ? k : slash;
    }
    if (!colon || eq <= colon + 1 || slash <= eq + 1 || slash + 1 >= n || colon >= COMP_NAME_MAX ||
        eq - colon - 1 >= COMP_NAME_MAX || slash - eq - 1 >= 16)
        return -1;
    memcpy(region, w, colon);
    memcpy(channel, w + colon + 1, eq - colon - 1);
    memcpy(ip, w + eq + 1, slash - eq - 1);
    *prefix = 0;
    for (uint32_t k = slash + 1; k < n; k++) {
        if (w[k] < '0' || w[k] > '9' || *prefix > 32)
            return -1;
        *prefix = *prefix * 10 + (uint32_t)(w[k] - '0');
    }
    return *prefix >= 1 && *prefix <= 32 ? 0 : -1;
}

// Parses one NIC argument and binds its region and channel.
static int netstack_nic(const struct comp_info *ci, const char *w, uint32_t n)
{
    char region[COMP_NAME_MAX] = {0}, channel[COMP_NAME_MAX] = {0}, ip[16] = {0};
    uint32_t prefix;
    struct nsif *s = &nsifs[nnsifs];
    if (nnsifs == NSRING_MAX || netstack_split(w, n, region, channel, ip, &prefix) != 0 ||
        !ip4addr_aton(ip, &s->ip))
        return -1;
    ip4_addr_set_u32(&s->mask, lwip_htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)));
    s->idx = nnsifs;
    if (nsring_bind(s->idx, ci, region, channel) != 0) {
        rw_printf("%s: no region '%s' or channel '%s'\n", ci->name, region, channel);
        return -1;
    }
    nnsifs++;
    return 0;
}

static int netstack_args(const struct comp_info *ci)
{
    const char *p = ci->args;
    while (*p) {
        while (*p == ' ')
            p++;
        uint32_t n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        if (n && netstack_nic(ci, p, n) != 0)
            return -1;
        p += n;
    }
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
        nsring_publish_counters(i);
    }
    return more;
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
    if (netstack_args(ci) != 0) {
        rw_printf("%s: bad args '%s'\n", ci->name, ci->args);
        return 2;
    }
    lwport_set_clock(rw_now_ns);
    lwport_set_fail(netstack_fail);
    lwip_init();
    if (iperf_server_start(&netstack_iperf) != 0) {
        rw_printf("%s: iperf3 server did not start\n", ci->name);
        return 4;
    }
    rw_printf("%s: lwIP %s, %u NICs, iperf3 on port 5201\n", ci->name, LWIP_VERSION_STRING, nnsifs);
    netstack_loop(ci);
    return 0;
}
