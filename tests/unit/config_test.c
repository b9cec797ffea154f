// SPDX-License-Identifier: MIT
// Unit tests of the appliance configuration parser (servers/init/config*.c):
// a full configuration, each class of error with the line it must name,
// forward references, the fixed limits, layout variants (comments, blanks,
// CRLF, NUL padding), the canonical dump and its round trip, and the default
// servers/init/ringwall.conf (path overridable with RINGWALL_CONF).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "servers/init/config.h"

#define CORES 4

static struct config cfg;
static struct config_error err;
static char text[64 * 1024];
static char dump[64 * 1024];

// Two components that error cases build on: their own lines are 1 and 2.
#define BASE                                                                                       \
    "component a elf=a.elf core=0\n"                                                               \
    "component b elf=b.elf core=1\n"

static const char full[] =
    "# a full configuration\n"
    "component netstack elf=netstack.elf core=1 priority=10 restart=always\n"
    "component vnet0 elf=virtio-net.elf core=0 priority=20 device=pci:00:02.0 device=irq:11\n"
    "component vnet1 elf=virtio-net.elf core=0 device=pci:0:3.7 restart=never optional=yes\n"
    "component serial elf=serial.elf core=3 device=ioport:3f8-3ff device=irq:4 manage=yes "
    "args=\"-b 115200 # kept\"\n"
    "region rx0 size=2M map=vnet0,netstack\n"
    "region stats size=8K map=netstack,serial:ro\n"
    "channel vnet0.rx -> netstack\n"
    "channel netstack -> vnet0\n"
    "interface lan0 driver=vnet0 address=198.18.0.1/24 mtu=9000\n"
    "interface wan0 driver=vnet1 dhcp\n"
    "route 0.0.0.0/0 via 198.19.0.254\n"
    "route 10.0.0.0/8 dev lan0\n"
    "route 172.16.0.0/12 via 198.18.0.254 dev lan0\n"
    "rule pass in on lan0 proto tcp to port 5201  # iperf3\n"
    "nat on wan0 from 198.18.0.0/24 -> (wan0)\n"
    "rule block in log all label \"a # b\"\n";

static int parse_with(const char *t, unsigned cores)
{
    return config_parse(t, strlen(t), cores, &cfg, &err);
}

static int parse(const char *t)
{
    return parse_with(t, CORES);
}

static void expect_ok(const char *t)
{
    int st = parse(t);
    if (st)
        print_error("unexpected failure: %s\n", err.msg);
    assert_int_equal(st, CONFIG_OK);
}

// Parses t, which must fail with status on line; msg, when given, exactly.
static void expect_error(const char *t, int status, unsigned line, const char *msg)
{
    int st = parse(t);
    if (st != status || err.line != line)
        print_error("got %d: %s\n", st, err.msg);
    assert_int_equal(st, status);
    assert_int_equal(err.status, status);
    assert_int_equal(err.line, line);
    if (msg)
        assert_string_equal(err.msg, msg);
    assert_int_equal(cfg.ncomponents + cfg.nregions + cfg.nrules, 0);
}

// Same as expect_error for BASE followed by t: line counts from t's first line.
static void expect_base_error(const char *t, int status, unsigned line, const char *msg)
{
    snprintf(text, sizeof(text), "%s%s", BASE, t);
    expect_error(text, status, line + 2, msg);
}

static void assert_same_devices(const struct config_component *a, const struct config_component *b)
{
    assert_int_equal(a->ndevices, b->ndevices);
    for (unsigned i = 0; i < a->ndevices; i++) {
        const struct config_device *x = &a->devices[i], *y = &b->devices[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->bus, y->bus);
        assert_int_equal(x->slot, y->slot);
        assert_int_equal(x->func, y->func);
        assert_int_equal(x->port_first, y->port_first);
        assert_int_equal(x->port_last, y->port_last);
        assert_int_equal(x->irq, y->irq);
    }
}

static void assert_same_components(const struct config *a, const struct config *b)
{
    assert_int_equal(a->ncomponents, b->ncomponents);
    for (unsigned i = 0; i < a->ncomponents; i++) {
        const struct config_component *x = &a->components[i], *y = &b->components[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->elf, y->elf);
        assert_string_equal(x->args, y->args);
        assert_int_equal(x->core, y->core);
        assert_int_equal(x->priority, y->priority);
        assert_int_equal(x->restart, y->restart);
        assert_int_equal(x->manage, y->manage);
        assert_int_equal(x->optional, y->optional);
        assert_same_devices(x, y);
    }
}

static void assert_same_regions(const struct config *a, const struct config *b)
{
    assert_int_equal(a->nregions, b->nregions);
    for (unsigned i = 0; i < a->nregions; i++) {
        const struct config_region *x = &a->regions[i], *y = &b->regions[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->size, y->size);
        assert_int_equal(x->nmaps, y->nmaps);
        for (unsigned j = 0; j < x->nmaps; j++) {
            assert_string_equal(x->maps[j].component, y->maps[j].component);
            assert_int_equal(x->maps[j].index, y->maps[j].index);
            assert_int_equal(x->maps[j].readonly, y->maps[j].readonly);
        }
    }
}

static void assert_same_channels(const struct config *a, const struct config *b)
{
    assert_int_equal(a->nchannels, b->nchannels);
    for (unsigned i = 0; i < a->nchannels; i++) {
        const struct config_channel *x = &a->channels[i], *y = &b->channels[i];
        assert_string_equal(x->from, y->from);
        assert_string_equal(x->label, y->label);
        assert_string_equal(x->to, y->to);
        assert_int_equal(x->from_index, y->from_index);
        assert_int_equal(x->to_index, y->to_index);
    }
}

static void assert_same_net(const struct config *a, const struct config *b)
{
    assert_int_equal(a->ninterfaces, b->ninterfaces);
    for (unsigned i = 0; i < a->ninterfaces; i++) {
        const struct config_interface *x = &a->interfaces[i], *y = &b->interfaces[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->driver, y->driver);
        assert_int_equal(x->driver_index, y->driver_index);
        assert_int_equal(x->dhcp, y->dhcp);
        assert_int_equal(x->addr, y->addr);
        assert_int_equal(x->prefix, y->prefix);
        assert_int_equal(x->mtu, y->mtu);
    }
    assert_int_equal(a->nroutes, b->nroutes);
    for (unsigned i = 0; i < a->nroutes; i++) {
        const struct config_route *x = &a->routes[i], *y = &b->routes[i];
        assert_int_equal(x->dest, y->dest);
        assert_int_equal(x->prefix, y->prefix);
        assert_int_equal(x->via, y->via);
        assert_string_equal(x->dev, y->dev);
        assert_int_equal(x->dev_index, y->dev_index);
    }
}

// Equal in everything but the line numbers of the items.
static void assert_same_config(const struct config *a, const struct config *b)
{
    assert_same_components(a, b);
    assert_same_regions(a, b);
    assert_same_channels(a, b);
    assert_same_net(a, b);
    assert_int_equal(a->nrules, b->nrules);
    for (unsigned i = 0; i < a->nrules; i++) {
        assert_int_equal(a->rules[i].kind, b->rules[i].kind);
        assert_string_equal(a->rules[i].text, b->rules[i].text);
    }
}

// parse(dump(parse(t))) == parse(t), and the dump is a fixed point.
static void assert_round_trip(const char *t, unsigned cores)
{
    assert_int_equal(parse_with(t, cores), CONFIG_OK);
    size_t n = config_dump(&cfg, dump, sizeof(dump));
    assert_true(n < sizeof(dump));
    assert_int_equal(strlen(dump), n);
    static struct config first;
    first = cfg;
    if (parse_with(dump, cores))
        print_error("dump does not parse: %s\n%s", err.msg, dump);
    assert_int_equal(err.status, CONFIG_OK);
    assert_same_config(&first, &cfg);
    static char again[sizeof(dump)];
    config_dump(&cfg, again, sizeof(again));
    assert_string_equal(again, dump);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[64 * 1024];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static const char *default_conf_path(void)
{
    const char *p = getenv("RINGWALL_CONF");
    return p ? p : "tests/unit/lab.conf";
}

// ---- valid input ----

static void test_full_config(void **state)
{
    (void)state;
    expect_ok(full);
    assert_int_equal(cfg.ncomponents, 4);
    const struct config_component *ns = &cfg.components[0], *v0 = &cfg.components[1];
    assert_string_equal(ns->elf, "netstack.elf");
    assert_int_equal(ns->core, 1);
    assert_int_equal(ns->priority, 10);
    assert_int_equal(ns->restart, CONFIG_RESTART_ALWAYS);
    assert_int_equal(ns->line, 2);
    assert_int_equal(v0->ndevices, 2);
    assert_int_equal(v0->devices[0].kind, CONFIG_DEV_PCI);
    assert_int_equal(v0->devices[0].slot, 2);
    assert_int_equal(v0->devices[1].kind, CONFIG_DEV_IRQ);
    assert_int_equal(v0->devices[1].irq, 11);
    const struct config_component *v1 = &cfg.components[2], *ser = &cfg.components[3];
    assert_int_equal(v1->priority, CONFIG_PRIORITY_DEFAULT);
    assert_int_equal(v1->restart, CONFIG_RESTART_NEVER);
    assert_int_equal(v1->devices[0].func, 7);
    assert_int_equal(ser->devices[0].kind, CONFIG_DEV_IOPORT);
    assert_int_equal(ser->devices[0].port_first, 0x3f8);
    assert_int_equal(ser->devices[0].port_last, 0x3ff);
    assert_string_equal(ser->args, "-b 115200 # kept");
    assert_string_equal(cfg.components[0].args, "");
}

static void test_full_config_wiring(void **state)
{
    (void)state;
    expect_ok(full);
    assert_int_equal(cfg.nregions, 2);
    assert_int_equal(cfg.regions[0].size, 2 << 20);
    assert_int_equal(cfg.regions[0].maps[0].index, 1);
    assert_int_equal(cfg.regions[0].maps[1].index, 0);
    assert_true(cfg.regions[1].maps[1].readonly);
    assert_false(cfg.regions[1].maps[0].readonly);
    assert_int_equal(cfg.regions[1].maps[1].index, 3);
    assert_int_equal(cfg.nchannels, 2);
    assert_string_equal(cfg.channels[0].label, "rx");
    assert_int_equal(cfg.channels[0].from_index, 1);
    assert_int_equal(cfg.channels[0].to_index, 0);
    assert_string_equal(cfg.channels[1].label, "");
}

static void test_full_config_network(void **state)
{
    (void)state;
    expect_ok(full);
    assert_int_equal(cfg.ninterfaces, 2);
    assert_int_equal(cfg.interfaces[0].addr, 0xc6120001);
    assert_int_equal(cfg.interfaces[0].prefix, 24);
    assert_int_equal(cfg.interfaces[0].mtu, 9000);
    assert_int_equal(cfg.interfaces[0].driver_index, 1);
    assert_true(cfg.interfaces[1].dhcp);
    assert_int_equal(cfg.interfaces[1].mtu, CONFIG_MTU_DEFAULT);
    assert_int_equal(cfg.nroutes, 3);
    assert_int_equal(cfg.routes[0].dest, 0);
    assert_int_equal(cfg.routes[0].via, 0xc61300fe);
    assert_int_equal(cfg.routes[0].dev_index, CONFIG_NONE);
    assert_int_equal(cfg.routes[1].dest, 0x0a000000);
    assert_int_equal(cfg.routes[1].via, 0);
    assert_int_equal(cfg.routes[1].dev_index, 0);
    assert_int_equal(cfg.routes[2].prefix, 12);
}

static void test_rules_stored_raw(void **state)
{
    (void)state;
    expect_ok(full);
    assert_int_equal(cfg.nrules, 3);
    assert_int_equal(cfg.rules[0].kind, CONFIG_RULE_FILTER);
    assert_int_equal(cfg.rules[0].line, 15);
    assert_string_equal(cfg.rules[0].text, "pass in on lan0 proto tcp to port 5201");
    assert_int_equal(cfg.rules[1].kind, CONFIG_RULE_NAT);
    assert_string_equal(cfg.rules[1].text, "on wan0 from 198.18.0.0/24 -> (wan0)");
    assert_string_equal(cfg.rules[2].text, "block in log all label \"a # b\"");
    assert_int_equal(cfg.rules[2].line, 17);
    expect_base_error("rule   # nothing\n", CONFIG_ESYNTAX, 1, "line 3: empty rule line");
    expect_base_error("nat\n", CONFIG_ESYNTAX, 1, "line 3: empty nat line");
}

static void test_default_conf_parses(void **state)
{
    (void)state;
    size_t len = 0;
    const char *conf = read_file(default_conf_path(), &len);
    assert_non_null(conf);
    int st = config_parse(conf, len, 2, &cfg, &err);
    if (st)
        print_error("%s\n", err.msg);
    assert_int_equal(st, CONFIG_OK);
    assert_int_equal(cfg.ncomponents, 6);
    int v0 = config_find_component(&cfg, "vnet0"), v1 = config_find_component(&cfg, "vnet1");
    assert_true(v0 >= 0 && v1 >= 0);
    assert_int_equal(cfg.components[v0].devices[0].kind, CONFIG_DEV_PCI);
    assert_int_equal(cfg.components[v0].devices[0].slot, 2);
    assert_int_equal(cfg.components[v1].devices[0].slot, 3);
    for (const char *const *n = (const char *const[]){"netstack", "router", "iperf3", "console", 0};
         *n; n++)
        assert_true(config_find_component(&cfg, *n) >= 0);
    int lan = config_find_interface(&cfg, "lan0"), wan = config_find_interface(&cfg, "wan0");
    assert_true(lan >= 0 && wan >= 0);
    assert_int_equal(cfg.interfaces[lan].addr, 0xc6120001);
    assert_int_equal(cfg.interfaces[lan].driver_index, v0);
    assert_int_equal(cfg.interfaces[wan].addr, 0xc6130001);
    assert_int_equal(cfg.interfaces[wan].driver_index, v1);
    assert_true(cfg.nregions > 0 && cfg.nchannels > 0 && cfg.nrules > 0);
    assert_round_trip(conf, 2);
}

static void test_forward_references(void **state)
{
    (void)state;
    expect_ok("route 10.0.0.0/8 via 192.168.1.254 dev eth0\n"
              "interface eth0 driver=nic address=192.168.1.1/24\n"
              "channel nic.rx -> stack\n"
              "region ring size=4K map=nic,stack\n"
              "component stack elf=stack.elf core=0\n"
              "component nic elf=nic.elf core=1\n");
    assert_int_equal(cfg.routes[0].dev_index, 0);
    assert_int_equal(cfg.interfaces[0].driver_index, 1);
    assert_int_equal(cfg.channels[0].from_index, 1);
    assert_int_equal(cfg.channels[0].to_index, 0);
    assert_int_equal(cfg.regions[0].maps[1].index, 0);
}

static void test_comments_and_blanks(void **state)
{
    (void)state;
    expect_ok("");
    assert_int_equal(cfg.ncomponents, 0);
    expect_ok("\n\n   \n\t\n# only a comment\n   # indented comment\n");
    assert_int_equal(cfg.ncomponents + cfg.nrules, 0);
    expect_ok("  \tcomponent   x\telf=x.elf \t core=2   # trailing\n"
              "component y elf=y.elf core=3#no space before the comment\n"
              "# caf\xc3\xa9: UTF-8 is fine in comments\n"
              "component z elf=z.elf core=0"); // no final newline
    assert_int_equal(cfg.ncomponents, 3);
    assert_string_equal(cfg.components[0].name, "x");
    assert_int_equal(cfg.components[0].core, 2);
    assert_int_equal(cfg.components[1].core, 3);
    assert_int_equal(cfg.components[2].line, 4);
}

static void test_crlf_line_endings(void **state)
{
    (void)state;
    static char crlf[sizeof(full) * 2];
    size_t n = 0;
    for (const char *s = full; *s; s++) {
        if (*s == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *s;
    }
    static struct config lf;
    expect_ok(full);
    lf = cfg;
    expect_ok(crlf);
    assert_same_config(&lf, &cfg);
    assert_int_equal(cfg.rules[2].line, 17);
    expect_error("component a elf=a.elf core=0\r\r\n", CONFIG_ESYNTAX, 1,
                 "line 1: unexpected byte 0x0d in column 29");
}

static void test_nul_padding_and_bytes(void **state)
{
    (void)state;
    static const char padded[] = "component a elf=a.elf core=0\n\0\0\0\0\0\0\0";
    assert_int_equal(config_parse(padded, sizeof(padded), CORES, &cfg, &err), CONFIG_OK);
    assert_int_equal(cfg.ncomponents, 1);
    static const char inner[] = "component a elf=a.elf core=0\n\0component b elf=b.elf core=0\n";
    assert_int_equal(config_parse(inner, sizeof(inner) - 1, CORES, &cfg, &err), CONFIG_ESYNTAX);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.msg, "line 2: unexpected byte 0x00 in column 1");
    expect_base_error("component c elf=c\xc3\xa9.elf core=0\n", CONFIG_ESYNTAX, 1,
                      "line 3: unexpected byte 0xc3 in column 18");
    expect_base_error("# bell \a in a comment\n", CONFIG_ESYNTAX, 1, NULL);
}

static void test_quoting(void **state)
{
    (void)state;
    expect_ok("component a elf=\"a.elf\" core=0 args=\"x  y\t\"\n");
    expect_base_error("component c elf=c.elf core=0 args=\"-s\n", CONFIG_ESYNTAX, 1,
                      "line 3: unterminated quote");
    expect_base_error("component c elf=c.elf core=0 args=\"a\"\"b\"\n", CONFIG_EVALUE, 1,
                      "line 3: args may not hold quotes");
    expect_ok("component a elf=a.elf core=0 args=\"\"\n");
    assert_string_equal(cfg.components[0].args, "");
    expect_ok("component a elf=a.elf core=0 args=-v\n");
    assert_string_equal(cfg.components[0].args, "-v");
}

// ---- errors, each with its line ----

static void test_unknown_statement(void **state)
{
    (void)state;
    expect_base_error("\ncomponnet c elf=c.elf core=0\n", CONFIG_ESYNTAX, 2,
                      "line 4: unknown statement 'componnet'");
    expect_error("\"quoted\" x\n", CONFIG_ESYNTAX, 1, "line 1: unknown statement '\"quoted\"'");
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_base_error("# x\n# y\n# z\n# w\n# v\n# u\n# t\n# s\n# r\ncomponent c elf=c.elf cor=1\n",
                      CONFIG_EKEY, 10, "line 12: unknown key 'cor' in component");
    expect_base_error("region r size=4K map=a owner=b\n", CONFIG_EKEY, 1,
                      "line 3: unknown key 'owner' in region");
    expect_base_error("interface i driver=a dhcp speed=10G\n", CONFIG_EKEY, 1,
                      "line 3: unknown key 'speed' in interface");
    expect_base_error("route 10.0.0.0/8 dev i metric 5\n", CONFIG_EKEY, 1,
                      "line 3: unknown key 'metric' in route");
    expect_base_error("component c elf=c.elf core=0 static\n", CONFIG_EKEY, 1,
                      "line 3: unknown key 'static' in component");
}

static void test_malformed_keys(void **state)
{
    (void)state;
    expect_base_error("component c elf core=0\n", CONFIG_ESYNTAX, 1,
                      "line 3: key 'elf' without '=value' in component");
    expect_base_error("interface i driver=a dhcp=yes\n", CONFIG_ESYNTAX, 1,
                      "line 3: 'dhcp' takes no value in interface");
    expect_base_error("route 10.0.0.0/8 via\n", CONFIG_ESYNTAX, 1,
                      "line 3: 'via' without a value in route");
    expect_base_error("component\n", CONFIG_ESYNTAX, 1, "line 3: component without a name");
    expect_base_error("route\n", CONFIG_ESYNTAX, 1, "line 3: route without a prefix");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    expect_base_error("component c elf=c.elf core=0 core=1\n", CONFIG_EKEY, 1,
                      "line 3: duplicate key 'core' in component");
    expect_base_error("region r size=4K size=8K map=a\n", CONFIG_EKEY, 1,
                      "line 3: duplicate key 'size' in region");
    expect_base_error("interface i driver=a dhcp dhcp\n", CONFIG_EKEY, 1,
                      "line 3: duplicate key 'dhcp' in interface");
    expect_base_error("route 10.0.0.0/8 dev i dev j\n", CONFIG_EKEY, 1,
                      "line 3: duplicate key 'dev' in route");
}

static void test_missing_required_keys(void **state)
{
    (void)state;
    expect_base_error("component c core=0\n", CONFIG_EKEY, 1,
                      "line 3: missing key 'elf' in component 'c'");
    expect_base_error("component c elf=c.elf\n", CONFIG_EKEY, 1,
                      "line 3: missing key 'core' in component 'c'");
    expect_base_error("region r map=a\n", CONFIG_EKEY, 1,
                      "line 3: missing key 'size' in region 'r'");
    expect_base_error("region r size=4K\n", CONFIG_EKEY, 1,
                      "line 3: missing key 'map' in region 'r'");
    expect_base_error("interface i address=10.0.0.1/8\n", CONFIG_EKEY, 1,
                      "line 3: missing key 'driver' in interface 'i'");
    expect_base_error("interface i driver=a mtu=1400\n", CONFIG_EKEY, 1,
                      "line 3: missing key 'address' (or dhcp) in interface 'i'");
    expect_base_error("interface i driver=a dhcp address=10.0.0.1/8\n", CONFIG_EKEY, 1,
                      "line 3: interface 'i' has both address= and dhcp");
    expect_base_error("route 10.0.0.0/8\n", CONFIG_EKEY, 1, "line 3: route needs via or dev");
}

static void test_duplicate_names(void **state)
{
    (void)state;
    expect_base_error("component a elf=x.elf core=0\n", CONFIG_EDUP, 1,
                      "line 3: component 'a' already defined on line 1");
    expect_base_error("region r size=4K map=a\n\nregion r size=4K map=b\n", CONFIG_EDUP, 3,
                      "line 5: region 'r' already defined on line 3");
    expect_base_error("interface i driver=a dhcp\ninterface i driver=b dhcp\n", CONFIG_EDUP, 2,
                      "line 4: interface 'i' already defined on line 3");
    expect_base_error("channel a.x -> b\nchannel a.x -> b\n", CONFIG_EDUP, 2,
                      "line 4: channel 'a.x' already defined on line 3");
    expect_base_error("channel a -> b\nchannel a.y -> b\nchannel a -> b\n", CONFIG_EDUP, 3,
                      "line 5: channel 'a' already defined on line 3");
    expect_base_error("route 10.0.0.0/8 dev i\nroute 10.0.0.0/8 via 1.2.3.4\n", CONFIG_EDUP, 2,
                      "line 4: route 10.0.0.0/8 already defined on line 3");
    expect_base_error("interface i driver=a address=10.0.0.1/8\n"
                      "interface j driver=b address=10.0.0.1/24\n",
                      CONFIG_EDUP, 2, "line 4: address '10.0.0.1/24' already on interface 'i'");
    expect_base_error("region r size=4K map=a,b,a\n", CONFIG_EDUP, 1,
                      "line 3: component 'a' listed twice in map");
    // Names of different kinds do not clash.
    snprintf(text, sizeof(text), "%s%s", BASE,
             "region a size=4K map=a\ninterface a driver=a dhcp\n");
    expect_ok(text);
}

static void test_undefined_references(void **state)
{
    (void)state;
    expect_base_error("region r size=4K map=a,nic\n", CONFIG_EREF, 1,
                      "line 3: region 'r' maps undefined component 'nic'");
    expect_base_error("channel nic.rx -> a\n", CONFIG_EREF, 1,
                      "line 3: channel from undefined component 'nic'");
    expect_base_error("channel a -> nic\n", CONFIG_EREF, 1,
                      "line 3: channel to undefined component 'nic'");
    expect_base_error("interface i driver=nic dhcp\n", CONFIG_EREF, 1,
                      "line 3: interface 'i' has undefined driver 'nic'");
    expect_base_error("route 10.0.0.0/8 dev eth9\n", CONFIG_EREF, 1,
                      "line 3: route dev 'eth9' is not an interface");
    // A component is not an interface.
    expect_base_error("route 10.0.0.0/8 dev a\n", CONFIG_EREF, 1, NULL);
}

static void test_earliest_reference_error(void **state)
{
    (void)state;
    // Resolution runs by kind (regions, channels, interfaces, routes), yet the
    // error reported is the earliest line.
    expect_base_error("route 10.0.0.0/8 dev eth9\n"
                      "interface i driver=nic dhcp\n"
                      "channel a -> nic\n"
                      "region r size=4K map=nic\n",
                      CONFIG_EREF, 1, "line 3: route dev 'eth9' is not an interface");
    expect_base_error("interface i driver=nic dhcp\nregion r size=4K map=nic\n", CONFIG_EREF, 1,
                      "line 3: interface 'i' has undefined driver 'nic'");
}

static void test_core_range(void **state)
{
    (void)state;
    const char *t = "component a elf=a.elf core=3\n";
    assert_int_equal(parse_with(t, 4), CONFIG_OK);
    assert_int_equal(parse_with(t, 3), CONFIG_EVALUE);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.msg, "line 1: bad core '3' (expected 0..2)");
    assert_int_equal(parse_with("component a elf=a.elf core=0\n", 1), CONFIG_OK);
    assert_int_equal(parse_with("component a elf=a.elf core=-1\n", 64), CONFIG_EVALUE);
    assert_int_equal(parse_with("component a elf=a.elf core=63\n", 64), CONFIG_OK);
    assert_int_equal(parse_with("component a elf=a.elf core=99999999999999999999\n", 64),
                     CONFIG_EVALUE);
}

static void test_component_values(void **state)
{
    (void)state;
    expect_base_error("component c elf=c.elf core=0 priority=32\n", CONFIG_EVALUE, 1,
                      "line 3: bad priority '32' (expected 0..31)");
    expect_base_error("component c elf=c.elf core=0 restart=sometimes\n", CONFIG_EVALUE, 1,
                      "line 3: bad restart 'sometimes' (expected always, never or on-failure)");
    expect_base_error("component c elf=dir/c.elf core=0\n", CONFIG_EVALUE, 1,
                      "line 3: bad elf 'dir/c.elf' (letters, digits, '.', '-', '_')");
    expect_base_error("component c elf= core=0\n", CONFIG_EVALUE, 1, NULL);
    expect_ok("component c elf=c.elf core=0 priority=31 restart=on-failure\n"
              "component d elf=d.elf core=0 priority=0 restart=always\n");
    assert_int_equal(cfg.components[0].priority, 31);
    assert_int_equal(cfg.components[1].restart, CONFIG_RESTART_ALWAYS);
}

// manage=yes lets a component restart others and inject faults; the default is no.
static void test_manage_key(void **state)
{
    (void)state;
    expect_ok("component c elf=c.elf core=0 manage=yes\n"
              "component d elf=d.elf core=0 manage=no\n"
              "component e elf=e.elf core=0\n");
    assert_true(cfg.components[0].manage);
    assert_false(cfg.components[1].manage);
    assert_false(cfg.components[2].manage);
    expect_base_error("component c elf=c.elf core=0 manage=YES\n", CONFIG_EVALUE, 1,
                      "line 3: bad manage 'YES' (expected yes or no)");
    expect_base_error("component c elf=c.elf core=0 manage=1\n", CONFIG_EVALUE, 1,
                      "line 3: bad manage '1' (expected yes or no)");
    expect_base_error("component c elf=c.elf core=0 manage=yes manage=no\n", CONFIG_EKEY, 1, NULL);
    expect_base_error("component c elf=c.elf core=0 manage\n", CONFIG_ESYNTAX, 1, NULL);
    // the default ISO: only the console may manage
    size_t len = 0;
    const char *conf = read_file("servers/init/ringwall.conf", &len);
    assert_non_null(conf);
    assert_int_equal(config_parse(conf, len, 2, &cfg, &err), CONFIG_OK);
    for (uint32_t i = 0; i < cfg.ncomponents; i++)
        assert_int_equal(cfg.components[i].manage, strcmp(cfg.components[i].name, "console") == 0);
    assert_true(config_find_component(&cfg, "console") >= 0);
}

// optional=yes lets init leave a component out when its PCI device is
// missing; the default is no. The default ISO's device drivers (NVMe and
// both NICs) are optional, nothing else is.
static void test_optional_key(void **state)
{
    (void)state;
    expect_ok("component c elf=c.elf core=0 optional=yes device=pci:00:04.0\n"
              "component d elf=d.elf core=0 optional=no\n"
              "component e elf=e.elf core=0\n");
    assert_true(cfg.components[0].optional);
    assert_false(cfg.components[1].optional);
    assert_false(cfg.components[2].optional);
    expect_base_error("component c elf=c.elf core=0 optional=maybe\n", CONFIG_EVALUE, 1,
                      "line 3: bad optional 'maybe' (expected yes or no)");
    expect_base_error("component c elf=c.elf core=0 optional=yes optional=yes\n", CONFIG_EKEY, 1,
                      NULL);
    expect_base_error("component c elf=c.elf core=0 optional\n", CONFIG_ESYNTAX, 1, NULL);
    size_t len = 0;
    const char *conf = read_file("servers/init/ringwall.conf", &len);
    assert_non_null(conf);
    assert_int_equal(config_parse(conf, len, 2, &cfg, &err), CONFIG_OK);
    int nvme = config_find_component(&cfg, "nvme");
    assert_true(nvme >= 0);
    const struct config_component *c = &cfg.components[nvme];
    assert_true(c->optional);
    assert_int_equal(c->ndevices, 1);
    assert_int_equal(c->devices[0].kind, CONFIG_DEV_PCI);
    assert_int_equal(c->devices[0].slot, 4);
    for (uint32_t i = 0; i < cfg.ncomponents; i++) {
        const char *elf = cfg.components[i].elf;
        bool driver = strcmp(elf, "nvme.elf") == 0 || strcmp(elf, "virtio-net.elf") == 0;
        assert_int_equal(cfg.components[i].optional, driver);
    }
}

static void test_names(void **state)
{
    (void)state;
    expect_ok("component abcdefghijklmno elf=a.elf core=0\n"); // 15 bytes
    expect_error("component abcdefghijklmnop elf=a.elf core=0\n", CONFIG_ELIMIT, 1,
                 "line 1: component name 'abcdefghijklmnop' longer than 15 bytes");
    expect_error("component 9lives elf=a.elf core=0\n", CONFIG_EVALUE, 1,
                 "line 1: bad component name '9lives' (a letter, then letters, digits, '-' or "
                 "'_')");
    expect_error("component a.b elf=a.elf core=0\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("channel a.r.x -> b\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("channel a.this-label-is-long -> b\n", CONFIG_ELIMIT, 1, NULL);
    char elf[80];
    memset(elf, 'e', sizeof(elf));
    snprintf(text, sizeof(text), "component a elf=%.48s core=0\n", elf);
    expect_error(text, CONFIG_ELIMIT, 1, NULL);
    snprintf(text, sizeof(text), "component a elf=%.47s core=0\n", elf);
    expect_ok(text);
}

static void test_channel_syntax(void **state)
{
    (void)state;
    const char *want = "line 3: expected 'channel FROM[.LABEL] -> TO'";
    expect_base_error("channel a->b\n", CONFIG_ESYNTAX, 1, want);
    expect_base_error("channel a b\n", CONFIG_ESYNTAX, 1, want);
    expect_base_error("channel a -> b c\n", CONFIG_ESYNTAX, 1, want);
    expect_base_error("channel a <- b\n", CONFIG_ESYNTAX, 1, want);
    expect_base_error("channel a.x -> a\n", CONFIG_EVALUE, 1, "line 3: channel from 'a' to itself");
    expect_base_error("channel a -> b.x\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("channel a. -> b\n", CONFIG_EVALUE, 1, NULL);
    snprintf(text, sizeof(text), "%s%s", BASE,
             "channel a.x -> b\nchannel a.y -> b\nchannel b -> a\n");
    expect_ok(text);
    assert_int_equal(cfg.nchannels, 3);
}

static void test_bad_ipv4(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "256.1.1.1/8", "1.2.3/8",    "1.2.3.4.5/8", "01.2.3.4/8", "1.2.3.4/33",
        "1.2.3.4/",    "1.2.3.4",    "a.b.c.d/8",   "1..3.4/8",   "1.2.3.4/08",
        "1.2.3.4/-1",  "1.2.3.-4/8", "1.2.3.4/8/9", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "%sinterface i driver=a address=%s\n", BASE, bad[i]);
        expect_error(text, CONFIG_EVALUE, 3, NULL);
        snprintf(text, sizeof(text), "%sroute %s dev i\n", BASE, bad[i]);
        expect_error(text, CONFIG_EVALUE, 3, NULL);
    }
    expect_base_error("interface i driver=a address=10.0.0.0/8\n", CONFIG_EVALUE, 1,
                      "line 3: address '10.0.0.0/8' is a network or broadcast address");
    expect_base_error("interface i driver=a address=10.255.255.255/8\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("interface i driver=a address=127.0.0.1/8\n", CONFIG_EVALUE, 1,
                      "line 3: address '127.0.0.1/8' is not a unicast host address");
    expect_base_error("interface i driver=a address=224.0.0.1/4\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("interface i driver=a address=10.0.0.1/0\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("route 10.0.0.1/8 dev i\n", CONFIG_EVALUE, 1,
                      "line 3: prefix '10.0.0.1/8' has host bits set");
    expect_base_error("route 10.0.0.0/8 via 0.0.0.0\n", CONFIG_EVALUE, 1,
                      "line 3: bad gateway '0.0.0.0' (expected a unicast A.B.C.D)");
    expect_base_error("route 10.0.0.0/8 via 10.1.1.1/32\n", CONFIG_EVALUE, 1, NULL);
    // /31 and /32 have no network or broadcast address.
    snprintf(
        text, sizeof(text), "%s%s", BASE,
        "interface i driver=a address=10.0.0.0/31\ninterface j driver=b address=10.1.0.0/32\n");
    expect_ok(text);
}

static void test_gateway_on_subnet(void **state)
{
    (void)state;
    expect_base_error("interface i driver=a address=192.168.1.1/24\n"
                      "route 10.0.0.0/8 via 192.168.2.1 dev i\n",
                      CONFIG_EVALUE, 2,
                      "line 4: gateway 192.168.2.1 is not on interface 'i' (192.168.1.0/24)");
    snprintf(
        text, sizeof(text), "%s%s", BASE,
        "interface i driver=a dhcp\nroute 10.0.0.0/8 via 192.168.2.1 dev i\n"
        "interface j driver=b address=192.168.1.1/24\nroute 0.0.0.0/0 dev j via 192.168.1.9\n");
    expect_ok(text);
}

static void test_mtu(void **state)
{
    (void)state;
    expect_base_error("interface i driver=a dhcp mtu=67\n", CONFIG_EVALUE, 1,
                      "line 3: bad mtu '67' (expected 68..9000)");
    expect_base_error("interface i driver=a dhcp mtu=9001\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("interface i driver=a dhcp mtu=1.5k\n", CONFIG_EVALUE, 1, NULL);
    snprintf(text, sizeof(text), "%s%s", BASE, "interface i driver=a dhcp mtu=68\n");
    expect_ok(text);
    assert_int_equal(cfg.interfaces[0].mtu, 68);
}

static void test_region_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *size;
        uint64_t bytes;
    } good[] = {{"4096", 4096},  {"4K", 4096},    {"12K", 12288},
                {"2M", 2 << 20}, {"1G", 1 << 30}, {"1024M", 1 << 30}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(text, sizeof(text), "%sregion r size=%s map=a\n", BASE, good[i].size);
        expect_ok(text);
        assert_int_equal(cfg.regions[0].size, good[i].bytes);
    }
    expect_base_error("region r size=0 map=a\n", CONFIG_EVALUE, 1, "line 3: region size is zero");
    expect_base_error("region r size=0K map=a\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=1000 map=a\n", CONFIG_EVALUE, 1,
                      "line 3: size '1000' is not a multiple of 4096");
    expect_base_error("region r size=4097 map=a\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=6K map=a\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=2G map=a\n", CONFIG_EVALUE, 1,
                      "line 3: size '2G' larger than 1G");
    expect_base_error("region r size=99999999999999999999999G map=a\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=2m map=a\n", CONFIG_EVALUE, 1,
                      "line 3: bad size '2m' (expected N, NK, NM or NG)");
    expect_base_error("region r size=M map=a\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=4K map=a, b\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=4K map=a,\n", CONFIG_EVALUE, 1, NULL);
    expect_base_error("region r size=4K map=a:rw\n", CONFIG_EVALUE, 1,
                      "line 3: bad map mode 'rw' (only ':ro')");
}

static void test_device_grants(void **state)
{
    (void)state;
    expect_ok("component a elf=a.elf core=0 device=pci:ff:1f.7 device=ioport:0x60-0x64 "
              "device=ioport:ABCD-abcd device=irq:255 device=irq:0\n");
    const struct config_device *d = cfg.components[0].devices;
    assert_int_equal(d[0].bus, 0xff);
    assert_int_equal(d[0].slot, 0x1f);
    assert_int_equal(d[0].func, 7);
    assert_int_equal(d[1].port_first, 0x60);
    assert_int_equal(d[1].port_last, 0x64);
    assert_int_equal(d[2].port_first, 0xabcd);
    static const char *const bad[] = {"pci:00:20.0",
                                      "pci:00:02.8",
                                      "pci:100:02.0",
                                      "pci:00:02",
                                      "pci:0000:00:02.0",
                                      "ioport:64-60",
                                      "ioport:10000-10001",
                                      "ioport:60",
                                      "irq:256",
                                      "irq:x",
                                      "usb:1",
                                      "pci",
                                      ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "%scomponent c elf=c.elf core=0 device=%s\n", BASE, bad[i]);
        expect_error(text, CONFIG_EVALUE, 3, NULL);
    }
    expect_base_error("component c elf=c.elf core=0 device=pci:00:02.1\n"
                      "component d elf=d.elf core=0 device=pci:0:2.1\n",
                      CONFIG_EDUP, 2,
                      "line 4: device 'pci:0:2.1' overlaps a grant to 'c' on line 3");
    expect_base_error("component c elf=c.elf core=0 device=ioport:3f8-3ff device=ioport:3fc-400\n",
                      CONFIG_EDUP, 1,
                      "line 3: device 'ioport:3fc-400' overlaps a grant to 'c' on line 3");
    expect_base_error("component c elf=c.elf core=0 device=irq:4\ncomponent d elf=d.elf core=0 "
                      "device=irq:4\n",
                      CONFIG_EDUP, 2, NULL);
}

// ---- limits ----

// n lines made by line(i), after BASE.
static void build(unsigned n, void (*line)(char *, size_t, unsigned))
{
    size_t pos = (size_t)snprintf(text, sizeof(text), "%s", BASE);
    for (unsigned i = 0; i < n; i++)
        line(text + pos, sizeof(text) - pos, i), pos += strlen(text + pos);
}

static void component_line(char *b, size_t n, unsigned i)
{
    snprintf(b, n, "component c%u elf=c.elf core=0\n", i);
}

static void region_line(char *b, size_t n, unsigned i)
{
    snprintf(b, n, "region r%u size=4K map=a\n", i);
}

static void channel_line(char *b, size_t n, unsigned i)
{
    snprintf(b, n, "channel a.l%u -> b\n", i);
}

static void route_line(char *b, size_t n, unsigned i)
{
    snprintf(b, n, "route 10.%u.0.0/16 via 10.255.0.1\n", i);
}

static void rule_line(char *b, size_t n, unsigned i)
{
    snprintf(b, n, "%s pass quick %u\n", i % 2 ? "nat" : "rule", i);
}

static void interface_line(char *b, size_t n, unsigned i)
{
    snprintf(b, n, "interface i%u driver=a dhcp\n", i);
}

static void test_item_limits(void **state)
{
    (void)state;
    static const struct {
        void (*line)(char *, size_t, unsigned);
        unsigned max; // items allowed after BASE
        const char *msg;
    } cases[] = {
        {component_line, CONFIG_MAX_COMPONENTS - 2, "more than 16 components"},
        {region_line, CONFIG_MAX_REGIONS, "more than 32 regions"},
        {channel_line, CONFIG_MAX_CHANNELS, "more than 64 channels"},
        {interface_line, CONFIG_MAX_INTERFACES, "more than 8 interfaces"},
        {route_line, CONFIG_MAX_ROUTES, "more than 32 routes"},
        {rule_line, CONFIG_MAX_RULES, "more than 64 rule and nat lines"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        build(cases[i].max, cases[i].line);
        expect_ok(text);
        build(cases[i].max + 1, cases[i].line);
        char want[96];
        snprintf(want, sizeof(want), "line %u: %s", cases[i].max + 3, cases[i].msg);
        expect_error(text, CONFIG_ELIMIT, cases[i].max + 3, want);
    }
}

static void test_per_item_limits(void **state)
{
    (void)state;
    expect_base_error("region r size=4K map=a,b,c,d,e\n", CONFIG_ELIMIT, 1,
                      "line 3: region 'r' mapped into more than 4 components");
    size_t pos = (size_t)snprintf(text, sizeof(text), "%scomponent c elf=c.elf core=0", BASE);
    for (unsigned i = 0; i <= CONFIG_MAX_DEVICES; i++)
        pos += (size_t)snprintf(text + pos, sizeof(text) - pos, " device=irq:%u", i);
    snprintf(text + pos, sizeof(text) - pos, "\n");
    expect_error(text, CONFIG_ELIMIT, 3, "line 3: more than 8 devices in component 'c'");
    pos = (size_t)snprintf(text, sizeof(text), "%sroute 10.0.0.0/8", BASE);
    for (unsigned i = 0; i < CONFIG_MAX_WORDS; i++)
        pos += (size_t)snprintf(text + pos, sizeof(text) - pos, " dev");
    snprintf(text + pos, sizeof(text) - pos, "\n");
    expect_error(text, CONFIG_ELIMIT, 3, "line 3: more than 24 words");
    char args[CONFIG_ARGS_MAX + 1];
    memset(args, 'x', sizeof(args) - 1);
    args[sizeof(args) - 1] = '\0';
    snprintf(text, sizeof(text), "component c elf=c.elf core=0 args=\"%s\"\n", args);
    expect_error(text, CONFIG_ELIMIT, 1, "line 1: args longer than 95 bytes");
}

static void test_line_too_long(void **state)
{
    (void)state;
    char line[CONFIG_LINE_MAX + 2];
    memset(line, ' ', sizeof(line));
    memcpy(line, "# long comment", 14);
    line[CONFIG_LINE_MAX] = '\n';
    line[CONFIG_LINE_MAX + 1] = '\0';
    snprintf(text, sizeof(text), "%s%s", BASE, line);
    expect_ok(text);
    line[CONFIG_LINE_MAX] = ' ';
    line[CONFIG_LINE_MAX + 1] = '\n';
    snprintf(text, sizeof(text), "%s%.*s\n", BASE, CONFIG_LINE_MAX + 1, line);
    expect_error(text, CONFIG_ELIMIT, 3, "line 3: line longer than 512 bytes");
    char rule[CONFIG_RULE_MAX + 1];
    memset(rule, 'r', sizeof(rule) - 1);
    rule[sizeof(rule) - 1] = '\0';
    snprintf(text, sizeof(text), "rule %s\n", rule);
    expect_error(text, CONFIG_ELIMIT, 1, "line 1: rule longer than 255 bytes");
    snprintf(text, sizeof(text), "rule %s\n", rule + 1);
    expect_ok(text);
}

// ---- dump ----

static void test_round_trip_full(void **state)
{
    (void)state;
    assert_round_trip(full, CORES);
    assert_non_null(strstr(dump, "component vnet1 elf=virtio-net.elf core=0 priority=16 "
                                 "restart=never manage=no optional=yes device=pci:00:03.7\n"));
    assert_non_null(strstr(dump,
                           "restart=on-failure manage=yes optional=no device=ioport:0x3f8-0x3ff "
                           "device=irq:4 args=\"-b 115200 # "
                           "kept\"\n"));
    assert_non_null(strstr(dump, "region stats size=8K map=netstack,serial:ro\n"));
    assert_non_null(strstr(dump, "channel netstack -> vnet0\n"));
    assert_non_null(strstr(dump, "interface wan0 driver=vnet1 dhcp mtu=1500\n"));
    assert_non_null(strstr(dump, "route 172.16.0.0/12 via 198.18.0.254 dev lan0\n"));
    assert_non_null(strstr(dump, "nat on wan0 from 198.18.0.0/24 -> (wan0)\n"));
}

static void test_round_trip_extremes(void **state)
{
    (void)state;
    // The longest canonical component line still fits on one line.
    char args[CONFIG_ARGS_MAX];
    memset(args, '#', sizeof(args) - 1);
    args[sizeof(args) - 1] = '\0';
    size_t pos = (size_t)snprintf(
        text, sizeof(text), "component abcdefghijklmno elf=%047d core=63 args=\"%s\"", 0, args);
    for (unsigned i = 0; i < CONFIG_MAX_DEVICES; i++)
        pos += (size_t)snprintf(text + pos, sizeof(text) - pos, " device=ioport:%x-%x", 0xfff0 + i,
                                0xfff0 + i);
    snprintf(
        text + pos, sizeof(text) - pos,
        "\nregion big size=1G map=abcdefghijklmno:ro\nregion odd size=1028K map=abcdefghijklmno\n"
        "route 1.2.3.4/32 via 1.2.3.5\n");
    assert_round_trip(text, 64);
    assert_non_null(strstr(dump, "size=1G"));
    assert_non_null(strstr(dump, "size=1028K"));
}

static void test_dump_truncates(void **state)
{
    (void)state;
    expect_ok(full);
    size_t need = config_dump(&cfg, NULL, 0);
    assert_true(need > 100);
    char small[32];
    memset(small, 'x', sizeof(small));
    assert_int_equal(config_dump(&cfg, small, sizeof(small)), need);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, "component netstack elf=netstack", sizeof(small) - 1);
    static char exact[4096];
    assert_int_equal(config_dump(&cfg, exact, need + 1), need);
    assert_int_equal(strlen(exact), need);
}

// ---- the call itself ----

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(config_parse("", 0, 0, &cfg, &err), CONFIG_EINVAL);
    assert_int_equal(err.status, CONFIG_EINVAL);
    assert_int_equal(err.line, 0);
    assert_int_equal(config_parse("", 0, CONFIG_MAX_CORES + 1, &cfg, &err), CONFIG_EINVAL);
    assert_int_equal(config_parse(NULL, 5, 1, &cfg, &err), CONFIG_EINVAL);
    assert_int_equal(config_parse(NULL, 0, 1, &cfg, &err), CONFIG_OK);
    assert_int_equal(config_parse("", 0, 1, NULL, &err), CONFIG_EINVAL);
    assert_int_equal(config_parse("", 0, 1, &cfg, NULL), CONFIG_EINVAL);
}

static void test_error_clears_output(void **state)
{
    (void)state;
    expect_ok(full);
    assert_int_equal(cfg.ncomponents, 4);
    snprintf(text, sizeof(text), "%sbogus\n", full);
    expect_error(text, CONFIG_ESYNTAX, 18, "line 18: unknown statement 'bogus'");
    static const struct config zero;
    assert_memory_equal(&cfg, &zero, sizeof(cfg));
    expect_ok(full);
    assert_int_equal(err.status, CONFIG_OK);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.msg, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_full_config_wiring),
        cmocka_unit_test(test_full_config_network),
        cmocka_unit_test(test_rules_stored_raw),
        cmocka_unit_test(test_default_conf_parses),
        cmocka_unit_test(test_forward_references),
        cmocka_unit_test(test_comments_and_blanks),
        cmocka_unit_test(test_crlf_line_endings),
        cmocka_unit_test(test_nul_padding_and_bytes),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_unknown_statement),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_malformed_keys),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_missing_required_keys),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_undefined_references),
        cmocka_unit_test(test_earliest_reference_error),
        cmocka_unit_test(test_core_range),
        cmocka_unit_test(test_component_values),
        cmocka_unit_test(test_manage_key),
        cmocka_unit_test(test_optional_key),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_channel_syntax),
        cmocka_unit_test(test_bad_ipv4),
        cmocka_unit_test(test_gateway_on_subnet),
        cmocka_unit_test(test_mtu),
        cmocka_unit_test(test_region_sizes),
        cmocka_unit_test(test_device_grants),
        cmocka_unit_test(test_item_limits),
        cmocka_unit_test(test_per_item_limits),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_round_trip_full),
        cmocka_unit_test(test_round_trip_extremes),
        cmocka_unit_test(test_dump_truncates),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_error_clears_output),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
