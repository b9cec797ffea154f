# SPDX-License-Identifier: MIT
# Applications the appliance ISO carries. The responder answers ARP and ICMP
# echo on every NIC it is given; it serves the default configuration until the
# network stack and the router take its place.
$(eval $(call user_elf,responder,apps/responder/responder.c apps/responder/frame.c))
