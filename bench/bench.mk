# SPDX-License-Identifier: MIT
# Benchmarks: ring-3 programs booted from their own ISO on the test kernel (for
# the exit path), and host programs. bench/run drives them beside Linux peers.
$(eval $(call test_user_elf,kbench,bench/kernel/kbench.c))
CMDLINE_kbench := test=user init=kbench.elf
BENCH_ISOS := $(B)/test/kbench.iso

# The block benchmark client (bench/blk/run.sh) beside the NVMe driver.
$(eval $(call test_user_elf,blk-bench,bench/blk/blk_bench.c))
CMDLINE_blkbench := test=user
CONFIG_blkbench := bench/blk/blk_bench.conf
$(B)/test/blkbench.iso: bench/blk/blk_bench.conf
BENCH_ISOS += $(B)/test/blkbench.iso
CMDLINE_blkbench4 := test=user
CONFIG_blkbench4 := bench/blk/blk_bench4.conf
$(B)/test/blkbench4.iso: bench/blk/blk_bench4.conf
BENCH_ISOS += $(B)/test/blkbench4.iso

RING_BENCH := $(B)/bench/ring_bench
$(RING_BENCH): bench/ring/ring_bench.c tests/stress/host_ntfn.h shm/ring.h shm/pool.h
	@mkdir -p $(@D)
	@echo "  HOST\t$@"
	$(Q)$(HOSTCC) -std=c11 -O2 $(WARN) -I. $< -o $@ -lpthread

bench-build: $(BENCH_ISOS) $(RING_BENCH) $(B)/test/compose.iso $(B)/test/vnet.iso

bench: deps
	$(MAKE) bench-build
	B=$(B) bench/run

.PHONY: bench-build
