# SPDX-License-Identifier: MIT
# The ring-3 runtime every component links: start-up, system-call library,
# formatted output and string routines.
ULIB_SRCS := $(wildcard lib/*.c lib/*.S)
ULIB_OBJS := $(patsubst %,$(B)/u/%.o,$(basename $(ULIB_SRCS)))
