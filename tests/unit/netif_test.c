// SPDX-License-Identifier: MIT
// Host unit tests (cmocka) for the NIC contract shm/netif.h (layout, format,
// attach, peek, descriptor validation) and for the driver's header
// translation drivers/virtio-net/vnet_hdr.c (virtio net header <-> netif
// header, feature choice, software checksum), compiled from the real sources.
// Not a test of the rings themselves (tests/unit/ring_test.c) or of the
// virtqueue (tests/unit/virtq_test.c).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio-net/vnet_hdr.h"
#include "shm/netif.h"

#define MIB (1ull << 20)

static void *region(uint64_t size)
{
    void *p = aligned_alloc(4096, size);
    memset(p, 0, size);
    return p;
}

// Every buffer that fits is used, on rings of the smallest power of two that
// holds them; a region one buffer larger holds one more.
static void test_layout(void **state)
{
    (void)state;
    struct netif_layout l;
    assert_true(netif_layout(4 * MIB, &l));
    assert_true(l.bytes <= 4 * MIB);
    assert_true(4 * MIB - l.bytes < NETIF_BUF_SIZE); // no room for one more
    assert_true(l.slots >= l.nbufs && l.slots / 2 < l.nbufs);
    assert_int_equal(l.slots & (l.slots - 1), 0);
    assert_int_equal(l.pool_off % 4096, 0);
    assert_int_equal(l.ring_off[0], NETIF_RINGS_OFF);
    assert_true(l.ring_bytes >= ring_shared_bytes(l.slots));
    uint32_t four = l.nbufs;
    assert_true(netif_layout(4 * MIB + NETIF_BUF_SIZE, &l));
    assert_int_equal(l.nbufs, four + 1);
    assert_true(netif_layout(8 * MIB, &l));
    assert_true(l.nbufs > 2 * four - 4 && 8 * MIB - l.bytes < NETIF_BUF_SIZE);
    // exactly NETIF_MIN_BUFS, then one buffer short of them
    netif_layout_for(NETIF_MIN_BUFS, NETIF_MIN_BUFS, &l);
    uint64_t least = l.bytes;
    assert_true(netif_layout(least, &l));
    assert_int_equal(l.nbufs, NETIF_MIN_BUFS);
    assert_false(netif_layout(least - 1, &l));
    assert_true(netif_layout((uint64_t)NETIF_MAX_BUFS * NETIF_BUF_SIZE * 2, &l));
    assert_int_equal(l.nbufs, NETIF_MAX_BUFS);
    assert_false(netif_layout(64 * 1024, &l));
}

static void test_format_and_attach(void **state)
{
    (void)state;
    uint8_t *base = region(4 * MIB);
    struct netif drv, cli;
    assert_int_equal(netif_attach(&cli, base, 4 * MIB, NETIF_CLIENT), RING_EINVAL); // not yet
    assert_false(netif_ready(base));
    assert_true(netif_format(base, 4 * MIB));
    assert_true(netif_ready(base));
    assert_int_equal(netif_attach(&drv, base, 4 * MIB, NETIF_DRIVER), RING_OK);
    assert_int_equal(netif_attach(&cli, base, 4 * MIB, NETIF_CLIENT), RING_OK);
    assert_int_equal(drv.rx.active.role, RING_PRODUCER);
    assert_int_equal(drv.rx.free.role, RING_CONSUMER);
    assert_int_equal(drv.tx.active.role, RING_CONSUMER);
    assert_int_equal(cli.tx.active.role, RING_PRODUCER);
    // Half the buffers for receive, half for transmit, each exactly once.
    uint8_t seen[NETIF_MAX_BUFS] = {0};
    struct ring_desc d;
    uint32_t rx = 0, tx = 0;
    while (ring_dequeue(&drv.rx.free, &d) == RING_OK) {
        int64_t i = netif_buf_index(&drv, d.offset);
        assert_true(i >= 0 && !seen[i]);
        seen[i] = 1;
        rx++;
    }
    while (ring_dequeue(&cli.tx.free, &d) == RING_OK) {
        int64_t i = netif_buf_index(&cli, d.offset);
        assert_true(i >= 0 && !seen[i]);
        seen[i] = 1;
        tx++;
    }
    assert_int_equal(rx, drv.l.nbufs / 2);
    assert_int_equal(tx, drv.l.nbufs - drv.l.nbufs / 2);
    // Formatting again (a restarted driver) changes nothing.
    assert_true(netif_format(base, 4 * MIB));
    assert_int_equal(netif_attach(&drv, base, 4 * MIB, NETIF_DRIVER), RING_OK);
    assert_int_equal(ring_count(&drv.rx.free), 0);
    free(base);
}

static void test_peek_then_publish(void **state)
{
    (void)state;
    uint8_t *base = region(4 * MIB);
    struct netif drv;
    netif_format(base, 4 * MIB);
    netif_attach(&drv, base, 4 * MIB, NETIF_DRIVER);
    struct ring_desc d[8], e[8];
    assert_int_equal(netif_peek(&drv.rx.free, d, 8), 8);
    assert_int_equal(netif_peek(&drv.rx.free, e, 8), 8); // nothing consumed
    assert_memory_equal(d, e, sizeof(d));
    ring_publish_tail(&drv.rx.free, 8);
    assert_int_equal(netif_peek(&drv.rx.free, e, 8), 8);
    assert_true(e[0].offset != d[0].offset);
    assert_int_equal(netif_peek(&drv.rx.active, e, 8), 0); // wrong role
    free(base);
}

static void test_netif_data(void **state)
{
    (void)state;
    uint8_t *base = region(4 * MIB);
    struct netif n;
    netif_format(base, 4 * MIB);
    netif_attach(&n, base, 4 * MIB, NETIF_CLIENT);
    struct netif_buf_hdr h;
    uint64_t off = 5 * NETIF_BUF_SIZE;
    netif_buf_hdr(&n, off)->data_off = NETIF_DATA_OFF;
    struct ring_desc d = {off, 1514, 0};
    assert_ptr_equal(netif_data(&n, &d, &h), n.pool.base + off + NETIF_DATA_OFF);
    assert_int_equal(h.data_off, NETIF_DATA_OFF);
    d.len = NETIF_BUF_SIZE - NETIF_DATA_OFF + 1; // one byte past the buffer
    assert_null(netif_data(&n, &d, &h));
    d.len = 100;
    netif_buf_hdr(&n, off)->data_off = NETIF_HEADROOM_MIN - 1; // no room for a device header
    assert_null(netif_data(&n, &d, &h));
    netif_buf_hdr(&n, off)->data_off = 0xffff;
    assert_null(netif_data(&n, &d, &h));
    d.offset = off + 1; // not a buffer start
    assert_null(netif_data(&n, &d, &h));
    d.offset = (uint64_t)n.l.nbufs * NETIF_BUF_SIZE; // past the pool
    assert_null(netif_data(&n, &d, &h));
    assert_int_equal(netif_buf_index(&n, d.offset), -1);
    assert_int_equal(n.pool.errors, 5);
    free(base);
}

static void test_hdr_rx(void **state)
{
    (void)state;
    uint64_t feat = VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
    struct netif_buf_hdr nh;
    uint32_t fl;
    struct virtio_net_hdr vh = {0};
    assert_int_equal(vnet_hdr_rx(&vh, 60, feat, &nh, &fl), VNET_HDR_OK);
    assert_int_equal(fl, 0);
    vh = (struct virtio_net_hdr){
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16};
    assert_int_equal(vnet_hdr_rx(&vh, 60, feat, &nh, &fl), VNET_HDR_OK);
    assert_int_equal(fl, RING_F_CSUM_NEEDED);
    assert_int_equal(nh.csum_start, 34);
    assert_int_equal(nh.csum_offset, 16);
    assert_int_equal(vnet_hdr_rx(&vh, 51, feat, &nh, &fl), VNET_HDR_BAD); // 34+16+2 > 51
    vh.csum_start = 0xffff;
    assert_int_equal(vnet_hdr_rx(&vh, 60000, feat, &nh, &fl), VNET_HDR_BAD);
    vh = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_DATA_VALID};
    assert_int_equal(vnet_hdr_rx(&vh, 60, feat, &nh, &fl), VNET_HDR_OK);
    assert_int_equal(fl, RING_F_CSUM_VALID);
    vh = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
                                 .csum_start = 34,
                                 .csum_offset = 16,
                                 .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
                                 .gso_size = 1448,
                                 .hdr_len = 66};
    assert_int_equal(vnet_hdr_rx(&vh, 20000, feat, &nh, &fl), VNET_HDR_OK);
    assert_int_equal(fl, RING_F_CSUM_NEEDED | RING_F_TSO4);
    assert_int_equal(nh.gso_size, 1448);
    assert_int_equal(vnet_hdr_rx(&vh, 20000, VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM), &nh, &fl),
                     VNET_HDR_BAD); // GSO that was never negotiated
    vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
    assert_int_equal(vnet_hdr_rx(&vh, 20000, feat, &nh, &fl), VNET_HDR_BAD);
    vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    vh.gso_size = 0;
    assert_int_equal(vnet_hdr_rx(&vh, 20000, feat, &nh, &fl), VNET_HDR_BAD);
}

static void test_hdr_tx(void **state)
{
    (void)state;
    uint64_t all = VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4);
    struct netif_buf_hdr nh = {
        .csum_start = 34, .csum_offset = 16, .gso_size = 1448, .hdr_len = 66};
    struct virtio_net_hdr vh;
    assert_int_equal(vnet_hdr_tx(&nh, 0, 60, all, &vh), VNET_HDR_OK);
    assert_int_equal(vh.flags, 0);
    assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    assert_int_equal(vnet_hdr_tx(&nh, RING_F_CSUM_NEEDED, 60, all, &vh), VNET_HDR_OK);
    assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert_int_equal(vh.csum_start, 34);
    assert_int_equal(vnet_hdr_tx(&nh, RING_F_CSUM_NEEDED, 60, 0, &vh), VNET_HDR_SWCSUM);
    assert_int_equal(vnet_hdr_tx(&nh, RING_F_CSUM_NEEDED, 40, all, &vh), VNET_HDR_BAD);
    uint32_t tso = RING_F_CSUM_NEEDED | RING_F_TSO4;
    assert_int_equal(vnet_hdr_tx(&nh, tso, 30000, all, &vh), VNET_HDR_OK);
    assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(vh.gso_size, 1448);
    assert_int_equal(vh.hdr_len, 66);
    assert_int_equal(vnet_hdr_tx(&nh, tso, 30000, VIRTIO_BIT(VIRTIO_NET_F_CSUM), &vh),
                     VNET_HDR_BAD); // TSO not negotiated
    assert_int_equal(vnet_hdr_tx(&nh, RING_F_TSO4, 30000, all, &vh), VNET_HDR_BAD); // no csum
    nh.gso_size = 0;
    assert_int_equal(vnet_hdr_tx(&nh, tso, 30000, all, &vh), VNET_HDR_BAD);
}

static void test_sw_csum(void **state)
{
    (void)state;
    // UDP/IPv4 198.18.0.2:1234 -> 198.18.0.1:7, payload "hi", checksum over a
    // pseudo header (precomputed into the field, as a stack does for offload).
    uint8_t f[14 + 20 + 8 + 2] = {0};
    uint8_t *udp = f + 34;
    udp[0] = 0x04, udp[1] = 0xd2, udp[3] = 7, udp[5] = 10, udp[8] = 'h', udp[9] = 'i';
    uint32_t pseudo = 0xc612 + 0x0002 + 0xc612 + 0x0001 + 17 + 10;
    pseudo = (pseudo & 0xffff) + (pseudo >> 16);
    udp[6] = (uint8_t)(pseudo >> 8), udp[7] = (uint8_t)pseudo;
    vnet_sw_csum(f, sizeof(f), 34, 6);
    // Verify: the sum over pseudo header and segment, with the result, is 0xffff.
    uint32_t s = 0xc612 + 0x0002 + 0xc612 + 0x0001 + 17 + 10;
    for (int i = 0; i < 10; i += 2)
        s += (uint32_t)(udp[i] << 8 | udp[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    assert_int_equal(s, 0xffff);
}

static void test_features(void **state)
{
    (void)state;
    uint64_t v1 = VIRTIO_BIT(VIRTIO_F_VERSION_1);
    uint64_t qemu =
        VNET_WANTED | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_F_RING_PACKED);
    assert_int_equal(vnet_features(qemu), VNET_WANTED);
    assert_int_equal(vnet_features(v1), v1);
    assert_int_equal(vnet_features(0), 0); // no VERSION_1: the driver refuses later
    uint64_t f = vnet_features(VNET_WANTED & ~VIRTIO_BIT(VIRTIO_NET_F_CSUM));
    assert_false(f & VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4));
    f = vnet_features(VNET_WANTED & ~VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF));
    assert_false(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4));
    assert_true(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM));
    f = vnet_features(VNET_WANTED & ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM));
    assert_false(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4));
    assert_int_equal(vnet_caps(VNET_WANTED),
                     NETIF_CAP_TX_CSUM | NETIF_CAP_TX_TSO4 | NETIF_CAP_RX_CSUM | NETIF_CAP_RX_GSO4);
    assert_int_equal(vnet_caps(v1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_format_and_attach),
        cmocka_unit_test(test_peek_then_publish),
        cmocka_unit_test(test_netif_data),
        cmocka_unit_test(test_hdr_rx),
        cmocka_unit_test(test_hdr_tx),
        cmocka_unit_test(test_sw_csum),
        cmocka_unit_test(test_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
