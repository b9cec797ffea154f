# SPDX-License-Identifier: MIT
# Ringwall top-level build. `make` builds build/ringwall.iso; `make run` boots it
# in QEMU; `make test` runs every test tier and ends with "N passed, N failed".
# Each folder contributes a .mk fragment; all output goes under $(B).

B ?= build
Q := $(if $(V),,@)
ACCEL ?= tcg
SMP ?= 2
MEM ?= 512
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CC := gcc
HOSTCC := gcc
WARN := -Wall -Wextra -Werror
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mcmodel=kernel -mgeneral-regs-only -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -MD -MP -I. -I$(B)/gen
UCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -MD -MP -I.
HOSTCFLAGS := -std=gnu11 -O2 -g $(WARN) -MD -MP -I.

.PHONY: all iso run test bench deps clean format format-check
all: iso

ISO := $(B)/ringwall.iso
CONFIG := servers/init/ringwall.conf

include kernel/kernel.mk
include lib/lib.mk
include servers/servers.mk
include drivers/drivers.mk
include apps/apps.mk
include net/net.mk
include servers/netstack/netstack.mk
include bench/bench.mk
include tests/tests.mk

iso: $(ISO)

$(ISO): $(KERNEL_ELF) $(USER_ELFS) $(CONFIG) scripts/mkiso.sh | deps
	@echo "  ISO	$@"
	$(Q)scripts/mkiso.sh $@ $(KERNEL_ELF) "" $(CONFIG) $(USER_ELFS)

deps: $(B)/.deps-checked
$(B)/.deps-checked: scripts/deps.sh
	scripts/deps.sh
	@mkdir -p $(B) && touch $@

run: $(ISO)
	scripts/run-qemu.sh $(ISO)

clean:
	rm -rf $(B)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# Compile rules shared by every fragment. V=1 shows full command lines.
# k: kernel, kt: kernel test build, u: ring-3 components, h: host programs.
define compile_rule
$(B)/$(1)/%.o: %.$(2)
	@mkdir -p $$(@D)
	@$(if $(V),true,echo "  $(1)	$$<")
	$(Q)$(3) -c $$< -o $$@
endef
$(eval $(call compile_rule,k,c,$(CC) $(KCFLAGS)))
$(eval $(call compile_rule,k,S,$(CC) $(KCFLAGS)))
$(eval $(call compile_rule,kt,c,$(CC) $(KCFLAGS) -DRINGWALL_TEST))
$(eval $(call compile_rule,kt,S,$(CC) $(KCFLAGS) -DRINGWALL_TEST))
$(eval $(call compile_rule,u,c,$(CC) $(UCFLAGS)))
$(eval $(call compile_rule,u,S,$(CC) $(UCFLAGS)))
$(eval $(call compile_rule,h,c,$(HOSTCC) $(HOSTCFLAGS)))

-include $(shell find $(B)/k $(B)/kt $(B)/u $(B)/h -name '*.d' -type f 2>/dev/null)
