# SPDX-License-Identifier: MIT
# The network-stack component (servers/netstack/): lwIP with one netif per NIC
# over the driver rings (taken from the configuration's interface lines, hence
# the parser), answering ping and serving iperf3 on port 5201. Its
# sources see lwIP's headers and the freestanding libc shims, so include this
# file after net/net.mk (LWIP_SRCS, LWPORT_U_SRCS, IPERF_SRCS, lwip_rule).
NETSTACK_SRCS := servers/netstack/netstack.c servers/netstack/nsif.c servers/netstack/nsring.c \
	servers/netstack/nscsum.c servers/netstack/nsgso.c servers/netstack/nssock.c servers/netstack/nssock_lw.c \
	servers/netstack/nssock_tab.c servers/init/config.c servers/init/config_components.c \
	servers/init/config_net.c servers/init/config_dump.c
$(eval $(call lwip_rule,u,servers/netstack,$(CC) $(LWIP_UCFLAGS)))
$(eval $(call user_elf,netstack,$(NETSTACK_SRCS) $(IPERF_SRCS) $(LWPORT_U_SRCS) $(LWIP_SRCS)))
