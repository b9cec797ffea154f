// SPDX-License-Identifier: MIT
// Host harness for the network stack: lwIP and the iperf3 server on a Linux TAP
// device, in one NO_SYS event loop (poll the tap, feed lwIP, run its timers).
// Usage: iperf3_host TAP [ADDR [MASK]]. Prints "ready TAP" once the tap exists
// (the caller then configures the host side) and its counters on SIGTERM/SIGINT.
// Meant to run inside a network namespace the test created; not a product.
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "apps/iperf3/iperf3_server.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "net/lwip-port/host/lwport_host.h"
#include "tests/host-net/tapif.h"

#define RX_BUDGET 256

static volatile sig_atomic_t stop;
static struct lwport_tap tap;
static struct iperf_server server;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int setup(int argc, char **argv)
{
    const char *addr = argc > 2 ? argv[2] : "198.18.0.1";
    const char *mask = argc > 3 ? argv[3] : "255.255.255.0";
    int err = lwport_tap_open(&tap, argv[1]);

    if (err < 0) {
        fprintf(stderr, "iperf3_host: tap %s: %s\n", argv[1], strerror(-err));
        return -1;
    }
    lwport_host_init();
    lwip_init();
    if (lwport_tap_add(&tap, addr, mask) < 0 || iperf_server_start(&server) != 0) {
        fprintf(stderr, "iperf3_host: cannot start the stack\n");
        return -1;
    }
    return 0;
}

static void run(void)
{
    struct pollfd pfd = {.fd = tap.fd, .events = POLLIN};

    while (!stop) {
        u32_t sleep_ms = sys_timeouts_sleeptime();
        if (lwport_tap_poll(&tap, RX_BUDGET) == 0 &&
            poll(&pfd, 1, sleep_ms > 100 ? 100 : (int)sleep_ms) > 0 &&
            (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
            break; // the tap is gone
        sys_check_timeouts();
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: iperf3_host TAP [ADDR [MASK]]\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (setup(argc, argv) < 0)
        return 1;
    printf("ready %s\n", argv[1]);
    fflush(stdout);
    run();
    printf("tests done %u failed %u denied %u; rx %llu tx %llu drops %llu txerr %llu\n",
           server.sess.tests_done, server.sess.tests_failed, server.denied,
           (unsigned long long)tap.rx_frames, (unsigned long long)tap.tx_frames,
           (unsigned long long)tap.rx_drops, (unsigned long long)tap.tx_errors);
    return 0;
}
