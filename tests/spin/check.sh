#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tests/spin/check.sh - model-check the ring signal protocol with Spin:
# the real model must pass the safety run (assertions, invalid end states =
# a side asleep forever) and both LTL properties under weak fairness; the
# BUGGY variants (no full fence, no re-check) must each be caught, which
# shows the model can fail. Everything is written under the scratch dir
# ($1, default /tmp/spin-ring), never into the source tree. It is not a test
# of the C code itself (see tests/unit and tests/stress).
# Usage: tests/spin/check.sh [scratch_dir]
set -eu

src_dir=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/spin-ring}
mkdir -p "$work"
cd "$work"
cp "$src_dir/ring_signal.pml" .

fail() {
    echo "spin ring_signal: FAIL: $*" >&2
    exit 1
}

# build DEFINES CCFLAGS: generate and compile pan for one variant. Both
# arguments are flag lists and are split on purpose.
# shellcheck disable=SC2086
build() {
    spin $1 -a ring_signal.pml >spin.log 2>&1 || { cat spin.log >&2; fail "spin -a $1"; }
    gcc -O2 -w $2 -o pan pan.c || fail "gcc pan.c $2"
}

# run NAME ARGS...: run pan, keep its output in NAME.out.
run() {
    name=$1
    shift
    rm -f ring_signal.pml.trail
    ./pan -m200000 "$@" >"$name.out" 2>&1 || true
}

# A pass needs zero errors from a search that covered the whole state space.
expect_pass() {
    if grep -qi "max search depth too small\|out of memory\|search not completed" "$1.out"; then
        cat "$1.out" >&2
        fail "$1: incomplete search"
    fi
    grep -q "errors: 0$" "$1.out" || { cat "$1.out" >&2; fail "$1 found an error"; }
    echo "  $1: pass ($(grep -o '[0-9]* states, stored' "$1.out"))"
}

expect_fail() {
    grep -q "$2" "$1.out" || { cat "$1.out" >&2; fail "$1 was not caught"; }
    echo "  $1: caught as expected ($2)"
}

# The default size (2 slots, 4 descriptors) and a larger one (4 slots, 8).
for cfg in "" "-DS=4 -DN=8"; do
    tag=$(echo "${cfg:-default}" | tr -d ' =-')
    build "$cfg" "-DSAFETY -DNOCLAIM"
    run "safety-$tag"
    expect_pass "safety-$tag"
    build "$cfg" ""
    run "no_lost_wakeup-$tag" -a -f -N no_lost_wakeup
    expect_pass "no_lost_wakeup-$tag"
    run "all_delivered-$tag" -a -f -N all_delivered
    expect_pass "all_delivered-$tag"
done

for bug in BUGGY BUGGY_NO_RECHECK; do
    build "-D$bug" "-DSAFETY -DNOCLAIM"
    run "$bug-safety"
    expect_fail "$bug-safety" "invalid end state"
    build "-D$bug" ""
    run "$bug-liveness" -a -f -N no_lost_wakeup
    expect_fail "$bug-liveness" "acceptance cycle"
done

echo "spin ring_signal: ok"
