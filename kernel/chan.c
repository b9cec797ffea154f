// SPDX-License-Identifier: MIT
// Control channels (see chan.h). Both ends share one struct chan and its lock;
// queue[i] holds messages waiting to be received at side i.
#include "kernel/chan.h"

#include "kernel/cap.h"
#include "kernel/heap.h"
#include "kernel/ntfn.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/uapi/status.h"
#include "lib/string.h"

struct kmsg {
    uint64_t words[CHAN_WORDS];
    struct kobj *objs[CHAN_HANDLES];
    uint32_t rights[CHAN_HANDLES];
    uint32_t n;
};

struct chan_queue {
    struct kmsg msgs[CHAN_QUEUE];
    uint32_t head, count;
    struct thread *waiter;
    struct ntfn *bound;
    uint64_t bound_bits;
    bool closed; // this side's end is gone
};

struct chan {
    struct spinlock lock;
    struct chan_queue q[2];
};

int chan_create(struct chan_end **e0, struct chan_end **e1)
{
    struct chan *c = kmalloc(sizeof(*c));
    struct chan_end *a = kmalloc(sizeof(*a)), *b = kmalloc(sizeof(*b));
    if (!c || !a || !b) {
        kfree(c);
        kfree(a);
        kfree(b);
        return RW_ENOMEM;
    }
    kobj_init(&a->obj, OBJ_CHAN);
    kobj_init(&b->obj, OBJ_CHAN);
    a->chan = b->chan = c;
    a->side = 0;
    b->side = 1;
    *e0 = a;
    *e1 = b;
    return RW_OK;
}

static void drop_msg(struct kmsg *m)
{
    for (uint32_t i = 0; i < m->n; i++)
        kobj_put(m->objs[i]);
    m->n = 0;
}

// Moves the message's handles out of p's table; on failure puts back those taken.
static int take_handles(struct process *p, const struct chan_msg *m, struct kmsg *k)
{
    if (m->nhandles > CHAN_HANDLES)
        return RW_EINVAL;
    for (k->n = 0; k->n < m->nhandles; k->n++) {
        int s = cap_take(&p->caps, m->handles[k->n], RIGHT_GRANT, &k->objs[k->n], &k->rights[k->n]);
        if (s == RW_OK && k->objs[k->n]->type == OBJ_CHAN) {
            cap_install(&p->caps, k->objs[k->n], k->rights[k->n]);
            kobj_put(k->objs[k->n]);
            s = RW_EPERM;
        }
        if (s != RW_OK) {
            while (k->n--) {
                cap_install(&p->caps, k->objs[k->n], k->rights[k->n]);
                kobj_put(k->objs[k->n]);
            }
            k->n = 0;
            return s;
        }
    }
    return RW_OK;
}

int chan_send(struct process *p, struct chan_end *e, const struct chan_msg *m)
{
    struct kmsg k;
    memcpy(k.words, m->words, sizeof(k.words));
    int s = take_handles(p, m, &k);
    if (s != RW_OK)
        return s;
    struct chan *c = e->chan;
    struct chan_queue *q = &c->q[e->side ^ 1];
    uint64_t f = spin_lock_irq(&c->lock);
    s = q->closed ? RW_EDEAD : q->count == CHAN_QUEUE ? RW_EAGAIN : RW_OK;
    struct thread *w = 0;
    struct ntfn *n = 0;
    uint64_t bits = q->bound_bits;
    if (s == RW_OK) {
        q->msgs[(q->head + q->count++) % CHAN_QUEUE] = k;
        w = q->waiter;
        q->waiter = 0;
        n = q->bound;
        if (n)
            kobj_get(&n->obj);
    }
    spin_unlock_irq(&c->lock, f);
    if (s != RW_OK) {
        for (uint32_t i = 0; i < k.n; i++)
            cap_install(&p->caps, k.objs[i], k.rights[i]);
        drop_msg(&k);
        return s;
    }
    if (w)
        sched_wake(w);
    if (n) {
        ntfn_signal(n, bits);
        kobj_put(&n->obj);
    }
    return RW_OK;
}

// Waits for a message at q; returns with the lock held and interrupts off.
static int wait_msg(struct chan *c, struct chan_queue *q, uint64_t timeout_ns, uint64_t *f)
{
    struct thread *t = thread_current();
    uint64_t deadline = timeout_ns == TIMEOUT_NEVER ? 0 : clock_ns() + timeout_ns;
    *f = spin_lock_irq(&c->lock);
    while (q->count == 0) {
        if (c->q[q == &c->q[0] ? 1 : 0].closed)
            return RW_EDEAD;
        if (timeout_ns == 0 || (deadline && clock_ns() >= deadline))
            return timeout_ns == 0 ? RW_EAGAIN : RW_ETIMEDOUT;
        if (q->waiter)
            return RW_EBUSY;
        if (t->killed)
            return RW_EDEAD;
        q->waiter = t;
        thread_block(deadline, &c->lock);
        spin_lock(&c->lock);
        if (q->waiter == t)
            q->waiter = 0;
    }
    return RW_OK;
}

static void install_handles(struct process *p, struct kmsg *k, struct chan_msg *out)
{
    out->nhandles = k->n;
    for (uint32_t i = 0; i < k->n; i++) {
        int h = cap_install(&p->caps, k->objs[i], k->rights[i]);
        out->handles[i] = h > 0 ? (uint32_t)h : 0;
    }
    drop_msg(k);
}

int chan_recv(struct process *p, struct chan_end *e, uint64_t umsg, uint64_t timeout_ns)
{
    struct chan_msg out = {0};
    int s = copy_to_user(p, umsg, &out, sizeof(out)); // fail before taking anything
    if (s != RW_OK)
        return s;
    struct chan *c = e->chan;
    struct chan_queue *q = &c->q[e->side];
    uint64_t f;
    s = wait_msg(c, q, timeout_ns, &f);
    struct kmsg k = {0};
    if (s == RW_OK) {
        k = q->msgs[q->head];
        q->head = (q->head + 1) % CHAN_QUEUE;
        q->count--;
    }
    spin_unlock_irq(&c->lock, f);
    if (s != RW_OK)
        return s;
    memcpy(out.words, k.words, sizeof(out.words));
    install_handles(p, &k, &out);
    return copy_to_user(p, umsg, &out, sizeof(out));
}

int chan_bind(struct chan_end *e, struct ntfn *n, uint64_t bits)
{
    struct chan *c = e->chan;
    struct chan_queue *q = &c->q[e->side];
    kobj_get(&n->obj);
    uint64_t f = spin_lock_irq(&c->lock);
    struct ntfn *old = q->bound;
    q->bound = n;
    q->bound_bits = bits;
    bool pending = q->count > 0;
    spin_unlock_irq(&c->lock, f);
    if (old)
        kobj_put(&old->obj);
    if (pending)
        ntfn_signal(n, bits);
    return RW_OK;
}

void chan_destroy(struct kobj *o)
{
    struct chan_end *e = (struct chan_end *)o;
    struct chan *c = e->chan;
    struct chan_queue *mine = &c->q[e->side], *peer = &c->q[e->side ^ 1];
    uint64_t f = spin_lock_irq(&c->lock);
    mine->closed = true;
    bool last = peer->closed;
    struct thread *w = peer->waiter;
    peer->waiter = 0;
    struct ntfn *n = last ? 0 : peer->bound;
    uint64_t bits = peer->bound_bits;
    if (n)
        kobj_get(&n->obj);
    spin_unlock_irq(&c->lock, f);
    while (mine->count) {
        drop_msg(&mine->msgs[mine->head]);
        mine->head = (mine->head + 1) % CHAN_QUEUE;
        mine->count--;
    }
    if (mine->bound)
        kobj_put(&mine->bound->obj);
    if (w)
        sched_wake(w);
    if (n) {
        ntfn_signal(n, bits); // the peer learns the channel is dead
        kobj_put(&n->obj);
    }
    kfree(e);
    if (last)
        kfree(c);
}
