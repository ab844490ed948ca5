#!/usr/bin/env python3
"""Where one whole check spends its time (issue 6 item 4, the profile part).

    bench/profile_check.py                 # builds the shipped binary with debug symbols into target/profiling
    bench/profile_check.py --no-build --perf-runs 300

1. callgrind (valgrind) counts the instructions of whole processes, deterministically: /bin/true
   (any process's start), `rtmp-probe --version` (start-up and argument parsing), a publish check
   with the digest handshake (the default) and with `--handshake plain`, and `--mode connect`. The
   publish check's instructions are then grouped by where the code comes from (crate, std, libc
   area, the dynamic loader), using callgrind's per-source-file attribution, which follows inlined
   code to its crate.
   Caveat: valgrind hides the CPU's SHA extensions, so under callgrind sha2 runs its portable code;
   natively it uses SHA-NI where the CPU has it (perf below shows the native picture).
2. perf (software cpu-clock sampling, which works in VMs without hardware counters) over many
   native checks: how the probe's CPU time splits between the kernel and user space, and the user
   space objects and symbols.
3. perf stat over many runs: task-clock and page faults per process for /bin/true, --version and
   the check.

Writes the "profile" block of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?):(.*?)(?:\s+\[(.*)\])?\s*$")


PROFILING = b.ROOT / "target" / "profiling"


def build() -> str:
    """The shipped build (scripts/build-release.sh: static on Linux with glibc), with debug symbols
    and not stripped, in its own target directory."""
    return b.build_shipped({"CARGO_TARGET_DIR": str(PROFILING), "CARGO_PROFILE_RELEASE_DEBUG": "true",
                            "CARGO_PROFILE_RELEASE_STRIP": "false"})


def callgrind(argv: list[str], out: Path) -> int:
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )
    m = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
    return int(m.group(1)) if m else 0


OWN = "rtmp-probe: its own code (with the std code inlined into it)"
CRATE_NAMES = {"rtmp_probe": OWN, "clap_builder": "clap", "clap_lex": "clap", "tracing_subscriber": "tracing-subscriber",
               "tracing_core": "tracing", "serde_json": "serde_json"}


def symbol_crate(func: str) -> str | None:
    m = re.match(r"^<*([A-Za-z_][A-Za-z0-9_]*)::", func)
    if not m or m.group(1) in ("std", "core", "alloc", "impl"):
        return None
    return CRATE_NAMES.get(m.group(1), m.group(1))


def component(path: str, func: str, obj: str) -> str:
    """Where a line of code comes from: its crate, by source file (inlined code keeps its own file),
    except that Rust's own library code inlined into a crate's function counts for that crate."""
    src = str(b.ROOT / "src") + "/"
    if path.startswith(src):
        return OWN
    m = re.search(r"index\.crates\.io-[0-9a-f]+/([A-Za-z0-9_\-]+?)-\d+\.\d+\.\d+[^/]*/", path)
    if m:
        name = m.group(1).replace("_", "-")
        return {"clap-builder": "clap", "clap-lex": "clap", "tracing-core": "tracing"}.get(name, name)
    m = re.search(r"/library/(std|core|alloc)/", path)
    if m:
        owner = symbol_crate(func)
        return owner if owner else "Rust std (start-up, formatting, collections)"
    if "ld-linux" in obj or path.startswith("./elf/"):
        return "ld.so: loading, relocating, symbol lookup, CPU features"
    if "libc.so" in obj or path.startswith("./"):
        m = re.match(r"\./(\w[\w-]*)/", path)
        area = m.group(1) if m else "other"
        names = {"malloc": "glibc malloc/free", "stdio-common": "glibc sscanf + strtoul: std's main-thread stack guard parses /proc/self/maps",
                 "stdlib": "glibc sscanf + strtoul: std's main-thread stack guard parses /proc/self/maps",
                 "libio": "glibc stdio (the same /proc/self/maps read)", "string": "glibc memcpy/memset/strcmp",
                 "nptl": "glibc pthread"}
        return names.get(area, f"glibc {area}")
    if obj and os.path.basename(obj) == "rtmp-probe":
        if "::" not in func:
            return static_glibc(func)
        return "rtmp-probe binary, code without line information"
    if obj:
        return os.path.basename(obj)
    return "other"


def static_glibc(func: str) -> str:
    """glibc linked into the static binary has no line information: group it by function name."""
    name = func.lstrip("_")
    if re.match(r"(int_)?(malloc|free|calloc|realloc)|(unlink|tcache|sysmalloc|malloc_)", name):
        return "glibc malloc/free"
    if re.match(r"(IO_)?vfscanf|isoc99_sscanf|sscanf|strto", name):
        return "glibc sscanf + strtoul: std's main-thread stack guard parses /proc/self/maps"
    if re.match(r"(mem|str|wmem)", name):
        return "glibc memcpy/memset/strcmp"
    if re.match(r"(dl_|tunables|libc_start|libc_setup|libc_init|init_cpu|handle_(amd|intel)|cpu_features|get_(common|extended)|update_active|init_cacheinfo)", name):
        return "glibc start-up in the static binary: self-relocation, tunables, CPU features"
    if re.match(r"(IO_|io_|fopen|fclose|fgets|getdelim|underflow)", name) or "_IO_" in func:
        return "glibc stdio (the same /proc/self/maps read)"
    return "glibc, other (linked in statically)"


def by_component(out: Path) -> tuple[int, list[tuple[str, int]], list[tuple[int, str]]]:
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", "--auto=no", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True,
    ).stdout
    total = 0
    groups: dict[str, int] = defaultdict(int)
    funcs: list[tuple[int, str]] = []
    section = False
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        if re.match(r"^Ir\s+file:function", line):
            section = True
            continue
        if not section:
            continue
        if line.startswith("---") and funcs:
            break
        m = LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        path, func, obj = m.group(2), m.group(3), m.group(4) or ""
        func = re.sub(r"\s*\(\d+x\)$", "", func)
        groups[component(path, func, obj)] += ir
        funcs.append((ir, func))
    if not total:
        total = sum(groups.values())
    merged: dict[str, int] = defaultdict(int)
    for f_ir, name in funcs:
        merged[name] += f_ir
    top_funcs = sorted(((v, k) for k, v in merged.items()), reverse=True)[:12]
    return total, sorted(groups.items(), key=lambda kv: -kv[1]), top_funcs


def perf_available() -> bool:
    try:
        p = subprocess.run(["perf", "stat", "-e", "task-clock", "true"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return p.returncode == 0
    except OSError:
        return False


def perf_stat(argv: list[str], runs: int) -> tuple[float, float]:
    p = subprocess.run(
        ["perf", "stat", "-x", ",", "-r", str(runs), "-e", "task-clock,page-faults", *argv],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    clock = faults = float("nan")
    for line in p.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2].startswith("task-clock"):
            clock = float(f[0])
        elif len(f) > 2 and f[2].startswith("page-faults"):
            faults = float(f[0])
    return clock, faults


def perf_record(probe: str, url: str, runs: int) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "perf.data"
        script = f'for i in $(seq {runs}); do "{probe}" "{url}" >/dev/null; done'
        subprocess.run(["perf", "record", "-q", "-o", str(data), "-e", "cpu-clock", "-F", "20000", "--",
                        "bash", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

        def report(sort: str) -> list[tuple[str, float]]:
            # (perf's --comm filter mislabels objects here; sort by comm and filter instead.)
            text = subprocess.run(
                ["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio", "-g", "none"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            ).stdout
            rows = []
            for line in text.splitlines():
                m = re.match(r"^\s*([\d.]+)%\s+rtmp-probe\s+(.*\S)\s*$", line)
                if m:
                    rows.append((re.sub(r"\s{2,}", " ", m.group(2)), float(m.group(1))))
            total = sum(p for _, p in rows) or 1.0
            return [(n, 100 * p / total) for n, p in rows]

        return report("comm,dso"), report("comm,dso,sym")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--perf-runs", type=int, default=300)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    b.require("valgrind", "callgrind_annotate")
    if args.no_build:
        probe = str(PROFILING / b.host_triple() / "release" / "rtmp-probe")
        plain = b.ROOT / "target" / "release" / "rtmp-probe"
        dynamic = str(plain) if plain.exists() else None
    else:
        probe, dynamic = build(), b.build_release()
    nginx = b.ensure_nginx_rtmp()
    parts = []
    with b.Nginx(nginx) as ng, tempfile.TemporaryDirectory() as d:
        url = f"rtmp://127.0.0.1:{ng.port}/live/prof-{{random}}"
        runs = [
            ("/bin/true", ["/bin/true"]),
            ("rtmp-probe --version", [probe, "--version"]),
            ("rtmp-probe --mode connect URL", [probe, "--mode", "connect", url]),
            ("rtmp-probe --handshake plain URL", [probe, "--handshake", "plain", url]),
            ("rtmp-probe URL (the publish check)", [probe, url]),
        ]
        if dynamic:
            runs.insert(0, ("the publish check by the dynamically linked build (plain cargo build --release)", [dynamic, url]))
        totals = []
        for i, (name, argv) in enumerate(runs):
            b.say(f"callgrind: {name}")
            out = Path(d) / f"cg.{i}"
            totals.append((name, callgrind(argv, out)))
        check_out = Path(d) / f"cg.{len(runs) - 1}"
        total, groups, funcs = by_component(check_out)
        parts.append(
            "Instructions per whole process (callgrind, user space only; deterministic):\n\n"
            + b.table(["process", "instructions"], [[f"`{n}`", f"{ir:,}"] for n, ir in totals])
        )
        rows = [[g, f"{ir:,}", f"{100 * ir / total:.1f}%"] for g, ir in groups if 100 * ir / total >= 0.5]
        rest = sum(ir for _, ir in groups if 100 * ir / total < 0.5)
        rows.append(["everything else", f"{rest:,}", f"{100 * rest / total:.1f}%"])
        parts.append(
            f"The publish check's {total:,} instructions by origin (self cost, grouped by source file; "
            "sha2 runs its portable code under valgrind):\n\n" + b.table(["origin", "instructions", "share"], rows)
        )
        parts.append(
            "Top functions by self cost (callgrind):\n\n"
            + b.table(["function (origin)", "instructions"], [[f"`{n}`", f"{ir:,}"] for ir, n in funcs])
        )
        if perf_available():
            b.say(f"perf stat and perf record over {args.perf_runs} checks")
            stats = []
            for name, argv in (runs[-5], runs[-4], runs[-1]):
                clock, faults = perf_stat(argv, args.perf_runs)
                stats.append([f"`{name}`", f"{clock:.3f}", f"{faults:.0f}"])
            parts.append(
                f"`perf stat -r {args.perf_runs} -e task-clock,page-faults` (mean per process; load average {b.loadavg()}):\n\n"
                + b.table(["process", "task-clock ms", "page faults"], stats)
            )
            dsos, syms = perf_record(probe, url, args.perf_runs)
            parts.append(
                f"`perf record -e cpu-clock -F 20000` over {args.perf_runs} native publish checks: the probe "
                "process's CPU time by object, and its top symbols:\n\n"
                + b.table(["object", "share of the probe's CPU samples"], [[n, f"{p:.1f}%"] for n, p in dsos[:8]])
                + "\n\n"
                + b.table(["object, symbol", "share"], [[f"`{n}`", f"{p:.2f}%"] for n, p in syms[:20]])
            )
        else:
            parts.append("perf is not usable here (perf_event_paranoid or no perf): skipped.")
    facts = dict(b.machine_facts(probe))
    body = "\n\n".join([f"`bench/profile_check.py` on {facts['machine']}, {facts['date']}; "
                        "binary: the shipped build (scripts/build-release.sh: statically linked) plus debug symbols, "
                        "not stripped (target/profiling)."] + parts)
    print(body)
    if not args.no_write:
        b.replace_block("profile", body)


if __name__ == "__main__":
    main()
