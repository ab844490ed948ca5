#!/usr/bin/env python3
"""What publishing 10 s of media costs: `rtmp-probe --duration 10s` (its own synthetic H.264 and
AAC, no encoder library) against ffmpeg encoding and publishing the same 10 s with libx264 and its
AAC encoder, as ffmpeg-based monitors do. Whole processes side by side in one run, against one
private nginx-rtmp on loopback, in a fresh random order every round; CPU is each process's own
user+sys time (wait4), peak RSS from one extra run of each under GNU time.

    bench/media_cpu.py                       # 5 rounds, writes the 'media-cpu' block of docs/BENCHMARKS.md
    bench/media_cpu.py --rounds 9 --probe PATH --no-write

The same stream for all: 320x180 at 30 fps, a key frame every 2 s, AAC 48 kHz stereo, 10 s,
live-paced (`-re` for ffmpeg). ffmpeg's source is a flat grey picture (`color`), the cheapest
input libx264 can have, so its figures are a lower bound; two presets: `ultrafast` (the cheapest
x264) and the default (`medium`, what a plain `-c:v libx264` gets).
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

SECONDS = 10


def ffmpeg(preset: str | None) -> list[str]:
    argv = [
        "ffmpeg", "-nostdin", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "color=c=gray:s=320x180:r=30",
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
        "-t", str(SECONDS), "-c:v", "libx264",
    ]
    if preset:
        argv += ["-preset", preset]
    return argv + ["-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--probe", help="the rtmp-probe binary (default: the shipped build, scripts/build-release.sh)")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/BENCHMARKS.md")
    args = ap.parse_args()
    b.require("ffmpeg", b.GNU_TIME)
    probe = args.probe or b.build_shipped()
    nginx = b.ensure_nginx_rtmp()
    load_before = b.loadavg()
    cases = {
        "rtmp-probe --duration 10s": lambda url: [probe, "--duration", f"{SECONDS}s", "-t", f"{SECONDS + 10}s", url],
        "ffmpeg libx264 ultrafast + aac": lambda url: [*ffmpeg("ultrafast"), url],
        "ffmpeg libx264 (default preset) + aac": lambda url: [*ffmpeg(None), url],
    }
    runs: dict[str, list[b.Run]] = {k: [] for k in cases}
    rss: dict[str, int] = {}
    with b.Nginx(nginx) as server:
        base = f"rtmp://127.0.0.1:{server.port}/live"
        for i in range(args.rounds):
            order = list(cases)
            random.shuffle(order)
            for name in order:
                url = f"{base}/cpu-{i}-{random.getrandbits(32):08x}"
                run = b.measure(cases[name](url))
                if run.status != 0:
                    b.die(f"{name} failed ({run.status}): {run.stdout}{run.stderr}")
                runs[name].append(run)
                b.say(f"round {i + 1}: {name}: cpu {run.cpu_ms:.1f} ms, wall {run.wall_ms:.0f} ms")
                time.sleep(0.5)
        for name, argv in cases.items():
            run = b.measure(argv(f"{base}/rss-{random.getrandbits(32):08x}"), rss_only=True)
            rss[name] = run.rss_kib
    load_after = b.loadavg()

    cpu = {name: statistics.median(r.cpu_ms for r in rs) for name, rs in runs.items()}
    rows = []
    for name, rs in runs.items():
        c = b.summarize([r.cpu_ms for r in rs])
        user = statistics.median(r.user_ms for r in rs)
        system = statistics.median(r.sys_ms for r in rs)
        wall = statistics.median(r.wall_ms for r in rs)
        share = c.median / (SECONDS * 1000) * 100
        rows.append([name, c.fmt(1, " ms"), f"{user:.1f} / {system:.1f} ms", f"{share:.2f} %",
                     f"{wall / 1000:.2f} s", f"{rss[name] / 1024:.1f} MiB"])
    ours = cpu["rtmp-probe --duration 10s"]
    ratios = [[name, f"× {v / ours:.1f}"] for name, v in cpu.items() if not name.startswith("rtmp-probe")]
    t1 = b.table(["process (the same 10 s: 320x180, 30 fps, key frame every 2 s, AAC 48 kHz stereo)",
                  "CPU user+sys, median (min–max)", "user / sys", "of one core over 10 s", "wall", "peak RSS"], rows)
    t2 = b.table(["CPU against rtmp-probe's", "ratio of medians"], ratios)
    intro = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/media_cpu.py --rounds {args.rounds}`: "
        f"each process publishes {SECONDS} s of live-paced media to the same private nginx-rtmp on loopback, the "
        f"three in a random order each round; CPU is the process's own rusage, peak RSS from one more run of each "
        f"under GNU time. {b.first_line([probe, '--version'])} (the shipped static build) sends its "
        f"synthetic stream; ffmpeg ({b.first_line(['ffmpeg', '-version']).split(' Copyright')[0]}, Debian "
        f"{b.dpkg_version('ffmpeg')}) encodes a flat grey `color` source (the cheapest input for libx264) and "
        f"`anullsrc` with `-re -t {SECONDS} -c:v libx264 [-preset ultrafast] -g 60 -c:a aac -f flv`. Load average "
        f"{load_before} before, {load_after} after; {b.cpu_model()}, 2 CPUs shared with other work."
    )
    b.report("media-cpu", intro, [t1, t2], write=not args.no_write)


if __name__ == "__main__":
    main()
