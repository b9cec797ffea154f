// SPDX-License-Identifier: MIT
/*
 * tests/spin/ring_signal.pml - Promela model of the sleep/signal protocol of
 * shm/ring.h, both directions: the consumer sleeps on "empty" through
 * consumer_needs_signal, the producer sleeps on "full" through
 * producer_needs_signal. It checks that no wake-up is lost: neither side
 * sleeps forever while the peer has work for it (invalid end states in the
 * safety run, and the LTL properties below under weak fairness).
 * Memory is x86-TSO: each side's plain stores go through its own FIFO store
 * buffer (a channel drained by a flusher process), loads read memory, a full
 * fence or a locked exchange waits for the buffer to drain, and the
 * notification system calls act as full barriers. That is the weakest
 * behaviour the protocol meets on x86_64; in C11 terms the seq_cst fences of
 * ring_fence_full() give the same store->load guarantee. Each side keeps its
 * own index privately and never loads a variable it stores plainly, so the
 * model needs no store forwarding.
 * It does NOT model descriptor contents, slot reuse, counter wrap or corrupt
 * peers (the unit and stress tests cover those). Variants that must fail:
 *   spin -DBUGGY            (= BUGGY_NO_FENCE: both full fences removed)
 *   spin -DBUGGY_NO_RECHECK (consumer sleeps without re-checking the ring)
 * Run everything with tests/spin/check.sh.
 */

#ifdef BUGGY
#define BUGGY_NO_FENCE
#endif

#ifndef S
#define S 2 /* ring slots (each side's private size) */
#endif
#ifndef N
#define N 4 /* descriptors moved */
#endif

mtype = { HEAD, TAIL, CNEED, PNEED };

/* Shared memory, as the flushers have made it visible. */
byte head = 0;  /* [P] */
byte tail = 0;  /* [C] */
bit cneed = 0;  /* consumer_needs_signal: consumer sets, producer clears */
bit pneed = 0;  /* producer_needs_signal: producer sets, consumer clears */
bit cntfn = 0;  /* consumer's notification word: signal sets, wait clears */
bit pntfn = 0;  /* producer's notification word */

/* Ghosts for the properties. */
bool csleep = false;
bool psleep = false;
bool cdone = false;

chan pbuf = [4] of { mtype, byte }; /* producer's store buffer */
chan cbuf = [4] of { mtype, byte }; /* consumer's store buffer */

/* ring_fence_full(): wait until this side's stores are all in memory. */
#ifdef BUGGY_NO_FENCE
#define FENCE(b) skip
#else
#define FENCE(b) empty(b)
#endif

/* A locked instruction or a system call: always drains the store buffer. */
#define BARRIER(b) empty(b)

/* The store buffers drain to memory in FIFO order, at any moment. */
proctype flusher(chan b)
{
    mtype v;
    byte x;
end:
    do
    :: atomic {
           b?v,x ->
           if
           :: v == HEAD -> head = x
           :: v == TAIL -> tail = x
           :: v == CNEED -> cneed = x
           :: v == PNEED -> pneed = x
           fi
       }
    od
}

/* seL4-style notification: signal sets the bit, wait blocks until set, clears it. */
inline ntfn_signal(buf, word)
{
    BARRIER(buf);
    word = 1
}

inline ntfn_wait(buf, word, sleeping)
{
    BARRIER(buf);
    sleeping = true;
    atomic { word == 1 -> word = 0 };
    sleeping = false
}

/* ring_producer_should_signal(): fence, load flag, exchange, signal. */
inline producer_should_signal()
{
    FENCE(pbuf);
    if
    :: cneed == 1 ->
        BARRIER(pbuf); /* xchg is locked */
        atomic { old = cneed; cneed = 0 };
        if
        :: old == 1 -> ntfn_signal(pbuf, cntfn)
        :: else
        fi
    :: else
    fi;
    unsignalled = false
}

/* ring_consumer_should_signal(): the mirror image, for free space. */
inline consumer_should_signal()
{
    FENCE(cbuf);
    if
    :: pneed == 1 ->
        BARRIER(cbuf);
        atomic { old = pneed; pneed = 0 };
        if
        :: old == 1 -> ntfn_signal(cbuf, pntfn)
        :: else
        fi
    :: else
    fi;
    unsignalled = false
}

/* Full ring: ring_producer_request_signal(), then wait or cancel. */
inline producer_wait_space()
{
    pbuf!PNEED,1;
    FENCE(pbuf);
    t = tail; /* ring_full() re-loads tail */
    if
    :: h - t == S -> ntfn_wait(pbuf, pntfn, psleep)
    :: else -> pbuf!PNEED,0 /* ring_producer_cancel_signal() */
    fi
}

/* Empty ring: ring_consumer_request_signal(), then wait or cancel. */
inline consumer_wait_work()
{
    cbuf!CNEED,1;
    FENCE(cbuf);
#ifdef BUGGY_NO_RECHECK
    hd = t;
#else
    hd = head; /* ring_empty() re-loads head */
#endif
    if
    :: hd == t -> ntfn_wait(cbuf, cntfn, csleep)
    :: else -> cbuf!CNEED,0 /* ring_consumer_cancel_signal() */
    fi
}

/*
 * Producer: publishes one slot at a time; a batch ends at a nondeterministic
 * point, and always before sleeping or finishing (the rule in ring.h).
 */
proctype producer()
{
    byte h = 0; /* own head, private */
    byte t = 0; /* last tail loaded */
    bit old;
    bool unsignalled = false;
    do
    :: h < N ->
        t = tail;
        assert(h - t >= 0 && h - t <= S);
        if
        :: h - t < S ->
            h++;
            pbuf!HEAD,h; /* store-release head */
            unsignalled = true;
            if
            :: producer_should_signal() /* end of batch */
            :: skip                     /* batch goes on */
            fi
        :: else ->
            if
            :: unsignalled -> producer_should_signal()
            :: else
            fi;
            producer_wait_space()
        fi
    :: else ->
        if
        :: unsignalled -> producer_should_signal()
        :: else
        fi;
        break
    od
}

proctype consumer()
{
    byte t = 0;  /* own tail, private */
    byte hd = 0; /* last head loaded */
    bit old;
    bool unsignalled = false;
    do
    :: t < N ->
        hd = head;
        assert(hd - t >= 0 && hd - t <= S);
        if
        :: hd != t ->
            t++;
            cbuf!TAIL,t; /* store-release tail */
            unsignalled = true;
            if
            :: consumer_should_signal()
            :: skip
            fi
        :: else ->
            if
            :: unsignalled -> consumer_should_signal()
            :: else
            fi;
            consumer_wait_work()
        fi
    :: else ->
        if
        :: unsignalled -> consumer_should_signal()
        :: else
        fi;
        break
    od;
    cdone = true
}

init
{
    atomic {
        run flusher(pbuf);
        run flusher(cbuf);
        run producer();
        run consumer()
    }
}

/* Whoever sleeps is woken again; and all N descriptors arrive. */
ltl no_lost_wakeup { [] ((csleep -> <> !csleep) && (psleep -> <> !psleep)) }
ltl all_delivered { <> cdone }
