// SPDX-License-Identifier: MIT
// Unit tests of the router's console commands (apps/router/rt_cmd.c,
// rt_show.c, rt_text.c) and of the mgmt region contract (shm/mgmt.h): a
// router built by hand (two interfaces, one with a fake NIC header page, one
// not attached; routes; a compiled ruleset with NAT; ARP entries; states made
// by the real filter) answers every command; each --json answer must be one
// valid JSON value; long answers are cut with the marker or close their list
// early; requests travel through the region as the console sends them.
// rt_rules_load() is the router's; a stub here reports success or an error.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apps/iperf3/iperf3_json.h"
#include "apps/router/rt_cmd.h"
#include "shm/mgmt.h"
#include "tests/unit/fw_test.h"

#define NOW      1000000ull
#define OUT_SIZE (MGMT_RESP_MAX)
#define NSTATES  2048

static struct router R;
static struct fw_state states[NSTATES];
static uint32_t buckets[2 * NSTATES];
static _Alignas(4096) uint8_t nic_page[3 * 4096];
static struct netif_app_counters up_app; // the network stack's page of lan0-up
static _Alignas(4096) uint8_t region[MGMT_REGION_SIZE];
static char out[OUT_SIZE];
static int reload_result;
static uint32_t reload_calls;

int rt_rules_load(struct router *r, char *err, uint32_t errcap)
{
    (void)r;
    reload_calls++;
    if (reload_result != 0)
        snprintf(err, errcap, "line 12: unknown protocol 'tcpp'");
    return reload_result;
}

// The staging calls are the router's too: stubs that record what arrives.
static unsigned staged_n, commits;
static char staged_last[256];
static uint32_t staged_line;
static bool staged_nat;

void rt_rules_stage_clear(struct router *r)
{
    (void)r;
    staged_n = 0;
}

int rt_rules_stage(struct router *r, bool nat, uint32_t line, const char *text)
{
    (void)r;
    staged_n++;
    staged_nat = nat;
    staged_line = line;
    snprintf(staged_last, sizeof(staged_last), "%s", text);
    return 0;
}

int rt_rules_commit(struct router *r, char *err, uint32_t errcap)
{
    (void)r;
    commits++;
    if (reload_result != 0)
        snprintf(err, errcap, "line 3: unknown protocol 'tcpp'");
    return reload_result;
}

// Optional: RT_CMD_JSON_DUMP=file collects every --json answer, one per line,
// for an outside parser (python3 -c 'json.loads' on each line).
static void dump_json(const char *s)
{
    const char *path = getenv("RT_CMD_JSON_DUMP");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fputs(s, f);
        fclose(f);
    }
}

static const char *run(const char *line)
{
    uint32_t n = rt_cmd_exec(&R, line, out, sizeof(out));
    assert_int_equal(n, strlen(out));
    if (strstr(line, "--json")) {
        assert_true(iperf_json_valid(out, n));
        dump_json(out);
    }
    return out;
}

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("missing '%s' in:\n%s", (needle), (hay));                                     \
    } while (0)

static void setup_if(unsigned i, const char *name, uint32_t addr, uint8_t last)
{
    struct rt_if *f = &R.ifs[i];
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->addr = addr;
    f->prefix = 24;
    f->mtu = 1500;
    memcpy(f->mac, (uint8_t[]){0x52, 0x54, 0, 0, 0, last}, 6);
    R.ifnames[i] = f->name;
}

static void setup_nic(struct rt_if *f)
{
    struct netif_header *h = (struct netif_header *)nic_page;
    atomic_store(&h->drv_state, NETIF_DRV_UP);
    atomic_store(&h->link_up, 1);
    atomic_store(&h->drv_restarts, 2);
    f->nic.hdr = h;
    f->nic.drv = (struct netif_drv_counters *)(nic_page + NETIF_DRV_CNT_OFF);
    f->nic.drv->rx_frames = 123;
    f->nic.drv->tx_bytes = 456789;
    f->nic_ok = true;
    // The stack's counters: two named, one with a name the console must clean.
    memset(&up_app, 0, sizeof(up_app));
    up_app.count = 3;
    strcpy(up_app.c[0].name, "rx_zero_copy");
    up_app.c[0].value = 321;
    strcpy(up_app.c[1].name, "rx_copied");
    up_app.c[1].value = 4;
    strcpy(up_app.c[2].name, "bad\"name");
    up_app.c[2].value = 9;
    f->up.app = &up_app;
    f->up_ok = true;
}

static void setup_rules(void)
{
    static const struct fw_line lines[] = {
        {"policy wan0 in block", 10, FW_LINE_RULE},
        {"pass out on wan0", 11, FW_LINE_RULE},
        {"pass in on wan0 proto tcp to 198.18.0.2 port { 22, 8000-8080 }", 12, FW_LINE_RULE},
        {"on wan0 from 198.18.0.0/24 -> (wan0)", 13, FW_LINE_NAT},
    };
    struct fw_ifnames ifs = {R.ifnames, R.nifs};
    struct fw_error err;
    assert_int_equal(fw_rules_compile(lines, 4, &ifs, &R.rulesets[0], R.counters[0], &err), FW_OK);
    struct fw_ruleset *old;
    uint64_t epoch;
    assert_int_equal(fw_publish(&R.fw, &R.rulesets[0], &old, &epoch), FW_OK);
    R.live = 0;
}

// A TCP SYN (or UDP datagram) from inside leaving on wan0: a NATed state.
static void flow(bool tcp, uint16_t sport)
{
    uint8_t b[128];
    struct fw_pkt p;
    size_t len = tcp ? t_tcp(b, IP4(198, 18, 0, 2), IP4(192, 0, 2, 1), sport, 80, FW_TCP_SYN, 0)
                     : t_udp(b, IP4(198, 18, 0, 2), IP4(192, 0, 2, 1), sport, 53, 8, true);
    assert_int_equal(fw_pkt_parse(&p, b, len, 0), FW_R_OK);
    assert_int_equal(fw_filter(&R.fw, &p, 1, FW_OUT, NOW), FW_PASS);
}

static int setup(void **state)
{
    (void)state;
    memset(&R, 0, sizeof(R));
    memset(nic_page, 0, sizeof(nic_page));
    R.nifs = 2;
    R.now_ms = NOW;
    setup_if(0, "lan0", IP4(198, 18, 0, 1), 1);
    setup_if(1, "wan0", IP4(198, 19, 0, 1), 2);
    setup_nic(&R.ifs[0]);
    R.ifs[0].cnt.rx_frames = 77;
    R.ifs[1].cnt.fwd_frames = 55;
    fw_route_init(&R.routes);
    fw_route_add_connected(&R.routes, R.ifs[0].addr, 24, 0);
    fw_route_add_connected(&R.routes, R.ifs[1].addr, 24, 1);
    fw_route_add(&R.routes, 0, 0, IP4(198, 19, 0, 254), 1);
    assert_int_equal(fw_init(&R.fw, states, NSTATES, buckets, 2 * NSTATES, 1, 2), FW_OK);
    fw_set_if_addr(&R.fw, 1, R.ifs[1].addr);
    setup_rules();
    R.arp[0] = (struct rt_arp){IP4(198, 18, 0, 2), {2, 0, 0, 0, 0, 2}, 0, true, 0, NOW + 290000};
    R.arp[5] = (struct rt_arp){IP4(198, 19, 0, 254), {0}, 1, false, 2, NOW + 500};
    flow(true, 40000);
    reload_result = 0;
    return 0;
}

static void test_help(void **state)
{
    (void)state;
    const char *s = run("help");
    assert_has(s, "show interfaces");
    assert_has(s, "show components");
    assert_has(s, "--json");
    run("help --json");
    assert_string_equal(run(""), "");
    assert_string_equal(run("   \t "), "");
}

static void test_interfaces(void **state)
{
    (void)state;
    const char *s = run("show interfaces");
    assert_has(s, "lan0  198.18.0.1/24  mac 52:54:00:00:00:01  mtu 1500  link up\n");
    assert_has(s, "driver up, 2 restarts");
    assert_has(s, "rx_frames                 123");
    assert_has(s, "rx_frames                  77");
    assert_has(s, "wan0  198.19.0.1/24  mac 52:54:00:00:00:02  mtu 1500  link unknown\n");
    assert_has(s, "NIC region not attached");
    assert_has(s, "  stack counters:\n    rx_zero_copy              321    rx_copied");
    assert_string_equal(run("show int"), s); // a unique prefix
    s = run("show interfaces --json");
    struct iperf_jval v;
    assert_true(iperf_json_get(s, strlen(s), "interfaces", &v));
    assert_int_equal(v.type, IPERF_JARR);
    assert_has(s, "\"name\":\"lan0\",\"address\":\"198.18.0.1\",\"prefix\":24,");
    assert_has(s, "\"link\":\"up\",\"nic_attached\":true,\"driver_up\":true");
    assert_has(s, "\"link\":\"unknown\",\"nic_attached\":false");
    assert_has(s, "\"nic\":{\"rx_frames\":123,");
    assert_has(s, "\"tx_bytes\":456789");
    assert_has(s, "\"fwd_frames\":55");
    assert_has(s, "\"stack\":{\"rx_zero_copy\":321,\"rx_copied\":4,\"bad_name\":9}");
}

static void test_routes(void **state)
{
    (void)state;
    const char *s = run("show routes");
    assert_has(s, "routes (3, longest prefix first):\n");
    assert_has(s, "  198.18.0.0/24 dev lan0 connected\n");
    assert_has(s, "  0.0.0.0/0 via 198.19.0.254 dev wan0\n");
    s = run("show routes --json");
    int64_t n;
    assert_true(iperf_json_get_int(s, strlen(s), "count", &n));
    assert_int_equal(n, 3);
    assert_has(s,
               "{\"prefix\":\"0.0.0.0\",\"len\":0,\"gateway\":\"198.19.0.254\",\"dev\":\"wan0\"");
}

static void test_arp(void **state)
{
    (void)state;
    const char *s = run("show arp");
    assert_has(s, "arp cache (2 of 256 entries):\n");
    assert_has(s, "198.18.0.2       02:00:00:00:00:02  lan0      reachable   age 10s\n");
    assert_has(s, "198.19.0.254     (incomplete)       wan0      incomplete  tries 2\n");
    s = run("show arp --json");
    assert_has(s, "\"state\":\"reachable\",\"age_ms\":10000,\"expires_ms\":290000");
    assert_has(s, "\"mac\":\"\",\"interface\":\"wan0\",\"state\":\"incomplete\"");
}

static void test_rules(void **state)
{
    (void)state;
    atomic_store(&R.counters[0][0].bytes, 4242); // policy lines are not rules
    const char *s = run("show rules");
    assert_has(s, "policy wan0 in block, out pass\n");
    assert_has(s, "policy lan0 in pass, out pass\n");
    assert_has(s, "     13  nat on wan0 from 198.18.0.0/24 to any -> (wan0) port 49152-65535\n");
    assert_has(s, "    0    11          1         4242       1  pass out on wan0 from any");
    assert_has(s, "    1    12          0            0       0  pass in on wan0 proto tcp");
    assert_has(s, "port { 22, 8000-8080 }");
    s = run("show rules --json");
    assert_has(s, "\"line\":11,\"rule\":\"pass out on wan0");
    assert_has(s, "\"packets\":1,\"bytes\":4242,\"states\":1}");
    bool loaded;
    assert_true(iperf_json_get_bool(s, strlen(s), "loaded", &loaded));
    assert_true(loaded);
    memset(&R.rulesets[0], 0, sizeof(R.rulesets[0]));
    assert_has(run("show rules"), "no ruleset loaded");
    run("show rules --json");
}

static void test_states(void **state)
{
    (void)state;
    flow(false, 5353);
    const char *s = run("show states");
    assert_has(s, "states (2 in use of 2048):\n");
    assert_has(s, "  tcp out wan0 198.18.0.2:40000 -> 192.0.2.1:80 nat 198.19.0.1:");
    assert_has(s, "udp out wan0 198.18.0.2:5353 -> 192.0.2.1:53");
    s = run("show states --json");
    assert_has(s,
               "\"proto\":\"tcp\",\"dir\":\"out\",\"interface\":\"wan0\",\"src\":\"198.18.0.2\"");
    assert_has(s, "\"nat\":\"nat\",\"xsrc\":\"198.19.0.1\"");
    assert_has(s, "\"state\":\"SYN_SENT\"");
}

static void test_counters(void **state)
{
    (void)state;
    fw_count_drop(&R.fw, FW_R_BAD_CHECKSUM);
    const char *s = run("show counters");
    assert_has(s, "filter: passed 1, state hits 0, states created 1\n");
    assert_has(s, "  bad-checksum                  1\n");
    assert_has(s, "                         lan0         wan0\n");
    assert_has(s, "  fwd_frames                0           55\n");
    s = run("show counters --json");
    assert_has(s, "\"drops\":{\"truncated\":0,");
    assert_has(s, "\"bad-checksum\":1");
    assert_has(s, "\"interfaces\":{\"lan0\":{\"rx_frames\":77,");
}

static void test_unknown(void **state)
{
    (void)state;
    assert_string_equal(run("frobnicate"), "error: unknown command 'frobnicate' (try help)\n");
    assert_string_equal(run("show  bogus"), "error: unknown command 'show bogus' (try help)\n");
    assert_string_equal(run("show r"), "error: unknown command 'show r' (try help)\n");
    assert_string_equal(run("reload now"), "error: unknown command 'reload now' (try help)\n");
    assert_string_equal(run("a b c d e f g h"),
                        "error: unknown command 'a b c d e f...' (try help)\n");
    assert_string_equal(run("x'\x01"), "error: unknown command 'x?"
                                       "?' (try help)\n");
    assert_has(run("bogus --json"), "{\"error\":\"unknown command 'bogus'\"}");
}

static void test_reload_save(void **state)
{
    (void)state;
    assert_string_equal(run("reload"), "reload: ok, ruleset generation 1: 2 rules, 1 nat rules\n");
    reload_result = -2;
    assert_string_equal(
        run("reload"), "reload: failed: line 12: unknown protocol 'tcpp'; the old ruleset stays\n");
    assert_has(run("reload --json"), "\"ok\":false,\"error\":\"line 12: unknown protocol 'tcpp'");
    assert_int_equal(reload_calls, 3);
    assert_has(run("save"), "save: failed: no disk configured");
    assert_has(run("save --json"), "\"ok\":false");
}

// The console's `load`: rule text staged raw (more words than a command
// has, blanks kept), bad line numbers refused, the commit answered like reload.
static void test_stage(void **state)
{
    (void)state;
    assert_string_equal(run("stage clear"), "stage: ok, cleared\n");
    const char *rule = "stage rule 12 block log in on lan0 proto tcp from any to any port 7002";
    assert_string_equal(run(rule), "stage: ok, staged\n");
    assert_int_equal(staged_line, 12);
    assert_false(staged_nat);
    assert_string_equal(staged_last, "block log in on lan0 proto tcp from any to any port 7002");
    assert_string_equal(run("stage nat 3 on wan0 from 198.18.0.0/24 to any -> wan0"),
                        "stage: ok, staged\n");
    assert_true(staged_nat);
    assert_int_equal(staged_n, 2);
    assert_has(run("stage rule 0 pass all"), "stage: failed: bad line number");
    assert_has(run("stage rule x pass all"), "stage: failed: bad line number");
    assert_has(run("stage rule 7"), "stage: failed: bad line number");
    assert_has(run("stage frobnicate"), "stage: failed: usage:");
    assert_int_equal(staged_n, 2);
    assert_string_equal(run("stage commit"),
                        "load: ok, ruleset generation 1: 2 rules, 1 nat rules\n");
    reload_result = -2;
    assert_string_equal(run("stage commit"),
                        "load: failed: line 3: unknown protocol 'tcpp'; the old ruleset stays\n");
    assert_int_equal(commits, 2);
}

// A small buffer: the answer is a prefix plus the marker, and always fits.
static void test_truncation_marker(void **state)
{
    (void)state;
    char small[200];
    bool trunc = false;
    for (uint32_t cap = 0; cap < sizeof(small); cap++) {
        memset(small, 'x', sizeof(small));
        uint32_t n = rt_cmd_run(&R, "show rules", small, cap, &trunc);
        if (cap == 0) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_true(n < cap);
        assert_int_equal(strlen(small), n);
        assert_true(small[cap] == 'x' || cap == sizeof(small));
    }
    assert_true(trunc);
    uint32_t n = rt_cmd_run(&R, "show rules", small, sizeof(small), &trunc);
    assert_true(n > strlen(MGMT_TRUNC_MARK));
    assert_string_equal(small + n - strlen(MGMT_TRUNC_MARK), MGMT_TRUNC_MARK);
    rt_cmd_run(&R, "help", out, sizeof(out), &trunc);
    assert_false(trunc);
}

// Many states: the list stops early, says so, and the JSON still closes.
static void test_truncation_states(void **state)
{
    (void)state;
    for (uint16_t i = 0; i < 1500; i++)
        flow(false, (uint16_t)(10000 + i));
    const char *s = run("show states");
    assert_true(strlen(s) < MGMT_RESP_MAX);
    assert_has(s, "states (1501 in use of 2048):\n");
    assert_has(s, "more not shown\n");
    s = run("show states --json");
    int64_t n;
    bool t;
    assert_true(iperf_json_get_int(s, strlen(s), "count", &n));
    assert_int_equal(n, 1501);
    assert_true(iperf_json_get_bool(s, strlen(s), "truncated", &t));
    assert_true(t);
}

static void test_mgmt_roundtrip(void **state)
{
    (void)state;
    char resp[MGMT_RESP_MAX + 1];
    uint32_t flags = 9;
    memset(region, 0, sizeof(region));
    assert_false(rt_mgmt_poll(&R, region, sizeof(region))); // nothing asked yet
    uint32_t seq = mgmt_next_seq(region);
    assert_int_equal(seq, 2);
    mgmt_request_put(region, seq, "show routes", 11);
    assert_int_equal(mgmt_response_get(region, seq, resp, sizeof(resp), &flags), -1);
    assert_false(rt_mgmt_poll(&R, region, MGMT_REGION_SIZE - 4096)); // region too small
    assert_true(rt_mgmt_poll(&R, region, sizeof(region)));
    assert_false(rt_mgmt_poll(&R, region, sizeof(region))); // already answered
    int32_t n = mgmt_response_get(region, seq, resp, sizeof(resp), &flags);
    assert_true(n > 0);
    assert_int_equal(flags, 0);
    assert_has(resp, "0.0.0.0/0 via 198.19.0.254 dev wan0");
    // A request being written (odd) is not answered; a console restart continues.
    seq = mgmt_next_seq(region);
    assert_int_equal(seq, 4);
    atomic_store(&mgmt_hdr(region)->req_seq, seq - 1);
    assert_false(rt_mgmt_poll(&R, region, sizeof(region)));
    // A lying length is bounded; the text has no NUL.
    mgmt_request_put(region, seq, "help", 4);
    mgmt_hdr(region)->req_len = 0xffffffffu;
    memset(mgmt_req(region), 'h', MGMT_REQ_MAX);
    assert_true(rt_mgmt_poll(&R, region, sizeof(region)));
    n = mgmt_response_get(region, seq, resp, sizeof(resp), &flags);
    assert_true(n > 0);
    assert_has(resp, "error: unknown command 'hhhh");
    // An older answer is not taken for the current request.
    assert_int_equal(mgmt_response_get(region, seq + 2, resp, sizeof(resp), &flags), -1);
    // A lying response length is bounded on the console's side too.
    mgmt_hdr(region)->resp_len = 0xffffffffu;
    n = mgmt_response_get(region, seq, resp, 100, &flags);
    assert_int_equal(n, 99);
    assert_int_equal(strlen(resp), 99);
}

static void test_mgmt_truncated_flag(void **state)
{
    (void)state;
    char resp[MGMT_RESP_MAX + 1];
    uint32_t flags = 0;
    for (uint16_t i = 0; i < 1500; i++)
        flow(false, (uint16_t)(20000 + i));
    memset(region, 0, sizeof(region));
    // Lists close themselves before the end of the answer area, so nothing
    // is cut and the flag stays clear (the marker case is tested above).
    bool trunc = true;
    rt_cmd_run(&R, "show states", out, sizeof(out), &trunc);
    assert_false(trunc); // the list closed itself, nothing was cut
    mgmt_request_put(region, 2, "show states --json", 18);
    assert_true(rt_mgmt_poll(&R, region, sizeof(region)));
    int32_t n = mgmt_response_get(region, 2, resp, sizeof(resp), &flags);
    assert_true(n > 30000); // about a state per 300 bytes, up to the reserve
    assert_int_equal(flags, 0);
    assert_true(iperf_json_valid(resp, (size_t)n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_help, setup),
        cmocka_unit_test_setup(test_interfaces, setup),
        cmocka_unit_test_setup(test_routes, setup),
        cmocka_unit_test_setup(test_arp, setup),
        cmocka_unit_test_setup(test_rules, setup),
        cmocka_unit_test_setup(test_states, setup),
        cmocka_unit_test_setup(test_counters, setup),
        cmocka_unit_test_setup(test_unknown, setup),
        cmocka_unit_test_setup(test_reload_save, setup),
        cmocka_unit_test_setup(test_truncation_marker, setup),
        cmocka_unit_test_setup(test_truncation_states, setup),
        cmocka_unit_test_setup(test_mgmt_roundtrip, setup),
        cmocka_unit_test_setup(test_mgmt_truncated_flag, setup),
        cmocka_unit_test_setup(test_stage, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
