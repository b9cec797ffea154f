# SPDX-License-Identifier: MIT
# Applications the appliance ISO carries. The responder answers ARP and ICMP
# echo on every NIC it is given; it serves the default configuration until the
# network stack and the router take its place.
$(eval $(call user_elf,responder,apps/responder/responder.c apps/responder/frame.c))
include apps/console/console.mk

# The router/firewall: the packet-filter library (net/fw) and the
# configuration parser it shares with init.
ROUTER_SRCS := apps/router/router.c apps/router/rt_fwd.c apps/router/rt_arp.c \
	apps/router/rt_cmd.c apps/router/rt_show.c apps/router/rt_text.c \
	apps/router/rt_fabric.c apps/router/rt_own.c \
	$(filter-out lib/fmt.c,$(wildcard net/fw/*.c)) \
	servers/init/config.c servers/init/config_components.c servers/init/config_net.c \
	servers/init/config_dump.c
$(eval $(call user_elf,router,$(ROUTER_SRCS)))

# The echo component: TCP/UDP echo and TCP discard through a socket region of
# the network stack (shm/sock.h), with the client library net/sock.
$(eval $(call user_elf,echo,apps/echo/echo.c apps/echo/echo_setup.c net/sock/sock_app.c))
