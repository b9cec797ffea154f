// SPDX-License-Identifier: MIT
// lwIP configuration for Ringwall: NO_SYS=1 raw API only (no sockets, no
// netconn), IPv4 with ARP, ICMP, TCP and UDP, sized for bulk throughput: a full
// Ethernet MSS, a 512 KiB receive window with window scaling, deep send queues
// and pools large enough for several bulk streams at once. Every size may be
// overridden with -D. Checksums are computed in software unless a netif turns
// them off (LWIP_CHECKSUM_CTRL_PER_NETIF): the network stack leaves TCP and UDP
// checksums to a NIC that offers offload, and skips the check of a frame the
// NIC verified. Received frames may be custom pbufs over driver buffers
// (LWIP_SUPPORT_CUSTOM_PBUF). The DHCP client is in. This file is tuning only;
// platform glue is in arch/.
#ifndef LWPORT_LWIPOPTS_H
#define LWPORT_LWIPOPTS_H

// --- system model -------------------------------------------------------------
#define NO_SYS                     1
#define SYS_LIGHTWEIGHT_PROT       0
#define LWIP_SOCKET                0
#define LWIP_NETCONN               0
#define LWIP_NETIF_API             0
#define LWIP_TIMERS                1
#define LWIP_PROVIDE_ERRNO         1
#define LWIP_STATS                 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_SINGLE_NETIF          0

// --- memory -------------------------------------------------------------------
#define MEM_ALIGNMENT 8
#ifndef MEM_SIZE
#define MEM_SIZE (4 * 1024 * 1024)
#endif
#ifndef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE 1024
#endif
// One pool buffer holds a whole Ethernet frame, so a driver can receive into it.
#define PBUF_POOL_BUFSIZE       1536
#define MEMP_NUM_PBUF           4096
#define MEMP_NUM_TCP_PCB        32
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_UDP_PCB        8
#define MEMP_NUM_TCP_SEG        4096
#define MEMP_NUM_REASSDATA      8
#define MEMP_NUM_FRAG_PBUF      32
#define MEMP_NUM_ARP_QUEUE      64
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)

// --- protocols ----------------------------------------------------------------
#define LWIP_IPV4                     1
#define LWIP_IPV6                     0
#define LWIP_ARP                      1
#define LWIP_ETHERNET                 1
#define ARP_TABLE_SIZE                32
#define ARP_QUEUEING                  1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ICMP                     1
#define LWIP_RAW                      0
#define LWIP_UDP                      1
#define LWIP_TCP                      1
#define LWIP_DHCP                     1
#define LWIP_AUTOIP                   0
#define LWIP_IGMP                     0
#define LWIP_DNS                      0
#define IP_REASSEMBLY                 1
#define IP_FRAG                       1
#define IP_REASS_MAX_PBUFS            64

// --- TCP tuned for throughput --------------------------------------------------
#define TCP_MSS        1460
#define LWIP_WND_SCALE 1
#ifndef TCP_RCV_SCALE
#define TCP_RCV_SCALE 4
#endif
#ifndef TCP_WND
#define TCP_WND (512 * 1024)
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF (512 * 1024)
#endif
#define TCP_SND_QUEUELEN          ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT              (32 * 1024) // a u16_t in lwIP
#define TCP_SNDQUEUELOWAT         (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ           1
#define LWIP_TCP_SACK_OUT         1
#define TCP_OOSEQ_MAX_PBUFS       256
#define TCP_OVERSIZE              TCP_MSS
#define LWIP_TCP_TIMESTAMPS       0
#define TCP_LISTEN_BACKLOG        0
#define LWIP_TCP_KEEPALIVE        1
#define TCP_WND_UPDATE_THRESHOLD  (TCP_WND / 8)
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1 // the network stack's large-segment state (nsif.c)

// --- checksums and custom pbufs -----------------------------------------------
// Compiled in; each netif decides at run time (NETIF_SET_CHECKSUM_CTRL).
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP              1
#define CHECKSUM_GEN_UDP             1
#define CHECKSUM_GEN_TCP             1
#define CHECKSUM_GEN_ICMP            1
#define CHECKSUM_CHECK_IP            1
#define CHECKSUM_CHECK_UDP           1
#define CHECKSUM_CHECK_TCP           1
#define CHECKSUM_CHECK_ICMP          1
// Not summed while copying: lwIP would then sum every byte at tcp_write time,
// no-copy data included, even for a NIC that computes the checksum itself.
#define LWIP_CHECKSUM_ON_COPY        0
#define LWIP_SUPPORT_CUSTOM_PBUF     1

// Every TCP segment that reaches a connection's pcb is first shown to
// lwport_tcp_input_hook (net/lwip-port/sys_arch.c), if a component sets it;
// the segment is always processed after it. The network stack uses it to give
// established connections large segments for its TSO-capable NICs.
struct tcp_pcb;
extern void (*lwport_tcp_input_hook)(struct tcp_pcb *pcb);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                             \
    (lwport_tcp_input_hook ? lwport_tcp_input_hook(pcb) : (void)0, ERR_OK)

#endif
