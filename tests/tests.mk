# SPDX-License-Identifier: MIT
# Test builds: host unit tests (cmocka) compiled from the real sources, and the
# test ISOs the QEMU boot tests boot. tests/run executes them all.

UNIT_TESTS :=

# $(call unit_test,NAME,SOURCES): a cmocka program $(B)/tests/NAME.
define unit_test
UNIT_TESTS += $(B)/tests/$(1)
$(B)/tests/$(1): $(patsubst %,$(B)/h/%.o,$(basename $(2)))
	@mkdir -p $$(@D)
	@echo "  LD	$$@"
	$(Q)$(HOSTCC) -o $$@ $$^ -lcmocka -lpthread
endef

$(eval $(call unit_test,fmt_test,tests/unit/fmt_test.c lib/fmt.c))
$(eval $(call unit_test,string_test,tests/unit/string_test.c))
$(eval $(call unit_test,ring_test,tests/unit/ring_test.c))
$(eval $(call unit_test,virtq_test,tests/unit/virtq_test.c drivers/virtio-net/virtq.c))
$(eval $(call unit_test,netif_test,tests/unit/netif_test.c drivers/virtio-net/vnet_hdr.c))
$(eval $(call unit_test,frame_test,tests/unit/frame_test.c apps/responder/frame.c))
$(eval $(call unit_test,json_test,tests/unit/json_test.c apps/iperf3/iperf3_json.c))
$(eval $(call unit_test,iperf3_test,tests/unit/iperf3_test.c $(IPERF_PROTO_SRCS)))
CONFIG_SRCS := servers/init/config.c servers/init/config_components.c servers/init/config_net.c \
	servers/init/config_dump.c
$(eval $(call unit_test,config_test,tests/unit/config_test.c $(CONFIG_SRCS) lib/fmt.c))
$(eval $(call unit_test,comp_ctl_test,tests/unit/comp_ctl_test.c lib/comp_ctl.c))
$(eval $(call unit_test,boot_test,tests/unit/boot_test.c kernel/boot.c tests/unit/klog_stub.c))
$(eval $(call unit_test,nvme_prp_test,tests/unit/nvme_prp_test.c drivers/nvme/nvme_prp.c))
$(eval $(call unit_test,blk_test,tests/unit/blk_test.c))
$(eval $(call unit_test,sock_test,tests/unit/sock_test.c servers/netstack/nssock_tab.c))
$(eval $(call unit_test,nscsum_test,tests/unit/nscsum_test.c servers/netstack/nscsum.c))
$(eval $(call unit_test,nsgso_test,tests/unit/nsgso_test.c servers/netstack/nsgso.c))
$(eval $(call unit_test,blklog_test,tests/unit/blklog_test.c servers/blk/blklog.c))
$(eval $(call unit_test,fw_pkt_test,tests/unit/fw_pkt_test.c $(FW_SRCS)))
$(eval $(call unit_test,fw_route_test,tests/unit/fw_route_test.c $(FW_SRCS)))
$(eval $(call unit_test,fw_rules_test,tests/unit/fw_rules_test.c $(FW_SRCS)))
$(eval $(call unit_test,fw_conn_test,tests/unit/fw_conn_test.c $(FW_SRCS)))
$(eval $(call unit_test,fw_nat_test,tests/unit/fw_nat_test.c $(FW_SRCS)))
$(eval $(call unit_test,fw_filter_test,tests/unit/fw_filter_test.c $(FW_SRCS)))
$(eval $(call unit_test,fw_frag_test,tests/unit/fw_frag_test.c $(FW_SRCS)))
$(eval $(call unit_test,rt_fabric_test,tests/unit/rt_fabric_test.c apps/router/rt_own.c))
RT_CMD_SRCS := apps/router/rt_cmd.c apps/router/rt_show.c apps/router/rt_text.c
$(eval $(call unit_test,rt_cmd_test,tests/unit/rt_cmd_test.c $(RT_CMD_SRCS) $(FW_SRCS) \
	apps/iperf3/iperf3_json.c))
$(eval $(call unit_test,con_rec_test,tests/unit/con_rec_test.c apps/console/con_rec.c \
	servers/blk/blklog.c servers/blk/blkarea.c lib/fmt.c))
$(eval $(call unit_test,saved_test,tests/unit/saved_test.c servers/init/saved.c \
	servers/blk/blklog.c servers/blk/blkarea.c $(CONFIG_SRCS) lib/fmt.c))
$(eval $(call unit_test,con_cfg_test,tests/unit/con_cfg_test.c apps/console/con_cfg.c \
	$(CONFIG_SRCS) $(FW_SRCS)))
$(eval $(call unit_test,con_test,tests/unit/con_test.c apps/console/con_line.c \
	apps/console/con_show.c apps/console/con_cpu.c $(CONFIG_SRCS) lib/fmt.c))

# Ring concurrency: the two-thread stress test under ThreadSanitizer.
RING_STRESS := $(B)/tests/ring_stress_tsan
$(RING_STRESS): tests/stress/ring_stress.c tests/stress/host_ntfn.h shm/ring.h shm/pool.h
	@mkdir -p $(@D)
	@echo "  TSAN\t$@"
	$(Q)$(HOSTCC) -std=c11 -O1 -g -fsanitize=thread $(WARN) -I. $< -o $@ -lpthread

# Ring-3 kernel tests: utest.elf runs as the first process of a test ISO.
UTEST_SRCS := tests/user/utest.c tests/user/utest_hw.c tests/user/roles.c tests/user/fuzz.c
$(eval $(call test_user_elf,utest,$(UTEST_SRCS)))
$(eval $(call test_user_elf,ringtest,tests/user/ringtest.c))

# Test ISOs: the test kernel with "test=NAME" (and more) on its command line,
# carrying the appliance's components and the test-only programs.
TEST_ISO_NAMES := ktest fault user compose badconf vnet fournic fwlab nvme manage dhcp disk sock \
	diskfactory multicore
CMDLINE_ktest := test=ktest
CMDLINE_fault := test=fault
CMDLINE_user := test=user init=utest.elf
CMDLINE_vnet := test=user init=vnet-lab.elf
CMDLINE_fournic := test=user
CMDLINE_fwlab := test=user
CONFIG_fwlab := tests/qemu/firewall.conf
CMDLINE_multicore := test=user
CONFIG_multicore := tests/qemu/multicore.conf
CMDLINE_dhcp := test=user
CMDLINE_sock := test=user
CONFIG_sock := tests/qemu/sock.conf
CONFIG_dhcp := tests/qemu/dhcp.conf
CONFIG_fournic := tests/qemu/four.conf
CMDLINE_nvme := test=user
CONFIG_nvme := tests/qemu/nvme.conf
CMDLINE_disk := test=user
CONFIG_disk := tests/qemu/disk.conf
CMDLINE_diskfactory := test=user ringwall.factory
CONFIG_diskfactory := tests/qemu/disk.conf
CMDLINE_compose := test=user
CONFIG_compose := tests/qemu/compose.conf
CMDLINE_badconf := test=user
CMDLINE_manage := test=user
CONFIG_manage := tests/qemu/manage.conf
CONFIG_badconf := tests/qemu/bad.conf
TEST_ISOS := $(patsubst %,$(B)/test/%.iso,$(TEST_ISO_NAMES))

$(B)/test/%.iso: $(KERNEL_TEST_ELF) $(USER_ELFS) $(TEST_USER_ELFS) $(CONFIG) tests/qemu/*.conf \
		scripts/mkiso.sh | deps
	@echo "  ISO\t$@"
	$(Q)scripts/mkiso.sh $@ $(KERNEL_TEST_ELF) "$(CMDLINE_$*)" $(or $(CONFIG_$*),$(CONFIG)) \
		$(USER_ELFS) $(TEST_USER_ELFS)

test-build: $(ISO) $(TEST_ISOS) $(UNIT_TESTS) $(RING_STRESS) $(IPERF_HOST) $(LWIP_CHECK_ELF)

test: deps
	$(MAKE) test-build
	B=$(B) tests/run

.PHONY: test-build
