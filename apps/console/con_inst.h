// SPDX-License-Identifier: MIT
// The router instances the console asks (apps/console/con_inst.c): found
// from the console's mgmt regions and channels, asked one at a time.
#ifndef RW_CON_INST_H
#define RW_CON_INST_H

#include <stdint.h>

#include "lib/component.h"
#include "servers/init/config.h"

// Finds the instances (cfg may be NULL: names and interfaces are then
// unknown); returns how many there are.
unsigned con_inst_setup(const struct comp_info *ci, const struct config *cfg);
// Asks instance i: its answer into out (NUL-terminated), its length, or -1
// if there is no such instance or it did not answer within 2 s.
int32_t con_inst_ask(unsigned i, const char *cmd, char *out, uint32_t cap);
// Asks every instance and prints the answers (see con_inst.c for the shape).
void con_inst_forward(const char *cmd);

#endif
