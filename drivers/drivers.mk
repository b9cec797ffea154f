# SPDX-License-Identifier: MIT
# User-space device drivers, one folder per device. Each driver is a ring-3
# component the appliance ISO carries; init starts one instance per device.
# Include after servers/servers.mk (user_elf) and before tests/tests.mk (the
# test ISOs list TEST_USER_ELFS when that file is read).

VNET_SRCS := drivers/virtio-net/vnet_main.c drivers/virtio-net/vnet_pci.c \
	drivers/virtio-net/vnet_dev.c drivers/virtio-net/vnet_rx.c drivers/virtio-net/vnet_tx.c \
	drivers/virtio-net/vnet_hdr.c drivers/virtio-net/virtq.c
$(eval $(call user_elf,virtio-net,$(VNET_SRCS)))

# The harness of the virtio-net lab (tests/qemu/vnet_ping.sh) that plays init
# (init=vnet-lab.elf), with fault injection and counters on the console.
$(eval $(call test_user_elf,vnet-lab,tests/user/vnet_lab.c))
