# SPDX-License-Identifier: MIT
# The kernel: a normal build ($(KERNEL_ELF)) and a test build ($(KERNEL_TEST_ELF))
# that also carries the in-kernel test cases and the boot-test entry points.

KERNEL_SRCS := $(wildcard kernel/*.c kernel/arch/x86_64/*.c kernel/arch/x86_64/*.S) \
	lib/fmt.c lib/string.c
KERNEL_SRCS := $(filter-out kernel/ktest.c,$(KERNEL_SRCS))
KERNEL_TEST_SRCS := $(KERNEL_SRCS) kernel/ktest.c $(wildcard kernel/tests/*.c)
KERNEL_LDS := kernel/arch/x86_64/linker.ld
KLDFLAGS := -nostdlib -static -Wl,--no-warn-rwx-segments -Wl,--build-id=none -z max-page-size=0x1000 -T $(KERNEL_LDS)

KERNEL_ELF := $(B)/ringwall.elf
KERNEL_TEST_ELF := $(B)/test/ringwall.elf

obj_k = $(patsubst %,$(B)/k/%.o,$(basename $(1)))
obj_kt = $(patsubst %,$(B)/kt/%.o,$(basename $(1)))

$(KERNEL_ELF): $(call obj_k,$(KERNEL_SRCS)) $(KERNEL_LDS)
	@mkdir -p $(@D)
	@echo "  LD	$@"
	$(Q)$(CC) $(KLDFLAGS) -o $@ $(call obj_k,$(KERNEL_SRCS)) -lgcc
	$(Q)grub-file --is-x86-multiboot2 $@

$(KERNEL_TEST_ELF): $(call obj_kt,$(KERNEL_TEST_SRCS)) $(KERNEL_LDS)
	@mkdir -p $(@D)
	@echo "  LD	$@"
	$(Q)$(CC) $(KLDFLAGS) -o $@ $(call obj_kt,$(KERNEL_TEST_SRCS)) -lgcc
	$(Q)grub-file --is-x86-multiboot2 $@

# The version in the boot banner: rewritten only when `git describe` changes,
# so the files that include it rebuild exactly then.
VERSION_H := $(B)/gen/version.h
$(VERSION_H): FORCE
	@mkdir -p $(@D)
	@echo '#define RW_VERSION "$(VERSION)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(B)/k/kernel/main.o $(B)/kt/kernel/main.o: $(VERSION_H)
.PHONY: FORCE
