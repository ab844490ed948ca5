#!/usr/bin/env python3
"""The play check against the tools people use for it (issue 12): peak RSS and CPU of a 10 s window
of a 6 Mbit/s live stream on a private nginx-rtmp, read by

  - rtmp-probe --mode play --duration 10s (its figures: fps, bit rates, keyframes, gaps),
  - ffprobe -read_intervals %+10 -show_entries packet=... (packet facts for the same 10 s),
  - ffmpeg -t 10 -c copy -f null - (a copy of 10 s, no decoding),

each run whole under GNU time (`/usr/bin/time -f %M`: peak RSS; user+sys CPU and wall from wait4,
which counts the tool under it), tools interleaved in a random order each round.

    bench/play.py                  # 5 rounds, writes the "play" block of docs/BENCHMARKS.md
    bench/play.py --rounds 9 --no-write

The stream: testsrc 1280x720 at 30 fps, x264 ultrafast, 6 Mbit/s CBR (filler NAL units keep the
rate), a keyframe every 2 s, AAC 128 kbit/s, made once into an FLV and published in a loop in real
time (`ffmpeg -re -stream_loop -1 -c copy`) for the whole run.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

WINDOW_S = 10

ENCODE = [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=30",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-ac", "2", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
    "-g", "60", "-sc_threshold", "0", "-b:v", "6M", "-maxrate", "6M", "-bufsize", "6M",
    "-x264-params", "nal-hrd=cbr", "-c:a", "aac", "-b:a", "128k", "-t", "40", "-f", "flv",
]


def tools(probe: str, url: str) -> dict[str, list[str]]:
    return {
        "rtmp-probe": [probe, "--mode", "play", "--duration", f"{WINDOW_S}s", "-t", f"{WINDOW_S + 10}s", url],
        "ffprobe": [
            "ffprobe", "-v", "error", "-read_intervals", f"%+{WINDOW_S}",
            "-show_entries", "packet=codec_type,pts_time,size,flags", "-of", "csv", url,
        ],
        "ffmpeg -c copy": [
            "ffmpeg", "-nostdin", "-v", "error", "-i", url, "-t", str(WINDOW_S), "-c", "copy", "-f", "null", "-",
        ],
    }


def ok(name: str, run: b.Run) -> bool:
    if run.status != 0:
        return False
    if name == "rtmp-probe":
        return run.stdout.startswith("RTMP OK - play of ")
    if name == "ffprobe":
        return run.stdout.count("\n") > WINDOW_S * 30
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (each runs every tool once)")
    ap.add_argument("--probe", help="the rtmp-probe binary (default: the shipped build, scripts/build-release.sh)")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/BENCHMARKS.md")
    args = ap.parse_args()
    b.require("/usr/bin/time", "ffmpeg", "ffprobe")
    probe = args.probe or b.build_shipped()
    nginx = b.ensure_nginx_rtmp()
    names = ["rtmp-probe", "ffprobe", "ffmpeg -c copy"]
    cpu: dict[str, list[float]] = {n: [] for n in names}
    user: dict[str, list[float]] = {n: [] for n in names}
    sys_: dict[str, list[float]] = {n: [] for n in names}
    rss: dict[str, list[float]] = {n: [] for n in names}
    wall: dict[str, list[float]] = {n: [] for n in names}
    rates: list[float] = []
    failures = 0
    with tempfile.TemporaryDirectory(prefix="rtmp-probe-play.") as tmp, b.Nginx(nginx) as ng:
        flv = Path(tmp) / "6mbit.flv"
        b.say("encoding 40 s of 1280x720 at 6 Mbit/s (once)")
        subprocess.run(["nice", "-n", "19", "ffmpeg", *ENCODE, str(flv)], check=True)
        url = f"rtmp://127.0.0.1:{ng.port}/live/bench"
        publisher = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", str(flv), "-c", "copy",
             "-f", "flv", url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(2)
            if publisher.poll() is not None:
                b.die("the publisher exited")
            argv = tools(probe, url)
            load_before = b.loadavg()
            b.say(f"nginx-rtmp on 127.0.0.1:{ng.port}; {args.rounds} rounds of {names}, {WINDOW_S} s each")
            b.measure(argv["rtmp-probe"])  # warm-up, not counted
            for i in range(1, args.rounds + 1):
                order = list(names)
                random.shuffle(order)
                for name in order:
                    time.sleep(0.5)
                    run = b.measure(argv[name], rss_only=True)
                    if not ok(name, run):
                        failures += 1
                        b.say(f"round {i}: {name}: exit {run.status}: {run.stdout[:200]} {run.stderr[-300:]}")
                        continue
                    cpu[name].append(run.cpu_ms)
                    user[name].append(run.user_ms)
                    sys_[name].append(run.sys_ms)
                    rss[name].append(run.rss_kib / 1024)
                    wall[name].append(run.wall_ms)
                    if name == "rtmp-probe":
                        m = re.search(r"'video_bitrate'=([0-9.]+)", run.stdout)
                        if m:
                            rates.append(float(m.group(1)) / 1e6)
            load_after = b.loadavg()
        finally:
            publisher.terminate()
            publisher.wait()
    rows = []
    for n in names:
        c, r, w = b.summarize(cpu[n]), b.summarize(rss[n]), b.summarize(wall[n])
        u, k = b.summarize(user[n]), b.summarize(sys_[n])
        rows.append([f"`{n}`", c.fmt(0, " ms"), u.fmt(0, " ms"), k.fmt(0, " ms"), r.fmt(1, " MiB"), w.fmt(0, " ms")])
    med = {n: (b.summarize(cpu[n]).median, b.summarize(rss[n]).median) for n in names}
    ratios = []
    for n in names[1:]:
        ratios.append([
            f"rtmp-probe vs `{n}`",
            f"{med['rtmp-probe'][0] / med[n][0]:.3f} ({med[n][0] / med['rtmp-probe'][0]:.1f}× less)",
            f"{med['rtmp-probe'][1] / med[n][1]:.3f} ({med[n][1] / med['rtmp-probe'][1]:.1f}× less)",
        ])
    t1 = b.table(["tool", "user+sys CPU, median (min–max)", "user", "sys", "peak RSS", "wall"], rows)
    t2 = b.table(["ratio of the medians", "CPU", "peak RSS"], ratios)
    rate = f"{b.summarize(rates).median:.2f} Mbit/s" if rates else "?"
    intro = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/play.py --rounds {args.rounds}` "
        f"(shipped build): a {WINDOW_S} s window of a live 1280x720 30 fps stream at 6 Mbit/s CBR + AAC 128 kbit/s "
        f"(the probe measured {rate} of video) on one nginx-rtmp worker, published in real time all along; each "
        f"tool run whole under GNU time, in a random order each round; load average {load_before} before, "
        f"{load_after} after. {failures} failed runs (left out). Wall time is about the window for all three "
        f"(plus the wait for a keyframe: nginx-rtmp starts a player at one)."
    )
    b.report("play", intro, [t1, t2], write=not args.no_write)
    if failures:
        b.die(f"{failures} runs failed")


if __name__ == "__main__":
    main()
