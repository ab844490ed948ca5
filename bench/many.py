#!/usr/bin/env python3
"""Many targets in one process (issue 6 item 3): one rtmp-probe process checking 10, 100 and 1,000
publish targets at once against one private nginx-rtmp, measured like bench/compare.py (wall and
user+sys CPU from wait4, peak RSS under GNU time), interleaved rounds.

    bench/many.py                    # 10 rounds, writes the "many" block of docs/BENCHMARKS.md
    bench/many.py --rounds 20 --no-write

Targets (issue 6): 1,000 checks in under 2 s on 2 cores, peak RSS under 64 MiB, linear growth.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

SIZES = (10, 100, 1000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10, help="interleaved rounds (each runs every size twice)")
    ap.add_argument("--probe", help="the rtmp-probe binary (default: the shipped build, scripts/build-release.sh)")
    ap.add_argument("--concurrency", type=int, default=100, help="--concurrency given to the probe")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/BENCHMARKS.md")
    args = ap.parse_args()
    b.require("/usr/bin/time")
    probe = args.probe or b.build_shipped()
    nginx = b.ensure_nginx_rtmp()
    load_before = b.loadavg()
    walls: dict[int, list[float]] = {n: [] for n in SIZES}
    cpus: dict[int, list[float]] = {n: [] for n in SIZES}
    rsss: dict[int, list[float]] = {n: [] for n in SIZES}
    failures = 0
    with tempfile.TemporaryDirectory(prefix="rtmp-probe-many.") as tmp, b.Nginx(nginx, worker_connections=4096) as ng:
        files = {}
        for n in SIZES:
            path = Path(tmp) / f"targets-{n}"
            path.write_text("".join(f"rtmp://127.0.0.1:{ng.port}/live/many-{n}-{i}-{{random}}\n" for i in range(n)))
            files[n] = str(path)
        argv = {n: [probe, "--concurrency", str(args.concurrency), "--targets", files[n]] for n in SIZES}
        b.say(f"nginx-rtmp on 127.0.0.1:{ng.port}; {args.rounds} rounds of {SIZES} targets")
        for n in SIZES:  # warm-up, not counted
            b.measure(argv[n])
        for i in range(1, args.rounds + 1):
            jobs = [(n, False) for n in SIZES] + [(n, True) for n in SIZES]
            random.shuffle(jobs)
            for n, rss_only in jobs:
                time.sleep(0.2)
                run = b.measure(argv[n], rss_only=rss_only)
                expected = f"RTMP OK - {n} of {n} targets OK"
                if run.status != 0 or not run.stdout.startswith(expected):
                    failures += 1
                    b.say(f"round {i}: {n} targets: exit {run.status}: {run.stdout.splitlines()[0][:200] if run.stdout else run.stderr[-300:]}")
                    continue
                if rss_only:
                    rsss[n].append(run.rss_kib / 1024)
                else:
                    walls[n].append(run.wall_ms)
                    cpus[n].append(run.cpu_ms)
    load_after = b.loadavg()
    rows = []
    med = {}
    for n in SIZES:
        w, c, r = b.summarize(walls[n]), b.summarize(cpus[n]), b.summarize(rsss[n])
        med[n] = (w.median, c.median, r.median)
        rows.append([
            f"{n:,}", w.fmt(1, " ms"), f"{n / (w.median / 1000):,.0f}" if w.n else "–",
            c.fmt(1, " ms"), r.fmt(1, " MiB"),
        ])
    growth = []
    for a, z in ((10, 100), (100, 1000)):
        growth.append([
            f"{a:,} → {z:,}", f"× {med[z][0] / med[a][0]:.1f}", f"× {med[z][1] / med[a][1]:.1f}",
            f"× {med[z][2] / med[a][2]:.2f}",
        ])
    t1 = b.table(["targets", "wall, median (min–max)", "checks/s", "user+sys CPU", "peak RSS"], rows)
    t2 = b.table(["growth (10× the targets)", "wall", "CPU", "peak RSS"], growth)
    w1000, _, r1000 = med[1000]
    verdict = (
        f"Targets: 1,000 checks in under 2 s: **{'met' if w1000 < 2000 else 'missed'}** ({w1000 / 1000:.2f} s); "
        f"peak RSS under 64 MiB: **{'met' if r1000 < 64 else 'missed'}** ({r1000:.1f} MiB)."
    )
    body = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/many.py --rounds {args.rounds}`: "
        f"one rtmp-probe process (`--concurrency {args.concurrency}`, `--targets FILE`, publish mode) against one "
        f"nginx-rtmp (one worker), every run checked to print `RTMP OK - N of N targets OK`; sizes interleaved in a "
        f"random order each round; load average {load_before} before, {load_after} after. "
        f"{failures} failed runs (left out).",
        "",
        t1,
        "",
        t2,
        "",
        verdict,
    ])
    print(t1)
    print()
    print(t2)
    print()
    print(verdict)
    if not args.no_write:
        b.replace_block("many", body)
    if failures:
        b.die(f"{failures} runs failed")


if __name__ == "__main__":
    main()
