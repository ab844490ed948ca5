"""Shared by the benchmark scripts in bench/: a private nginx-rtmp, process measurement, statistics,
machine facts, and the generated blocks of docs/BENCHMARKS.md.

Only the Python standard library is used (Debian's python3 is enough).
"""

from __future__ import annotations

import datetime
import os
import platform
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "BENCHMARKS.md"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
STEPS = ["tcp_connect", "handshake", "connect", "create_stream", "publish", "verify", "unpublish"]


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def die(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


APT = {"ffmpeg": "ffmpeg", "rtmpdump": "rtmpdump", "tshark": "tshark", "valgrind": "valgrind",
       "callgrind_annotate": "valgrind", "hyperfine": "hyperfine", "/usr/bin/time": "time", "perf": "linux-perf"}


def require(*tools: str) -> None:
    """Stops with the apt-get line that installs what is missing (Debian package names)."""
    missing = [t for t in tools if not (shutil.which(t) or (t.startswith("/") and os.access(t, os.X_OK)))]
    if missing:
        pkgs = sorted({APT.get(t, t) for t in missing})
        die(f"missing {', '.join(missing)}: apt-get install {' '.join(pkgs)}")


# --- nginx-rtmp ---------------------------------------------------------------------------------


def ensure_nginx_rtmp() -> str:
    """Installs nginx and its RTMP module if missing (scripts/lib.sh) and returns nginx's path."""
    out = subprocess.run(
        ["bash", "-c", ". scripts/lib.sh && ensure_nginx_rtmp && nginx_path"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Nginx:
    """A private nginx-rtmp on a free loopback port, in a temporary directory (as scripts/demo.sh).

    Logging is kept as a deployment has it (access log on) but the error log is at `warn`, so that
    the server does not write a dozen info lines per session to disk while it is being timed.
    """

    def __init__(self, nginx: str, worker_connections: int = 1024):
        self.nginx = nginx
        self.worker_connections = worker_connections
        self.dir = Path(tempfile.mkdtemp(prefix="rtmp-probe-bench."))
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "Nginx":
        for _ in range(10):
            port = random.randint(20000, 31999)
            if accepts(port):
                continue
            if self._start(port):
                self.port = port
                return self
        die("could not start nginx on a free port in 10 attempts")
        raise AssertionError

    def _start(self, port: int) -> bool:
        d = self.dir
        (d / "nginx.conf").write_text(
            f"""# A private nginx-rtmp for the rtmp-probe benchmarks.
load_module {RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid "{d}/nginx.pid";
error_log "{d}/error.log" warn;

events {{
    worker_connections {self.worker_connections};
}}

rtmp {{
    access_log "{d}/rtmp-access.log";
    server {{
        listen 127.0.0.1:{port};
        application live {{
            live on;
            allow publish all;
            allow play all;
        }}
    }}
}}
"""
        )
        (d / "nginx.pid").unlink(missing_ok=True)
        err = d / "error.log"
        err.write_text("")
        self.proc = subprocess.Popen(
            [self.nginx, "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(err)],
            stdin=subprocess.DEVNULL,
            stdout=open(d / "nginx.out", "w"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(200):
            if self.proc.poll() is not None:
                text = err.read_text() + (d / "nginx.out").read_text()
                self.proc = None
                if "Address already in use" in text:
                    return False
                die(f"nginx exited at start:\n{text}")
            if (d / "nginx.pid").exists() and accepts(port):
                return True
            time.sleep(0.05)
        die("nginx did not accept connections within 10 s")
        return False

    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Feed:
    """A stream published to nginx all along, for the player-based (rtmpdump) check: ffmpeg sends
    160x120 black frames, 30 per second, every one a key frame (nginx-rtmp makes a new player wait
    for a key frame, so this gives rtmpdump its first picture as soon as it can)."""

    ARGS = [
        "-nostdin", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "color=c=black:s=160x120:r=30",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "1",
        "-f", "flv",
    ]

    def __init__(self, url: str):
        self.url = url
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Feed":
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["ffmpeg", *self.ARGS, self.url],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        time.sleep(1.5)
        if self.proc.poll() is not None:
            self.log.seek(0)
            die(f"the feed publisher exited: {self.log.read().decode(errors='replace')}")
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- measuring one process ------------------------------------------------------------------------


@dataclass
class Run:
    """One whole process: wall time from just before spawn to its reaping, and its own rusage."""

    wall_ms: float
    user_ms: float
    sys_ms: float
    rss_kib: int
    status: int  # exit code, or -signal
    stdout: str = ""
    stderr: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def cpu_ms(self) -> float:
        return self.user_ms + self.sys_ms


def _status(raw: int) -> int:
    if os.WIFEXITED(raw):
        return os.WEXITSTATUS(raw)
    return -os.WTERMSIG(raw)


GNU_TIME = "/usr/bin/time"


def measure(argv: list[str], rss_only: bool = False) -> Run:
    """Runs argv to its end with stdin from /dev/null and stdout/stderr kept.

    Direct (rss_only False): posix_spawn (vfork+exec, the cheapest start Python offers), wait4, and
    that child's own rusage: wall time from just before the spawn to the reaping, user and sys CPU.
    Peak RSS from this is NOT used: at exec, Linux folds the old address space's high-water RSS into
    the process's ru_maxrss, and with vfork that is the Python parent's (about 16 MiB here).

    rss_only True: the same command under GNU time (`/usr/bin/time -f %M`), a small C program, whose
    own forked copy is far smaller than anything measured here (/bin/true shows 0.9 MiB through it);
    only ru_maxrss is taken from this run.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss:
        if rss_only:
            argv = [GNU_TIME, "-f", "%M", "-o", rss.name, *argv]
        exe = shutil.which(argv[0]) or argv[0]
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        t0 = time.perf_counter()
        pid = os.posix_spawn(exe, argv, os.environ, file_actions=actions)
        _, raw, ru = os.wait4(pid, 0)
        t1 = time.perf_counter()
        out.seek(0)
        err.seek(0)
        run = Run(
            wall_ms=(t1 - t0) * 1e3,
            user_ms=ru.ru_utime * 1e3,
            sys_ms=ru.ru_stime * 1e3,
            rss_kib=0,
            status=_status(raw),
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace")[-2000:],
        )
        if rss_only:
            run.rss_kib = _gnu_time_rss(rss.name)
        return run


def _gnu_time_rss(path: str) -> int:
    # GNU time writes "Command exited with non-zero status N" before the format when it is not 0.
    lines = [l for l in Path(path).read_text().splitlines() if l.strip()]
    try:
        return int(lines[-1])
    except (IndexError, ValueError):
        return 0


def measure_until(argv: list[str], marker: bytes, limit_s: float, rss_only: bool = False) -> Run:
    """Spawns argv with stderr on a pipe, sends SIGINT once `marker` appears there (as a monitor that
    watches a player's progress does), and measures the process to its end. Gives up (SIGKILL) after
    limit_s; `extra["marker_ms"]` says when the marker was seen (None if never). The process runs in
    its own process group, which is what is signalled: under GNU time (rss_only, as in measure) the
    signal reaches the player while time itself ignores SIGINT and waits."""
    with tempfile.NamedTemporaryFile() as rss:
        if rss_only:
            argv = [GNU_TIME, "-f", "%M", "-o", rss.name, *argv]
        exe = shutil.which(argv[0]) or argv[0]
        r, w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, w, 2),
        ]
        t0 = time.perf_counter()
        pid = os.posix_spawn(exe, argv, os.environ, file_actions=actions, setpgroup=0)
        os.close(w)
        seen = None
        buf = b""
        killed = False
        try:
            while True:
                left = limit_s - (time.perf_counter() - t0)
                if left <= 0:
                    os.killpg(pid, signal.SIGKILL)
                    killed = True
                    break
                ready, _, _ = select.select([r], [], [], left)
                if not ready:
                    continue
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                buf += chunk
                if seen is None and marker in buf:
                    seen = (time.perf_counter() - t0) * 1e3
                    os.killpg(pid, signal.SIGINT)
            _, raw, ru = os.wait4(pid, 0)
            t1 = time.perf_counter()
            while True:  # what is left, after the timing
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                buf += chunk
        finally:
            os.close(r)
        return Run(
            wall_ms=(t1 - t0) * 1e3,
            user_ms=ru.ru_utime * 1e3,
            sys_ms=ru.ru_stime * 1e3,
            rss_kib=_gnu_time_rss(rss.name) if rss_only else 0,
            status=_status(raw),
            stderr=buf.decode(errors="replace")[-2000:],
            extra={"marker_ms": seen, "killed": killed},
        )


# --- statistics and formatting --------------------------------------------------------------------


@dataclass
class Summary:
    n: int
    median: float
    lo: float
    hi: float

    def fmt(self, digits: int = 2, unit: str = "") -> str:
        if self.n == 0:
            return "–"
        f = f"{{:.{digits}f}}"
        return f"{f.format(self.median)}{unit} ({f.format(self.lo)}–{f.format(self.hi)})"


def summarize(values: list[float]) -> Summary:
    if not values:
        return Summary(0, float("nan"), float("nan"), float("nan"))
    return Summary(len(values), statistics.median(values), min(values), max(values))


PERF_RE = re.compile(r"'([a-z_]+)'=([0-9.]+)s")


def perfdata(line: str) -> dict[str, float]:
    """Step durations in ms from the nagios line's perfdata."""
    part = line.split("|", 1)[1] if "|" in line else ""
    return {m.group(1): float(m.group(2)) * 1e3 for m in PERF_RE.finditer(part)}


# --- facts about the machine and the tools --------------------------------------------------------


def first_line(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
        for line in p.stdout.splitlines():
            if line.strip():
                return line.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "?"


def dpkg_version(package: str) -> str:
    try:
        return subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ).stdout.strip() or "?"
    except OSError:
        return "?"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def git_describe() -> str:
    rev = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"],
        stdout=subprocess.PIPE,
        text=True,
    ).stdout.strip()
    return rev + (" (with uncommitted changes to src/ or Cargo.*)" if dirty else "")


def machine_facts(probe: str) -> list[tuple[str, str]]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{cpu_model()}, {os.cpu_count()} CPUs, {mem} RAM; {first_line(['systemd-detect-virt']) if shutil.which('systemd-detect-virt') else 'virtualisation unknown'}"),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("rtmp-probe", f"{first_line([probe, '--version'])}, commit {git_describe()}, {probe_size(probe)}"),
        ("rustc", first_line(["rustc", "--version"])),
        ("nginx", f"{dpkg_version('nginx')}, libnginx-mod-rtmp {dpkg_version('libnginx-mod-rtmp')}"),
        ("ffmpeg", f"{first_line(['ffmpeg', '-version']).split(' Copyright')[0]} (Debian {dpkg_version('ffmpeg')})"),
        ("rtmpdump", f"{first_line(['rtmpdump', '--help'])} (Debian {dpkg_version('rtmpdump')})"),
        ("python", platform.python_version()),
    ]


def probe_size(probe: str) -> str:
    try:
        return f"binary {os.path.getsize(probe):,} bytes"
    except OSError:
        return "binary size ?"


# --- docs/BENCHMARKS.md ---------------------------------------------------------------------------


def report(name: str, intro: str, tables: list[str], write: bool) -> None:
    """Prints the tables, and with `write` puts the intro and the tables in the document's block
    `name` (see replace_block)."""
    print("\n\n".join(tables))
    if write:
        replace_block(name, "\n\n".join([intro, *tables]))


def replace_block(name: str, body: str, path: Path = DOC) -> None:
    """Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->` in the document,
    leaving everything else (the written analysis) alone."""
    begin, end = f"<!-- BEGIN {name} (generated) -->", f"<!-- END {name} -->"
    text = path.read_text() if path.exists() else ""
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    path.write_text(text)
    say(f"wrote the '{name}' block of {path.relative_to(ROOT)}")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def host_triple() -> str:
    """The host's target triple, from rustc -vV."""
    out = subprocess.run(["rustc", "-vV"], stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("host: "):
            return line.split(": ", 1)[1]
    die("rustc -vV names no host")
    raise AssertionError


def build_shipped(extra_env: dict[str, str] | None = None) -> str:
    """The release binary as shipped (scripts/build-release.sh: statically linked on Linux with
    glibc), built niced; returns the path the script prints. extra_env reaches cargo
    (CARGO_TARGET_DIR, CARGO_PROFILE_RELEASE_*)."""
    env = dict(os.environ)
    env.update(extra_env or {})
    say("scripts/build-release.sh" + (f" with {extra_env}" if extra_env else ""))
    out = subprocess.run(["nice", "-n", "19", str(ROOT / "scripts" / "build-release.sh")], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    probe = ROOT / out.strip()  # an absolute path stays as it is
    if not out.strip() or not probe.exists():
        die(f"scripts/build-release.sh printed no binary path ({out!r})")
    return str(probe)


def build_release(extra_env: dict[str, str] | None = None, target_dir: str | None = None,
                  target: str | None = None) -> str:
    """cargo build --release (niced: builds are not what is measured); returns the binary's path.
    With `target` (a target triple) RUSTFLAGS reach only the target's crates, not proc-macros."""
    env = dict(os.environ)
    env.update(extra_env or {})
    if target_dir:
        env["CARGO_TARGET_DIR"] = target_dir
    cmd = ["nice", "-n", "19", "cargo", "build", "--release", "--locked"]
    if target:
        cmd += ["--target", target]
    say(" ".join(cmd[3:]) + (f" (target dir {target_dir})" if target_dir else ""))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    tdir = Path(env.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not tdir.is_absolute():
        tdir = ROOT / tdir
    probe = tdir / (target or "") / "release" / "rtmp-probe"
    if not probe.exists():
        die(f"the build did not produce {probe}")
    return str(probe)
