#!/usr/bin/env python3
# tests/fuzz-repro/inputs.py OUT_DIR: writes the hand-made system-call fuzzer inputs of this
# directory (spawn-pair, timers-poll, port-clients) from readable steps. It mirrors the
# byte reader of user/fuzzprog.c as of this commit (13 step kinds); when that reader
# changes, the same bytes make other programs, which tools/fuzz-repro-tests still checks
# (every call reproduced), but the names here may no longer describe them: rerun it.
import sys, os
URL = {"pair":0,"listen":1,"connect":2,"listen2":3,"connect2":4,"pair1":5,"interval1":6,"oneshot2":7,"interval50us":8,"console":9,"zero":10,"null":11}
OPS = ["compute","sleep","now","yield","expect_fail","dup","task_id","thread_id","prng","take_peer","write_handles","read_handles","pending","timer_ms","timer_ns","timer_fired","timer_cancel","spawn"]
SIG = {"readable":1,"writable":2,"peer_closed":4,"signaled":8,"exited":16}
def live(i): return [0, i]            # pick_handle: live[i % nlive]
def self_h(): return [5, 1]           # case 5, odd i: handle 0
def stack(off=0): return [0, off]     # pick_ptr: stack + off
def heap(j): return [2, j]            # pick_ptr: heap buf + 8j
LEN = {0:0,1:1,4:2,8:3,255:4,256:5,257:6,512:7,4096:8,4097:9,16:13,32:14,64:15}
def ln(n): return [LEN[n]]
def deadline(kind, n=0):              # 0 past, now, soon (n us), later (n ms), never
    return {"past":[0],"now":[1],"soon":[2,n],"later":[3,n],"never":[4]}[kind]
def open_(url, flags=0): return [0, 0, URL[url], flags, 0, 0]
def close(h): return [1] + h
def read(h, p, n): return [2] + h + p + ln(n)
def write(h, p, n): return [3] + h + p + ln(n)
def iarg_int(v): return [0, v]
def iarg_big(v100k): return [3, v100k]   # k<128: rd8 * 100000
def iarg_handle(h): return [2] + h
def iarg_ptr(p): return [1] + p
def invoke(h, op, args=()):
    b = [4] + ([0] if h == "self" else [64] + h) + [OPS.index(op)]
    args = list(args) + [iarg_int(0)] * (4 - len(args))
    for a in args: b += a
    return b
def spawn(child, prio=10):
    assert len(child) <= 24
    return [4, 0, OPS.index("spawn")] + child + [0] * (24 - len(child)) + [1, prio]
def poll(items, dl):
    b = [5, len(items)]
    for h, sig in items: b += h + [sig]
    return b + [0] + dl
def wait(h, sig, dl): return [6] + h + [sig] + dl
def pair(): return [10]
def dup(h, rights): return [12] + h + [0, rights]
def program(policy, seed, threads):
    """threads: per task, per boot thread, a list of steps; shorter slices end in a yield."""
    ntasks = len(threads)
    b0 = (ntasks - 1) + 4 * {"round-robin":0,"priority":1,"random":2}[policy]
    hdr = [b0, seed] + [len(t) - 1 for t in threads]
    progs = [sum(steps, []) for t in threads for steps in t]
    n = max(len(p) for p in progs)
    body = []
    for p in progs:
        pad = n - len(p)
        body += p + ([4, 0, 3] + [0] * (pad - 3) if pad >= 3 else [4] + [0] * (pad - 1) if pad else [])
    return bytes(hdr + body)

R, W, PC, S = SIG["readable"], SIG["writable"], SIG["peer_closed"], SIG["signaled"]
inputs = {
    # One task: a pair, a spawned thread that writes into it (and ends), the main thread
    # reading (blocks until the write), then waiting past a deadline, then a late poll.
    "spawn-pair": program("round-robin", 1, [[[
        pair(),
        spawn(write(live(0), stack(0), 8) + invoke("self", "yield") + write(live(0), stack(1), 4)),
        read(live(1), heap(4), 256),
        wait(live(1), R, deadline("soon", 50)),
        read(live(1), heap(4), 256),
        wait(live(1), R, deadline("soon", 20)),
        poll([(live(1), R), (self_h(), R)], deadline("later", 1)),
        close(live(0)),
        wait(live(1), PC, deadline("never")),
    ]]]),
    # Two tasks, priority policy: timers (interval, one-shot), poll and wait with deadlines,
    # re-arming, fired counts, cancel; a sleeping second thread.
    "timers-poll": program("priority", 5, [[[
        open_("interval1"),
        poll([(live(0), R)], deadline("later", 5)),
        wait(live(0), R, deadline("never")),
        invoke(live(0), "timer_fired"),
        invoke(live(0), "timer_ms", [iarg_int(3)]),
        wait(live(0), R, deadline("soon", 200)),
        wait(live(0), R, deadline("later", 4)),
        invoke(live(0), "timer_cancel"),
        wait(live(0), R, deadline("soon", 100)),
    ], [
        invoke("self", "sleep", [iarg_big(20)]),
        open_("oneshot2"),
        wait(live(0), R, deadline("soon", 250)),
        poll([(live(0), R), (live(0), W)], deadline("never")),
    ]], [[
        open_("interval50us"),
        wait(live(0), R, deadline("never")),
        wait(live(0), R, deadline("now")),
        invoke("self", "compute", [iarg_big(30)]),
        poll([(live(0), R)], deadline("past")),
        invoke("self", "now"),
    ]]]),
    # Three tasks, random policy: a port, two clients connecting, writing, and the server
    # reading and answering; handles moved between threads of one task.
    "port-clients": program("random", 9, [[[
        open_("listen"),
        read(live(0), heap(8), 256),
        write(live(0), heap(8), 8),
        read(live(0), heap(16), 256),
        write(live(0), heap(16), 4),
        wait(live(0), R, deadline("soon", 200)),
    ]], [[
        open_("connect"),
        write(live(0), stack(0), 16),
        read(live(0), heap(2), 256),
        close(live(0)),
    ], [
        pair(),
        invoke(live(0), "write_handles", [iarg_ptr(stack(0)), iarg_int(4), iarg_ptr(heap(0)), iarg_int(1)]),
        invoke(live(1), "read_handles", [iarg_ptr(heap(40)), iarg_int(255), iarg_ptr(stack(4)), iarg_int(2)]),
        dup(live(1), 0x1f),
    ]], [[
        invoke("self", "yield"),
        open_("connect"),
        write(live(0), heap(1), 8),
        read(live(0), stack(3), 256),
        invoke("self", "prng"),
    ]]]),
}
out = sys.argv[1]
for name, data in inputs.items():
    open(os.path.join(out, name), "wb").write(data)
    print(name, len(data))
