#!/usr/bin/env python3
"""Release profile choices, measured (issue 6 item 5): binary size, time to print --version, and a
whole publish check, for builds that differ only in their release-profile settings.

    bench/profiles.py                      # every variant (a full LTO build each: slow, niced)
    bench/profiles.py --variants lto,lto-abort --rounds 50
    bench/profiles.py --no-build           # measure the variants already built

Each variant is built with cargo's CARGO_PROFILE_RELEASE_* overrides (and RUSTFLAGS for the
crt-static one) into its own target dir, target/variants/NAME, so re-runs are incremental. Then:
size of the binary; `hyperfine -N --warmup 5 'BIN --version'`; instructions of one whole check
(valgrind --tool=callgrind, total Ir: deterministic, unlike times on a shared machine); and
interleaved rounds of a publish check against one private nginx-rtmp (wall, user+sys CPU from
wait4, peak RSS from GNU time, as bench/compare.py does). Writes the "profiles" block of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

# name -> (what, cargo profile overrides, extra RUSTFLAGS)
VARIANTS: dict[str, tuple[str, dict[str, str], str]] = {
    "cargo-default": ("cargo's default release profile: opt-level 3, no LTO, 16 codegen units, not stripped, unwind",
                      {"LTO": "false", "CODEGEN_UNITS": "16", "STRIP": "none", "PANIC": "unwind", "OPT_LEVEL": "3"}, ""),
    "lto": ("lto = \"fat\", codegen-units = 1, strip = true, opt-level 3, unwind (before this change)",
            {"LTO": "fat", "CODEGEN_UNITS": "1", "STRIP": "true", "PANIC": "unwind", "OPT_LEVEL": "3"}, ""),
    "lto-abort": ("as lto, panic = \"abort\"",
                  {"LTO": "fat", "CODEGEN_UNITS": "1", "STRIP": "true", "PANIC": "abort", "OPT_LEVEL": "3"}, ""),
    "lto-abort-s": ("as lto-abort, opt-level \"s\"",
                    {"LTO": "fat", "CODEGEN_UNITS": "1", "STRIP": "true", "PANIC": "abort", "OPT_LEVEL": "s"}, ""),
    "lto-abort-z": ("as lto-abort, opt-level \"z\"",
                    {"LTO": "fat", "CODEGEN_UNITS": "1", "STRIP": "true", "PANIC": "abort", "OPT_LEVEL": "z"}, ""),
    # The shipped build: scripts/build-release.sh's flags, not a profile setting.
    "lto-abort-static": ("as lto-abort, linked statically as scripts/build-release.sh does (RUSTFLAGS crt-static, getrandom calling glibc directly): the shipped build",
                         {"LTO": "fat", "CODEGEN_UNITS": "1", "STRIP": "true", "PANIC": "abort", "OPT_LEVEL": "3"},
                         '-C target-feature=+crt-static --cfg getrandom_backend="linux_getrandom"'),
}


def build(name: str) -> str:
    _, overrides, rustflags = VARIANTS[name]
    env = {f"CARGO_PROFILE_RELEASE_{k}": v for k, v in overrides.items()}
    env["CARGO_PROFILE_RELEASE_DEBUG"] = "false"
    env["RUSTFLAGS"] = rustflags
    triple = b.host_triple() if rustflags else None
    return b.build_release(env, str(b.ROOT / "target" / "variants" / name), triple)


def binary(name: str) -> str:
    sub = b.host_triple() if VARIANTS[name][2] else ""
    return str(b.ROOT / "target" / "variants" / name / sub / "release" / "rtmp-probe")


def hyperfine_version(probe: str) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            ["hyperfine", "-N", "--warmup", "5", "--runs", "200", "--export-json", out.name, f"{probe} --version"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )
        r = json.load(open(out.name))["results"][0]
    return r["median"] * 1e3, r["min"] * 1e3, r["max"] * 1e3


def instructions(probe: str, port: int) -> int:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "cg.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", probe,
             "--settle", "2s", "--teardown-wait", "2s", f"rtmp://127.0.0.1:{port}/live/cg-{{random}}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )
        m = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
        return int(m.group(1)) if m else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from: " + ", ".join(VARIANTS))
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    b.require("hyperfine", "valgrind", "/usr/bin/time")
    names = [n for n in args.variants.split(",") if n]
    for n in names:
        if n not in VARIANTS:
            b.die(f"unknown variant {n}")
    if not args.no_build:
        for n in names:
            build(n)
    nginx = b.ensure_nginx_rtmp()
    rows = {n: {"size": os.path.getsize(binary(n))} for n in names}
    for n in names:
        b.say(f"{n}: hyperfine --version")
        rows[n]["version"] = hyperfine_version(binary(n))
    runs: dict[str, list] = {n: [] for n in names}
    rss: dict[str, list] = {n: [] for n in names}
    version: dict[str, list] = {n: [] for n in names}
    load_before = b.loadavg()
    with b.Nginx(nginx) as ng:
        for n in names:
            b.say(f"{n}: callgrind of one check")
            rows[n]["ir"] = instructions(binary(n), ng.port)
        url = f"rtmp://127.0.0.1:{ng.port}/live/prof-{{random}}"
        for n in names:  # warm-up
            b.measure([binary(n), url])
            b.measure([binary(n), "--version"])
        for i in range(args.rounds):
            jobs = [(n, kind) for n in names for kind in ("check", "rss", "version")]
            random.shuffle(jobs)
            for n, kind in jobs:
                time.sleep(0.01)
                if kind == "version":
                    r = b.measure([binary(n), "--version"])
                    version[n].append(r)
                    continue
                r = b.measure([binary(n), url], rss_only=kind == "rss")
                if r.status != 0:
                    b.die(f"{n}: the check failed: {r.stdout} {r.stderr}")
                (rss if kind == "rss" else runs)[n].append(r)
    load_after = b.loadavg()
    table_rows = []
    for n in names:
        size = rows[n]["size"]
        vmed, vmin, vmax = rows[n]["version"]
        table_rows.append([
            f"`{n}`", VARIANTS[n][0], f"{size:,}", f"{vmed:.2f} ({vmin:.2f}–{vmax:.2f})",
            b.summarize([r.wall_ms for r in version[n]]).fmt(2),
            b.summarize([r.cpu_ms for r in version[n]]).fmt(2),
            f"{rows[n]['ir']:,}",
            b.summarize([r.wall_ms for r in runs[n]]).fmt(2),
            b.summarize([r.cpu_ms for r in runs[n]]).fmt(2),
            b.summarize([r.rss_kib / 1024 for r in rss[n]]).fmt(2),
        ])
    table = b.table(
        ["variant", "settings", "binary bytes", "--version ms, hyperfine median (min–max)",
         "--version wall ms, interleaved", "--version user+sys CPU ms", "instructions, one check (callgrind)",
         "check wall ms", "check user+sys CPU ms", "check peak RSS MiB"],
        table_rows,
    )
    print(table)
    if not args.no_write:
        facts = b.machine_facts(binary(names[0]))
        body = "\n\n".join([
            f"Measured {facts[0][1]} on {facts[1][1]}; load average {load_before} before, {load_after} after. "
            f"`bench/profiles.py --rounds {args.rounds}`: `--version` with `hyperfine -N --warmup 5 --runs 200`, one variant "
            f"after the other (so machine drift between variants shows); then {args.rounds} interleaved rounds in which every "
            f"variant runs `BIN --version`, the check (`BIN rtmp://127.0.0.1:PORT/live/prof-{{random}}`) and the check under "
            f"GNU time (peak RSS), in a random order: medians (min–max). Instructions: callgrind, user space, one check "
            f"(valgrind hides SHA-NI, so sha2 runs its portable code there).",
            table,
        ])
        b.replace_block("profiles", body)


if __name__ == "__main__":
    main()
