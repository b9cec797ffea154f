# SPDX-License-Identifier: MIT
# Long-running system services. Each component is a static ring-3 ELF that the
# ISO carries as a multiboot2 module.
USER_LDS := lib/user.ld
USER_ELFS :=

# $(call user_elf,NAME,SOURCES): build $(B)/NAME.elf from SOURCES and the runtime.
define user_elf
USER_ELFS += $(B)/$(1).elf
$(B)/$(1).elf: $(patsubst %,$(B)/u/%.o,$(basename $(2))) $(ULIB_OBJS) $(USER_LDS)
	$(CC) -nostdlib -static -z max-page-size=0x1000 -Wl,--build-id=none -T $(USER_LDS) -o $$@ \
		$(patsubst %,$(B)/u/%.o,$(basename $(2))) $(ULIB_OBJS) -lgcc
endef

$(eval $(call user_elf,init,servers/init/init.c))
