#!/usr/bin/env python3
"""Two builds of rtmp-probe side by side: the same publish check against one private nginx-rtmp,
interleaved in a fresh random order every round, so that the shared machine's drift touches both
alike. For changes to the session (what a check costs before and after).

    bench/ab.py OLD_BINARY NEW_BINARY              # 40 rounds
    bench/ab.py OLD NEW --rounds 100 --extra=--handshake=plain

Prints, for each build: median wall time of the whole process (min-max), median user+sys CPU, and
the median of each step from the perfdata; then the ratio of the medians. Needs only nginx and its
RTMP module (benchlib.ensure_nginx_rtmp), no capture tools.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", help="the build before the change")
    ap.add_argument("new", help="the build after it")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--gap", type=float, default=0.02, help="pause between runs, seconds")
    ap.add_argument("--extra", action="append", default=[], help="an argument for both probes")
    args = ap.parse_args()
    nginx = b.ensure_nginx_rtmp()
    builds = {"old": args.old, "new": args.new}
    runs: dict[str, list[b.Run]] = {k: [] for k in builds}
    with b.Nginx(nginx) as server:
        for i in range(args.rounds):
            order = list(builds)
            random.shuffle(order)
            for name in order:
                url = f"rtmp://127.0.0.1:{server.port}/live/ab-{name}-{i}"
                run = b.measure([builds[name], *args.extra, url])
                if run.status != 0:
                    b.die(f"{name} failed: {run.stdout}{run.stderr}")
                runs[name].append(run)
                time.sleep(args.gap)
    medians = {}
    for name in builds:
        rs = runs[name]
        wall = b.summarize([r.wall_ms for r in rs])
        cpu = statistics.median(r.cpu_ms for r in rs)
        steps = [b.perfdata(r.stdout) for r in rs]
        per_step = {s: statistics.median(x.get(s, 0.0) for x in steps) for s in b.STEPS}
        medians[name] = wall.median
        print(f"{name}: {builds[name]}")
        print(f"  wall {wall.fmt(3, ' ms')}, cpu {cpu:.3f} ms, n={wall.n}")
        print("  steps (median ms): " + ", ".join(f"{s} {v:.3f}" for s, v in per_step.items()))
    print(f"new/old wall: {medians['new'] / medians['old']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
