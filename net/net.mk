# SPDX-License-Identifier: MIT
# The lwIP port (net/lwip-port/) and the lwIP core sources it uses, built two
# ways: freestanding for ring-3 components ($(B)/u/..., only lib/ and the shims
# in net/lwip-port/libc/) and hosted for test programs ($(B)/h/...). lwIP itself
# is never in git: scripts/deps.sh unpacks Debian's lwIP 2.1.3 into $(LWIP_DIR).
# Sources under net/, apps/iperf3/ and tests/host-net/ see lwIP's headers through
# the more specific pattern rules below (GNU make prefers the shortest stem).

LWIP_DIR := $(B)/lwip
LWIP_CORE := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
	core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv4/ip4_frag.c netif/ethernet.c
LWIP_SRCS := $(addprefix $(LWIP_DIR)/src/,$(LWIP_CORE))

# The port: shared, freestanding-only and host-only parts. A component links
# $(LWIP_SRCS) $(LWPORT_U_SRCS); a host program $(LWIP_SRCS) $(LWPORT_H_SRCS).
LWPORT_SRCS := net/lwip-port/sys_arch.c
LWPORT_U_SRCS := $(LWPORT_SRCS) net/lwip-port/libc/libc.c
LWPORT_H_SRCS := $(LWPORT_SRCS) net/lwip-port/host/lwport_host.c lib/fmt.c

LWIP_INC := -Inet/lwip-port -I$(LWIP_DIR)/src/include
# Freestanding: no host headers at all, only the compiler's own and our shims.
LWIP_UCFLAGS := $(UCFLAGS) -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Inet/lwip-port/libc -DLWPORT_FREESTANDING $(LWIP_INC)
LWIP_HCFLAGS := $(HOSTCFLAGS) $(LWIP_INC)
# Extra flags for lwIP's own files only: none needed with gcc 12 (kept as the one place to add them).
LWIP_WNO :=

# $(call lwip_rule,OUTDIR,SRCDIR,COMPILER AND FLAGS)
define lwip_rule
$(B)/$(1)/$(2)/%.o: $(2)/%.c
	@mkdir -p $$(@D)
	@$(if $(V),true,echo "  $(1)	$$<")
	$(Q)$(3) -c $$< -o $$@
endef
$(eval $(call lwip_rule,u,$(LWIP_DIR)/src,$(CC) $(LWIP_UCFLAGS) $(LWIP_WNO)))
$(eval $(call lwip_rule,h,$(LWIP_DIR)/src,$(HOSTCC) $(LWIP_HCFLAGS) $(LWIP_WNO)))
$(foreach d,net apps/iperf3,$(eval $(call lwip_rule,u,$(d),$(CC) $(LWIP_UCFLAGS))))
$(foreach d,net apps/iperf3 tests/host-net,$(eval $(call lwip_rule,h,$(d),$(HOSTCC) $(LWIP_HCFLAGS))))

# lwIP sources appear when scripts/deps.sh has run.
$(LWIP_SRCS):
	@test -f $@ || scripts/deps.sh

# The iperf3 server: protocol logic and JSON (no lwIP) plus the lwIP glue.
IPERF_PROTO_SRCS := apps/iperf3/iperf3_proto.c apps/iperf3/iperf3_json.c
IPERF_SRCS := $(IPERF_PROTO_SRCS) apps/iperf3/iperf3_server.c

# Freestanding link check: lwIP + the iperf3 server in a ring-3 ELF.
LWIP_CHECK_ELF := $(B)/net/lwip_check.elf
$(eval $(call link_user,$(LWIP_CHECK_ELF),net/lwip-port/lwport_check.c $(IPERF_SRCS) \
	$(LWPORT_U_SRCS) $(LWIP_SRCS)))

# Host harness: lwIP + the iperf3 server on a Linux TAP device.
IPERF_HOST := $(B)/tests/iperf3_host
IPERF_HOST_SRCS := tests/host-net/iperf3_host.c tests/host-net/tapif.c $(IPERF_SRCS) \
	$(LWPORT_H_SRCS) $(LWIP_SRCS)
$(IPERF_HOST): $(patsubst %,$(B)/h/%.o,$(basename $(IPERF_HOST_SRCS)))
	@mkdir -p $(@D)
	@echo "  LD	$@"
	$(Q)$(HOSTCC) -o $@ $^

.PHONY: net
net: $(LWIP_CHECK_ELF) $(IPERF_HOST)

# The packet-filter library (net/fw): rules, connection tracking, NAT, routes.
FW_SRCS := net/fw/fw.c net/fw/fw_conn.c net/fw/fw_csum.c net/fw/fw_fmt.c net/fw/fw_frag.c net/fw/fw_icmp.c \
	net/fw/fw_lex.c net/fw/fw_nat.c net/fw/fw_pkt.c net/fw/fw_route.c net/fw/fw_rules.c lib/fmt.c
