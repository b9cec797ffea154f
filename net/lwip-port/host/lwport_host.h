// SPDX-License-Identifier: MIT
// Host platform for the lwIP port (see lwport_host.c): installs the clock and the
// failure and log hooks. For host test programs only.
#ifndef LWPORT_HOST_H
#define LWPORT_HOST_H

void lwport_host_init(void);

#endif
