# SPDX-License-Identifier: MIT
# Long-running system services. Each component is a static ring-3 ELF that the
# ISO carries as a multiboot2 module.
USER_LDS := lib/user.ld
USER_ELFS :=

# $(call link_user,OUT,SOURCES): link a ring-3 ELF from SOURCES and the runtime.
define link_user
$(1): $(patsubst %,$(B)/u/%.o,$(basename $(2))) $(ULIB_OBJS) $(USER_LDS)
	@mkdir -p $$(@D)
	@echo "  LD\t$$@"
	$(Q)$(CC) -nostdlib -static -z max-page-size=0x1000 -Wl,--build-id=none -T $(USER_LDS) \
		-o $$@ $(patsubst %,$(B)/u/%.o,$(basename $(2))) $(ULIB_OBJS) -lgcc
endef

# $(call user_elf,NAME,SOURCES): a component carried by the appliance ISO.
define user_elf
USER_ELFS += $(B)/$(1).elf
$(call link_user,$(B)/$(1).elf,$(2))
endef

# $(call test_user_elf,NAME,SOURCES): a ring-3 program only test ISOs carry.
define test_user_elf
TEST_USER_ELFS += $(B)/test/$(1).elf
$(call link_user,$(B)/test/$(1).elf,$(2))
endef

INIT_SRCS := servers/init/init.c servers/init/supervise.c servers/init/manage.c servers/init/config.c \
	servers/init/config_components.c servers/init/config_net.c servers/init/config_dump.c \
	servers/init/saved.c servers/init/saved_disk.c servers/blk/blklog.c servers/blk/blkarea.c
$(eval $(call user_elf,init,$(INIT_SRCS)))
