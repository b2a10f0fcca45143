# SPDX-License-Identifier: LGPL-2.1-or-later
# A Python service's memory work in small (scripts/bench): THREADS threads
# (default 8), each allocating ROUNDS batches of objects and large buffers
# (bytearrays above the mmap threshold) and dropping them.
import sys
import threading


def churn(rounds, out, slot):
    kept = []
    total = 0
    for i in range(rounds):
        batch = [{"i": i, "j": j, "s": "x" * (j % 64)} for j in range(2000)]
        buf = bytearray(256 * 1024 + (i % 7) * 4096)
        kept.append(buf)
        if len(kept) > 8:
            del kept[:4]
        total += len(batch) + len(buf)
    out[slot] = total


threads = int(sys.argv[1]) if len(sys.argv) > 1 else 8
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
out = [0] * threads
ts = [threading.Thread(target=churn, args=(rounds, out, t)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(out))
