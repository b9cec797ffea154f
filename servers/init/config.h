// SPDX-License-Identifier: MIT
// The appliance configuration (servers/init/ringwall.conf) as the init server
// sees it: a fixed-size, allocation-free description of the components to
// start, the shared regions and notification channels between them, the
// network interfaces and routes, and the firewall/NAT lines kept as raw text.
// config_parse() checks syntax and meaning and names the first bad line; it
// does not check the configuration against the machine (whether an ELF module
// or a PCI device exists), which is the init server's job at boot, and it does
// not parse firewall rules, which is the firewall's. The grammar is written up
// in servers/init/README.md.
#ifndef RW_CONFIG_H
#define RW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_COMPONENTS 16
#define CONFIG_MAX_REGIONS    32
#define CONFIG_MAX_CHANNELS   64
#define CONFIG_MAX_INTERFACES 8
#define CONFIG_MAX_ROUTES     32
#define CONFIG_MAX_RULES      64  // rule and nat lines together
#define CONFIG_MAX_DEVICES    8   // device grants per component
#define CONFIG_MAX_MAPS       4   // components one region is mapped into
#define CONFIG_MAX_CORES      64  // largest max_cores config_parse() accepts
#define CONFIG_MAX_WORDS      24  // words on one line (rule and nat lines excepted)
#define CONFIG_LINE_MAX       512 // bytes on one line, not counting its line ending
#define CONFIG_NAME_MAX       16  // names and channel labels, with the NUL
#define CONFIG_FILE_MAX       48  // ELF module names, with the NUL (as boot modules)
#define CONFIG_ARGS_MAX       96  // component arguments, with the NUL
#define CONFIG_RULE_MAX       256 // rule and nat text, with the NUL
#define CONFIG_MSG_MAX        128

#define CONFIG_PRIORITY_MAX     31 // the scheduler's priorities are 0 (lowest) .. 31
#define CONFIG_PRIORITY_DEFAULT 16
#define CONFIG_MTU_MIN          68
#define CONFIG_MTU_MAX          9000
#define CONFIG_MTU_DEFAULT      1500
#define CONFIG_PAGE_SIZE        4096u
#define CONFIG_REGION_SIZE_MAX  (1ull << 30)
#define CONFIG_NONE             0xff // an index that refers to nothing

// What config_parse() returns, and config_error.status.
enum config_status {
    CONFIG_OK = 0,
    CONFIG_EINVAL = -1,  // bad call: NULL pointer, max_cores out of range
    CONFIG_ESYNTAX = -2, // malformed line: unknown statement, stray byte or quote
    CONFIG_EKEY = -3,    // unknown, repeated, missing or conflicting key
    CONFIG_EVALUE = -4,  // malformed or out-of-range value
    CONFIG_EDUP = -5,    // a name, channel, route, address or device given twice
    CONFIG_EREF = -6,    // reference to an undefined component or interface
    CONFIG_ELIMIT = -7,  // a fixed limit exceeded: items, words, line or name length
};

struct config_error {
    int status;               // enum config_status
    uint32_t line;            // 1-based; 0 when the error is not about a line
    char msg[CONFIG_MSG_MAX]; // "line 12: unknown key 'cor' in component"
};

enum config_restart {
    CONFIG_RESTART_ON_FAILURE = 0, // the default
    CONFIG_RESTART_ALWAYS = 1,
    CONFIG_RESTART_NEVER = 2,
};

enum config_device_kind {
    CONFIG_DEV_PCI = 1,
    CONFIG_DEV_IOPORT = 2,
    CONFIG_DEV_IRQ = 3,
};

// A hardware resource granted to one component; no two grants overlap.
struct config_device {
    uint8_t kind;            // enum config_device_kind
    uint8_t bus, slot, func; // CONFIG_DEV_PCI
    uint16_t port_first;     // CONFIG_DEV_IOPORT, inclusive range
    uint16_t port_last;
    uint8_t irq; // CONFIG_DEV_IRQ
};

struct config_component {
    char name[CONFIG_NAME_MAX];
    char elf[CONFIG_FILE_MAX]; // boot module name
    char args[CONFIG_ARGS_MAX];
    uint32_t line;
    uint8_t core;     // < max_cores
    uint8_t priority; // 0 .. CONFIG_PRIORITY_MAX
    uint8_t restart;  // enum config_restart
    uint8_t ndevices;
    bool manage;   // may ask init to restart components and inject faults
    bool optional; // a missing PCI device leaves it out instead of stopping the boot
    struct config_device devices[CONFIG_MAX_DEVICES];
};

struct config_map {
    char component[CONFIG_NAME_MAX];
    uint8_t index; // into config.components
    bool readonly;
};

struct config_region {
    char name[CONFIG_NAME_MAX];
    uint64_t size; // bytes, a non-zero multiple of CONFIG_PAGE_SIZE
    uint32_t line;
    uint8_t nmaps;
    struct config_map maps[CONFIG_MAX_MAPS];
};

// A notification from one component to another. (from, label) is unique, so
// the signaller can name each of its channels by label ("" when unlabelled).
struct config_channel {
    char from[CONFIG_NAME_MAX];
    char label[CONFIG_NAME_MAX];
    char to[CONFIG_NAME_MAX];
    uint8_t from_index; // into config.components
    uint8_t to_index;
    uint32_t line;
};

// IPv4 addresses are held in host byte order: 198.18.0.1 is 0xc6120001.
struct config_interface {
    char name[CONFIG_NAME_MAX];
    char driver[CONFIG_NAME_MAX];
    uint8_t driver_index; // into config.components
    bool dhcp;            // when set, addr and prefix are 0
    uint8_t prefix;
    uint16_t mtu;
    uint32_t addr;
    uint32_t line;
};

struct config_route {
    uint32_t dest; // host bits are zero
    uint8_t prefix;
    uint8_t dev_index;         // into config.interfaces, or CONFIG_NONE
    char dev[CONFIG_NAME_MAX]; // "" when there is no dev
    uint32_t via;              // 0 when there is no via
    uint32_t line;
};

enum config_rule_kind {
    CONFIG_RULE_FILTER = 1, // a "rule" line
    CONFIG_RULE_NAT = 2,    // a "nat" line
};

// A firewall line, unparsed: the text after the keyword, comment and
// surrounding blanks removed, for the firewall's own parser.
struct config_rule {
    uint32_t line;
    uint8_t kind; // enum config_rule_kind
    char text[CONFIG_RULE_MAX];
};

// Items of each kind are kept in file order.
struct config {
    uint32_t ncomponents, nregions, nchannels, ninterfaces, nroutes, nrules;
    struct config_component components[CONFIG_MAX_COMPONENTS];
    struct config_region regions[CONFIG_MAX_REGIONS];
    struct config_channel channels[CONFIG_MAX_CHANNELS];
    struct config_interface interfaces[CONFIG_MAX_INTERFACES];
    struct config_route routes[CONFIG_MAX_ROUTES];
    struct config_rule rules[CONFIG_MAX_RULES];
};

// Parses len bytes of text (trailing NUL padding, as in a page-rounded boot
// module, is ignored) for a machine with max_cores cores. Returns CONFIG_OK and
// fills *out, or a negative enum config_status with *err naming the first bad
// line (the earliest one, for references resolved after the whole file is
// read) and *out zeroed.
int config_parse(const char *text, size_t len, unsigned max_cores, struct config *out,
                 struct config_error *err);

// Writes cfg in canonical form: one statement per line, items grouped by kind
// in file order, every key spelled out. Parsing the result gives cfg back
// (line numbers aside). Returns the length of the whole text; it was
// truncated (and still NUL-terminated) if that is >= size.
size_t config_dump(const struct config *cfg, char *buf, size_t size);

// Index of the named component or interface, or -1.
int config_find_component(const struct config *cfg, const char *name);
int config_find_interface(const struct config *cfg, const char *name);

const char *config_restart_name(unsigned restart);

#endif
