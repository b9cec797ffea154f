# SPDX-License-Identifier: MIT
# The management console component (apps/console): the COM1 command line.
# It parses ringwall.conf itself for `show components`, so it links the
# configuration parser of the init server. Include after servers/servers.mk
# (user_elf); its unit tests are in tests/tests.mk.
CONSOLE_SRCS := apps/console/console.c apps/console/con_inst.c apps/console/con_line.c apps/console/con_show.c \
	apps/console/con_disk.c apps/console/con_rec.c servers/blk/blklog.c apps/router/rt_own.c \
	servers/init/config.c servers/init/config_components.c servers/init/config_net.c \
	servers/init/config_dump.c
$(eval $(call user_elf,console,$(CONSOLE_SRCS)))
