#!/usr/bin/env python3
"""What a 10 s round trip costs (issue 13): `rtmp-probe --mode roundtrip --duration 10s` (publish
its synthetic stream and play it back in one process, every frame matched) against

  - `rtmp-probe --duration 10s`: the publish alone, to see what the player side adds;
  - the ffmpeg way of a round trip: ffmpeg encoding and publishing 10 s with libx264 ultrafast,
    and a second ffmpeg playing it back (`-c copy -f null`), started together, as an
    ffmpeg-based monitor would have to (it cannot match frames: it only sees that media flowed).

Whole processes side by side in one run, against one private nginx-rtmp on loopback, in a fresh
random order every round; CPU is each process's own user+sys time (wait4; for the ffmpeg pair the
sum of both), peak RSS from one extra run of each under GNU time (for the pair: the sum of both
peaks).

    bench/roundtrip.py                       # 5 rounds, writes the 'roundtrip' block of docs/BENCHMARKS.md
    bench/roundtrip.py --rounds 9 --probe PATH --no-write

The same stream for all: 320x180 at 30 fps, a key frame every 2 s, AAC 48 kHz stereo, 10 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

SECONDS = 10


def ffmpeg_publish(url: str) -> list[str]:
    return [
        "ffmpeg", "-nostdin", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "color=c=gray:s=320x180:r=30",
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
        "-t", str(SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
        "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", url,
    ]


def ffmpeg_play(url: str) -> list[str]:
    # Half a second short of the media: ffmpeg does not end at the publisher's unpublish, so
    # asking for all of it would wait for a last packet that never comes.
    return ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", url, "-t", str(SECONDS - 0.5), "-c", "copy", "-f",
            "null", "-"]


def pair(url: str, rss_only: bool = False) -> tuple[b.Run, b.Run]:
    """The player and the publisher, started together (the player first, as nginx-rtmp holds a
    player of a stream nobody publishes yet)."""
    out: dict[str, b.Run] = {}

    def play() -> None:
        out["play"] = b.measure(ffmpeg_play(url), rss_only=rss_only)

    t = threading.Thread(target=play)
    t.start()
    time.sleep(0.3)
    out["publish"] = b.measure(ffmpeg_publish(url), rss_only=rss_only)
    t.join()
    return out["publish"], out["play"]


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
    roundtrip = "rtmp-probe --mode roundtrip --duration 10s"
    publish = "rtmp-probe --duration 10s (publish only)"
    ffmpegs = "ffmpeg libx264 ultrafast publish + ffmpeg -c copy play"
    names = [roundtrip, publish, ffmpegs]
    cpu: dict[str, list[float]] = {n: [] for n in names}
    user: dict[str, list[float]] = {n: [] for n in names}
    system: dict[str, list[float]] = {n: [] for n in names}
    wall: dict[str, list[float]] = {n: [] for n in names}
    rss: dict[str, float] = {}
    latencies: list[str] = []

    def probe_argv(name: str, url: str) -> list[str]:
        if name == roundtrip:
            return [probe, "--mode", "roundtrip", "--duration", f"{SECONDS}s", "-t", f"{SECONDS + 10}s", url]
        return [probe, "--duration", f"{SECONDS}s", "-t", f"{SECONDS + 10}s", url]

    with b.Nginx(nginx) as server:
        base = f"rtmp://127.0.0.1:{server.port}/live"
        for i in range(args.rounds):
            order = list(names)
            random.shuffle(order)
            for name in order:
                url = f"{base}/rt-{i}-{random.getrandbits(32):08x}"
                if name == ffmpegs:
                    pub, play = pair(url)
                    if pub.status != 0 or play.status != 0:
                        b.die(f"{name} failed ({pub.status}, {play.status}): {pub.stderr}{play.stderr}")
                    cpu[name].append(pub.cpu_ms + play.cpu_ms)
                    user[name].append(pub.user_ms + play.user_ms)
                    system[name].append(pub.sys_ms + play.sys_ms)
                    wall[name].append(max(pub.wall_ms, play.wall_ms))
                else:
                    run = b.measure(probe_argv(name, url))
                    if run.status != 0:
                        b.die(f"{name} failed ({run.status}): {run.stdout}{run.stderr}")
                    if name == roundtrip:
                        summary = run.stdout.split(" | ")[0]
                        if "frames back" not in summary:
                            b.die(f"not a round trip: {summary}")
                        latencies.append(summary.split(": ", 1)[-1])
                    cpu[name].append(run.cpu_ms)
                    user[name].append(run.user_ms)
                    system[name].append(run.sys_ms)
                    wall[name].append(run.wall_ms)
                b.say(f"round {i + 1}: {name}: cpu {cpu[name][-1]:.1f} ms, wall {wall[name][-1]:.0f} ms")
                time.sleep(0.5)
        for name in names:
            url = f"{base}/rss-{random.getrandbits(32):08x}"
            if name == ffmpegs:
                pub, play = pair(url, rss_only=True)
                rss[name] = (pub.rss_kib + play.rss_kib) / 1024
            else:
                rss[name] = b.measure(probe_argv(name, url), rss_only=True).rss_kib / 1024
    load_after = b.loadavg()

    rows = []
    for name in names:
        c = b.summarize(cpu[name])
        share = c.median / (SECONDS * 1000) * 100
        rows.append([name, c.fmt(1, " ms"), f"{statistics.median(user[name]):.1f} / {statistics.median(system[name]):.1f} ms",
                     f"{share:.2f} %", f"{statistics.median(wall[name]) / 1000:.2f} s", f"{rss[name]:.1f} MiB"])
    ours = statistics.median(cpu[roundtrip])
    ratios = [[name, f"× {statistics.median(cpu[name]) / ours:.2f}", f"× {rss[name] / rss[roundtrip]:.2f}"]
              for name in names if name != roundtrip]
    t1 = b.table(["process (10 s: 320x180, 30 fps, key frame every 2 s, AAC 48 kHz stereo)",
                  "CPU user+sys, median (min–max)", "user / sys", "of one core over 10 s", "wall", "peak RSS"], rows)
    t2 = b.table(["against the round trip's", "CPU (ratio of medians)", "peak RSS"], ratios)
    intro = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/roundtrip.py --rounds {args.rounds}` "
        f"against one private nginx-rtmp on loopback, the three in a random order each round; CPU is each process's "
        f"own rusage (the ffmpeg pair: both summed), peak RSS from one more run of each under GNU time (the pair: "
        f"both peaks summed). {b.first_line([probe, '--version'])} (the shipped static build). "
        f"The round trip's own figures, last round: {latencies[-1] if latencies else '?'}. Load average "
        f"{load_before} before, {load_after} after; {b.cpu_model()}, 2 CPUs shared with other work."
    )
    b.report("roundtrip", intro, [t1, t2], write=not args.no_write)


if __name__ == "__main__":
    main()
