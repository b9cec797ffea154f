# SPDX-License-Identifier: MIT
# The management console component (apps/console): the COM1 command line.
# It parses ringwall.conf itself for `show components`, so it links the
# configuration parser of the init server, and checks a new configuration's
# rules (`config`) with the firewall's compiler (net/fw, the FW_SRCS files).
# Include after servers/servers.mk (user_elf); its unit tests are in tests/tests.mk.
CONSOLE_SRCS := apps/console/console.c apps/console/con_inst.c apps/console/con_line.c \
	apps/console/con_show.c apps/console/con_cpu.c apps/router/rt_own.c \
	apps/console/con_disk.c apps/console/con_rec.c servers/blk/blklog.c servers/blk/blkarea.c \
	servers/init/config.c servers/init/config_components.c servers/init/config_net.c \
	servers/init/config_dump.c apps/console/con_cfg.c \
	net/fw/fw.c net/fw/fw_conn.c net/fw/fw_csum.c net/fw/fw_fmt.c net/fw/fw_icmp.c \
	net/fw/fw_lex.c net/fw/fw_nat.c net/fw/fw_pkt.c net/fw/fw_route.c net/fw/fw_rules.c
$(eval $(call user_elf,console,$(CONSOLE_SRCS)))
