// SPDX-License-Identifier: MIT
// Components for the system-composition test (tests/qemu/compose.conf), one
// image whose role is its args: a producer and a consumer moving descriptors
// through a ring in a shared region with batch signalling; a crasher and a
// hanger that fail in their first life and must come back; a component that
// always faults (init must back off and give up); and a checker that collects
// the outcome and hands the verdict to QEMU. For the fault-injection test
// (tests/qemu/manage.conf): "idle" and "hooked" components to restart and
// inject faults into (the second with a bad-descriptor hook), and a "rogue"
// without manage=yes that asks init to restart another and reports the answer.
#include "lib/comp.h"
#include "lib/comp_ctl.h"
#include "lib/rw.h"
#include "lib/string.h"
#include "shm/ring.h"

#define TOTAL        10000000u
#define BATCH        64u
#define RING_SLOTS   1024u
#define STATS_OFFSET 0x10000u
#define SEC          1000000000ull

struct ringtest_stats {
    _Atomic uint64_t produced, consumed, batches, signals, errors, wakeups;
    _Atomic uint64_t start_ns, end_ns;
};

static const struct comp_info *ci;
static volatile int *volatile nowhere = (volatile int *)0xdead0000ull; // never mapped

static struct ringtest_stats *stats(void)
{
    return (struct ringtest_stats *)(comp_region(ci, "ring")->va + STATS_OFFSET);
}

static int producer(void)
{
    struct ring_handle h;
    if (ring_attach(&h, (void *)comp_region(ci, "ring")->va, RING_SLOTS, RING_PRODUCER) != RING_OK)
        return 1;
    const struct comp_channel *data = comp_channel(ci, "data", COMP_CHAN_OUT);
    struct ringtest_stats *st = stats();
    st->start_ns = rw_now_ns();
    struct ring_desc batch[BATCH];
    for (uint32_t seq = 0; seq < TOTAL;) {
        uint32_t n = TOTAL - seq < BATCH ? TOTAL - seq : BATCH;
        for (uint32_t i = 0; i < n; i++)
            batch[i] = (struct ring_desc){seq + i, 64, 0};
        uint32_t put = ring_enqueue_batch(&h, batch, n);
        seq += put;
        if (put) {
            if (++st->batches % 4096 == 0)
                comp_service(ci); // heartbeats, when the ring never fills
            if (ring_producer_should_signal(&h)) {
                comp_signal(data);
                st->signals++;
            }
        } else if (ring_producer_request_signal(&h)) {
            comp_wait(ci, TIMEOUT_NEVER); // the consumer frees room
        } else {
            ring_producer_cancel_signal(&h);
        }
        st->produced = seq;
    }
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
}

static int consumer(void)
{
    struct ring_handle h;
    if (ring_attach(&h, (void *)comp_region(ci, "ring")->va, RING_SLOTS, RING_CONSUMER) != RING_OK)
        return 1;
    const struct comp_channel *room = comp_channel(ci, "room", COMP_CHAN_OUT);
    struct ringtest_stats *st = stats();
    struct ring_desc batch[BATCH];
    uint64_t next = 0;
    while (next < TOTAL) {
        uint32_t n = ring_dequeue_batch(&h, batch, BATCH);
        for (uint32_t i = 0; i < n; i++, next++)
            st->errors += batch[i].offset != next;
        if (n && next % (BATCH * 4096) < n)
            comp_service(ci);
        if (n && ring_consumer_should_signal(&h))
            comp_signal(room);
        if (n == 0) {
            if (ring_consumer_request_signal(&h)) {
                comp_wait(ci, TIMEOUT_NEVER);
                st->wakeups++;
            } else {
                ring_consumer_cancel_signal(&h);
            }
        }
        st->consumed = next;
    }
    st->end_ns = rw_now_ns();
    st->errors += h.errors;
    comp_signal(comp_channel(ci, "done", COMP_CHAN_OUT));
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
}

// First life fails (fault or hang); later lives report in and serve heartbeats.
static int second_life(int hang)
{
    if (ci->restarts == 0) {
        rw_sleep(300000000);
        while (hang)
            __asm__ volatile("pause");
        *nowhere = 1;
    }
    rw_printf("%s: alive after restart %u\n", ci->name, ci->restarts);
    comp_signal(comp_channel(ci, "alive", COMP_CHAN_OUT));
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
    return 0;
}

// The RTC ports init granted: usable, and nothing beyond them.
static int device_granted(void)
{
    uint32_t v = 0;
    if (ci->ndevices != 1 || ci->devices[0].kind != COMP_DEV_IOPORT)
        return 0;
    uint32_t h = ci->devices[0].handle;
    int in_range = rw_io_write(h, 0x70, 1, 0x0a) == RW_OK && rw_io_read(h, 0x71, 1, &v) == RW_OK;
    int outside = rw_io_read(h, 0x72, 1, &v) == RW_EPERM;
    rw_printf("checker: granted I/O ports %s, outside them %s\n", in_range ? "work" : "FAIL",
              outside ? "refused" : "FAIL");
    return in_range && outside;
}

static int checker(void)
{
    uint64_t want = comp_channel(ci, "consumer.done", COMP_CHAN_IN)->bits |
                    comp_channel(ci, "crasher.alive", COMP_CHAN_IN)->bits |
                    comp_channel(ci, "hanger.alive", COMP_CHAN_IN)->bits;
    struct ringtest_stats *st = stats();
    uint64_t got = 0, t0 = rw_now_ns(), last = t0;
    // wait for the events, and at least long enough for init to give up on 'broken'
    while ((got != want || rw_now_ns() - t0 < 8 * SEC) && rw_now_ns() - t0 < 240 * SEC) {
        got |= comp_wait(ci, 1 * SEC);
        if (rw_now_ns() - last > 5 * SEC) {
            last = rw_now_ns();
            rw_printf("checker: %lu of %u descriptors, events %lx\n", (unsigned long)st->consumed,
                      TOTAL, (unsigned long)got);
        }
    }
    uint64_t ns = st->end_ns - st->start_ns;
    rw_printf("checker: %lu descriptors, %lu errors, %lu batches, %lu signals, %lu consumer "
              "wake-ups, %lu ns\n",
              (unsigned long)st->consumed, (unsigned long)st->errors, (unsigned long)st->batches,
              (unsigned long)st->signals, (unsigned long)st->wakeups, (unsigned long)ns);
    if (ns)
        rw_printf("ringwall ring guest cross-core: %lu Mdesc/s\n",
                  (unsigned long)(st->consumed * 1000 / ns));
    int ok = got == want && st->consumed == TOTAL && st->errors == 0 &&
             st->signals <= st->batches && device_granted();
    rw_printf("checker: events %lx of %lx: %s\n", (unsigned long)got, (unsigned long)want,
              ok ? "PASS" : "FAIL");
    rw_test_exit(!ok);
}

// Serves heartbeats and injected faults forever, announcing each life.
static int idle(void)
{
    rw_printf("%s: alive (restart %u)\n", ci->name, ci->restarts);
    for (;;)
        comp_wait(ci, TIMEOUT_NEVER);
    return 0;
}

static int bad_descriptor_hook(uint32_t fault)
{
    rw_printf("%s: fault hook armed for %s\n", ci->name, comp_fault_name(fault));
    return COMP_REPLY_OK;
}

// Asks init to restart 'alpha' without the right to; init must refuse.
static int rogue(void)
{
    comp_wait(ci, SEC); // let the others start
    struct comp_ctl_request r = {.kind = COMP_CTL_RESTART, .target = "alpha"};
    struct chan_msg m;
    comp_ctl_encode(&r, 0, &m);
    int s = comp_request(ci, &m, 3 * SEC);
    rw_printf("rogue: restart of 'alpha' answered: %s\n",
              s == RW_OK ? comp_reply_text((uint32_t)m.words[1]) : rw_status_name(s));
    return idle();
}

int main(uint64_t arg)
{
    ci = comp_start(arg);
    if (!ci)
        return 1;
    if (strcmp(ci->args, "producer") == 0)
        return producer();
    if (strcmp(ci->args, "consumer") == 0)
        return consumer();
    if (strcmp(ci->args, "crasher") == 0 || strcmp(ci->args, "hanger") == 0)
        return second_life(ci->args[0] == 'h');
    if (strcmp(ci->args, "broken") == 0)
        return *nowhere;
    if (strcmp(ci->args, "checker") == 0)
        return checker();
    if (strcmp(ci->args, "hooked") == 0)
        comp_set_fault_hook(bad_descriptor_hook);
    if (strcmp(ci->args, "idle") == 0 || strcmp(ci->args, "hooked") == 0)
        return idle();
    if (strcmp(ci->args, "rogue") == 0)
        return rogue();
    return 1;
}
