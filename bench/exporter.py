#!/usr/bin/env python3
"""The exporter under load (issue 15): `rtmp-probe serve` against blackbox_exporter's plain TCP
probe of the same nginx-rtmp port, side by side in one run. wrk drives each exporter's /probe
with keep-alive connections (16 by default, as Prometheus keeps its own open) for a fixed time;
the runs are interleaved in a random order each round, so a change in the machine's load falls on
both. Recorded per run: probes/s, latency percentiles (wrk --latency), the exporter's CPU time per
probe (from /proc/PID/stat), its RSS after the run and its peak (VmHWM) at the end.

    bench/exporter.py                         # 5 rounds of 10 s, writes the "exporter" block
    bench/exporter.py --rounds 3 --duration 5 --no-write

Needs wrk and prometheus-blackbox-exporter (apt-get install wrk prometheus-blackbox-exporter);
blackbox_exporter is only measured, never shipped.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

BLACKBOX = "prometheus-blackbox-exporter"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, what: str) -> None:
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    b.die(f"{what} did not answer {url} within 10 s")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def proc_status_kib(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, connections: int, threads: int, duration: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True,
    ).stdout
    result: dict[str, float] = {"non2xx": 0.0, "errors": 0.0}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not m:
        b.die(f"no Requests/sec in wrk's output:\n{out}")
    result["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in", out)
    result["requests"] = float(m.group(1)) if m else 0.0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
        result[f"p{pct}"] = float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        result["non2xx"] = float(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        result["errors"] = float(sum(int(g) for g in m.groups()))
    return result


class Exporter:
    def __init__(self, name: str, argv: list[str], port: int, health: str):
        self.name, self.argv, self.port, self.health = name, argv, port, health
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Exporter":
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        wait_http(f"http://127.0.0.1:{self.port}{self.health}", self.name)
        return self

    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--probe", help="the rtmp-probe binary (default: the shipped build, scripts/build-release.sh)")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/BENCHMARKS.md")
    args = ap.parse_args()
    b.require("wrk")
    if not shutil.which(BLACKBOX):
        b.die(f"missing {BLACKBOX}: apt-get install {BLACKBOX}")
    probe = args.probe or b.build_shipped()
    nginx = b.ensure_nginx_rtmp()
    load_before = b.loadavg()
    tmp = Path(tempfile.mkdtemp(prefix="rtmp-probe-bench-exporter."))
    runs: dict[str, list[dict[str, float]]] = {}
    try:
        with b.Nginx(nginx, worker_connections=4096) as ng:
            (tmp / "rtmp-probe.yml").write_text(
                "allow_targets: [127.0.0.1]\n"
                "modules:\n"
                "  publish: {mode: publish, timeout: 5s}\n"
                "  connect: {mode: connect, timeout: 5s}\n"
                "limits: {max_in_flight: 1024}\n"
            )
            (tmp / "blackbox.yml").write_text("modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 5s\n")
            rp, bb = free_port(), free_port()
            ours = Exporter("rtmp-probe serve", [probe, "serve", "--listen", f"127.0.0.1:{rp}", "--config",
                                                 str(tmp / "rtmp-probe.yml"), "--log-level", "warn"], rp, "/-/healthy")
            theirs = Exporter("blackbox_exporter", [BLACKBOX, f"--config.file={tmp / 'blackbox.yml'}",
                                                    f"--web.listen-address=127.0.0.1:{bb}", "--log.level=warn"],
                              bb, "/-/healthy")
            with ours, theirs:
                target = f"127.0.0.1:{ng.port}"
                cases = {
                    "blackbox_exporter tcp": (theirs, f"http://127.0.0.1:{bb}/probe?module=tcp_connect&target={target}"),
                    "rtmp-probe serve publish": (ours, f"http://127.0.0.1:{rp}/probe?module=publish&target="
                                                 + urllib.parse.quote(f"rtmp://{target}/live/bench-{{random}}", safe="")),
                    "rtmp-probe serve connect": (ours, f"http://127.0.0.1:{rp}/probe?module=connect&target="
                                                 + urllib.parse.quote(f"rtmp://{target}/live", safe="")),
                }
                for name, (_, url) in cases.items():
                    body = fetch(url)
                    if "probe_success 1" not in body:
                        b.die(f"{name}: the probe does not succeed:\n{body}")
                runs = {name: [] for name in cases}
                rss_start = {e.name: proc_status_kib(e.pid(), "VmRSS") for e in (ours, theirs)}
                b.say(f"nginx-rtmp on {target}; {args.rounds} rounds of {args.duration} s, wrk -c{args.connections}")
                for name, (_, url) in cases.items():  # warm-up, not counted
                    wrk(url, args.connections, args.threads, 2)
                for i in range(1, args.rounds + 1):
                    order = list(cases)
                    random.shuffle(order)
                    for name in order:
                        exporter, url = cases[name]
                        time.sleep(1)
                        cpu0, ng0 = cpu_seconds(exporter.pid()), cpu_seconds(ng.pid())
                        r = wrk(url, args.connections, args.threads, args.duration)
                        r["cpu_us"] = (cpu_seconds(exporter.pid()) - cpu0) / max(r["requests"], 1) * 1e6
                        r["nginx_us"] = (cpu_seconds(ng.pid()) - ng0) / max(r["requests"], 1) * 1e6
                        r["rss"] = proc_status_kib(exporter.pid(), "VmRSS") / 1024
                        runs[name].append(r)
                        b.say(f"round {i}: {name}: {r['rps']:,.0f} probes/s, p50 {r['p50']:.2f} ms, "
                              f"p99 {r['p99']:.2f} ms, {r['cpu_us']:.0f} µs CPU/probe (nginx {r['nginx_us']:.0f} µs), RSS {r['rss']:.1f} MiB"
                              + (f", {r['non2xx']:.0f} non-2xx" if r["non2xx"] else ""))
                    for name, (_, url) in cases.items():
                        if "probe_success 1" not in fetch(url):
                            b.die(f"{name}: the probe failed after round {i}")
                hwm = {e.name: proc_status_kib(e.pid(), "VmHWM") / 1024 for e in (ours, theirs)}
                own = fetch(f"http://127.0.0.1:{rp}/metrics")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = b.loadavg()

    rows = []
    med: dict[str, float] = {}
    for name, rs in runs.items():
        exporter = "rtmp-probe serve" if name.startswith("rtmp-probe") else "blackbox_exporter"
        rps = b.summarize([r["rps"] for r in rs])
        med[name] = rps.median
        p = {k: b.summarize([r[k] for r in rs]).median for k in ("p50", "p90", "p99", "cpu_us", "nginx_us", "rss")}
        bad = sum(r["non2xx"] + r["errors"] for r in rs)
        rows.append([
            name, rps.fmt(0), f"{p['p50']:.2f} / {p['p90']:.2f} / {p['p99']:.2f} ms", f"{p['cpu_us']:.0f} µs",
            f"{p['nginx_us']:.0f} µs",
            f"{rss_start[exporter] / 1024:.1f} → {p['rss']:.1f} MiB", f"{hwm[exporter]:.1f} MiB", f"{bad:.0f}",
        ])
    base = med["blackbox_exporter tcp"]
    ratios = [[name, f"× {v / base:.2f}"] for name, v in med.items() if not name.startswith("blackbox")]
    t1 = b.table(["exporter, module", "probes/s, median (min–max)", "latency p50 / p90 / p99",
                  "exporter CPU per probe", "nginx CPU per probe", "RSS before → after a run", "peak RSS", "non-2xx or errors"], rows)
    t2 = b.table(["probes/s against blackbox_exporter's TCP probe", "ratio of medians"], ratios)
    probes = re.findall(r'rtmp_probe_exporter_probes_total\{module="(\w+)",result="(\w+)"\} (\d+)', own)
    failed = sum(int(n) for _, result, n in probes if result == "failure")
    intro = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/exporter.py --rounds {args.rounds} "
        f"--duration {args.duration}`: wrk {args.threads} threads, {args.connections} keep-alive connections, "
        f"{args.duration} s per run against each exporter's `/probe` of the same private nginx-rtmp (one worker) on "
        f"loopback, the three cases in a random order each round; every probe checked to succeed before and after "
        f"each round. blackbox_exporter {b.dpkg_version(BLACKBOX)} (Debian), `prober: tcp` (connect and close); "
        f"rtmp-probe {b.first_line([probe, '--version'])}, the shipped static build, `publish` (the whole session: "
        f"handshake, connect, createStream, publish, verify (the metadata and sequence headers, then a watch window), teardown) and `connect` (up to "
        f"NetConnection.Connect.Success). Load average {load_before} before, {load_after} after; "
        f"{b.cpu_model()}, 2 CPUs shared by nginx, the exporter and wrk. The rtmp-probe exporter counted {failed} "
        f"failed probes in all."
    )
    b.report("exporter", intro, [t1, t2], write=not args.no_write)


if __name__ == "__main__":
    main()
