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

# The NVMe driver (drivers/nvme): one process per controller, serving block
# regions (shm/blk.h) to its clients, one I/O queue pair each.
NVME_SRCS := drivers/nvme/nvme_main.c drivers/nvme/nvme_pci.c drivers/nvme/nvme_ctrl.c \
	drivers/nvme/nvme_queue.c drivers/nvme/nvme_io.c drivers/nvme/nvme_prp.c
$(eval $(call user_elf,nvme,$(NVME_SRCS)))

# The block client of the NVMe QEMU test (tests/qemu/nvme_disk.sh).
$(eval $(call test_user_elf,blk-check,tests/user/blk_check.c servers/blk/blklog.c))
