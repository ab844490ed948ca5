#!/usr/bin/env python3
"""Measurement overhead: the probe's reported step durations against the wire (issue 6 item 2).

    bench/wire.py                    # builds, starts a private nginx-rtmp, 20 captured sessions
    bench/wire.py --sessions 50 --probe target/release/rtmp-probe --no-write

tshark captures the loopback traffic of N probe sessions (one after the other, --format json);
the pcap is then read here (plain libpcap, parsed with the standard library) and each step is
timed from packet timestamps, an independent clock:

| step | wire time: from | to |
|---|---|---|
| tcp_connect | the SYN | the SYN-ACK |
| handshake | the packet with C0+C1 | the later of: the packet completing S2, the packet with C2's last byte |
| connect | the packet starting `connect` | the packet completing `_result` of transaction 1 |
| create_stream | the packet starting `releaseStream` (the batch ends with `createStream`) | the packet completing `_result` of transaction 4 |
| publish | the packet starting `publish` | the packet completing onStatus `NetStream.Publish.Start` |
| verify | the packet starting the PingRequest | the packet completing the PingResponse |
| unpublish | the packet starting `FCUnpublish` | the packet completing onStatus `NetStream.Unpublish.Success` (or the server's FIN) |

RTMP messages are found by reassembling each direction's TCP byte stream and running a small chunk
parser over it (chunk sizes follow Set Chunk Size), so "the packet completing X" is the segment that
carries X's last byte. difference = reported - wire: what the probe adds (its own scheduling, parsing,
clock reads) to what it reports.
"""

from __future__ import annotations

import argparse
import json
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

HANDSHAKE = 1 + 1536 + 1536
TARGET_MS = 0.3


# --- pcap ------------------------------------------------------------------------------------------


@dataclass
class Segment:
    t: float  # seconds
    src: tuple[str, int]
    dst: tuple[str, int]
    seq: int
    flags: int
    payload: bytes


def read_pcap(path: str) -> list[Segment]:
    data = Path(path).read_bytes()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a libpcap file (pcapng? capture with -F pcap)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off : off + 16])
        pkt = data[off + 16 : off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:  # Ethernet
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif linktype == 113:  # Linux cooked
            if len(pkt) < 16 or pkt[14:16] != b"\x08\x00":
                continue
            ip = pkt[16:]
        elif linktype in (0, 101):  # null / raw
            ip = pkt[4:] if linktype == 0 else pkt
        else:
            raise ValueError(f"unsupported link type {linktype}")
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        src = ".".join(map(str, ip[12:16]))
        dst = ".".join(map(str, ip[16:20]))
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        out.append(Segment(t, (src, sport), (dst, dport), seq, flags, tcp[doff:]))
    return out


SYN, ACK, FIN, RST = 0x02, 0x10, 0x01, 0x04


class Stream:
    """One direction of a TCP connection: its segments placed on the byte stream."""

    def __init__(self):
        self.isn = None
        self.pieces: list[tuple[int, int, float]] = []  # (start, end, time) of first transmissions
        self.data = bytearray()
        self.fin_t = None

    def add(self, s: Segment) -> None:
        if s.flags & SYN:
            self.isn = s.seq
            return
        if self.isn is None:
            return
        start = (s.seq - self.isn - 1) % (1 << 32)
        if s.payload:
            end = start + len(s.payload)
            if end > len(self.data):  # not a retransmission
                if start > len(self.data):
                    raise ValueError("a gap in the capture")
                self.data += s.payload[len(self.data) - start :]
                self.pieces.append((start, end, s.t))
        if s.flags & FIN and self.fin_t is None:
            self.fin_t = s.t

    def time_of(self, offset: int) -> float:
        """When the byte at `offset` first crossed the wire."""
        for start, end, t in self.pieces:
            if start <= offset < end:
                return t
        raise ValueError(f"byte {offset} is not in the capture")


# --- RTMP over a reassembled byte stream ----------------------------------------------------------


@dataclass
class Msg:
    start: int  # offset of its first chunk's basic header
    end: int  # offset just past its last payload byte
    type_id: int
    payload: bytes

    def command(self) -> tuple[str, float] | None:
        p = self.payload
        if self.type_id != 20 or len(p) < 3 or p[0] != 2:
            return None
        n = struct.unpack(">H", p[1:3])[0]
        name = p[3 : 3 + n].decode(errors="replace")
        rest = p[3 + n :]
        txn = struct.unpack(">d", rest[1:9])[0] if len(rest) >= 9 and rest[0] == 0 else float("nan")
        return name, txn

    def user_control(self) -> int | None:
        if self.type_id == 4 and len(self.payload) >= 2:
            return struct.unpack(">H", self.payload[:2])[0]
        return None


def messages(data: bytes, base: int) -> list[Msg]:
    """Every whole message in `data` (which starts at stream offset `base`, just after the
    handshake), with the chunk size following this direction's Set Chunk Size messages."""
    chunk_size = 128
    state: dict[int, dict] = {}
    out = []
    i = 0
    while i < len(data):
        at = i
        b0 = data[i]
        fmt, csid = b0 >> 6, b0 & 0x3F
        i += 1
        if csid == 0:
            csid = 64 + data[i]
            i += 1
        elif csid == 1:
            csid = 64 + data[i] + 256 * data[i + 1]
            i += 2
        st = state.setdefault(csid, {"len": 0, "type": 0, "buf": b"", "start": None, "ext": False})
        if fmt <= 2:
            ts = int.from_bytes(data[i : i + 3], "big")
            st["ext"] = ts == 0xFFFFFF
        if fmt <= 1:
            st["len"] = int.from_bytes(data[i + 3 : i + 6], "big")
            st["type"] = data[i + 6]
        i += (11, 7, 3, 0)[fmt]
        if st["ext"]:
            i += 4
        if not st["buf"]:
            st["start"] = at
        take = min(chunk_size, st["len"] - len(st["buf"]))
        if i + take > len(data):
            break  # the capture ends inside a message
        st["buf"] += data[i : i + take]
        i += take
        if len(st["buf"]) == st["len"]:
            m = Msg(base + st["start"], base + i, st["type"], bytes(st["buf"]))
            out.append(m)
            st["buf"] = b""
            if m.type_id == 1 and len(m.payload) >= 4:
                chunk_size = struct.unpack(">I", m.payload[:4])[0] & 0x7FFFFFFF
    return out


def wire_steps(segments: list[Segment], client: tuple[str, int]) -> dict[str, float]:
    """Wire time of each step of one session, in ms."""
    up, down = Stream(), Stream()
    syn_t = synack_t = None
    for s in segments:
        if s.src == client:
            if s.flags & SYN and syn_t is None:
                syn_t = s.t
            up.add(s)
        else:
            if s.flags & SYN and s.flags & ACK and synack_t is None:
                synack_t = s.t
            down.add(s)
    steps = {"tcp_connect": (synack_t - syn_t) * 1e3}
    hs_end = max(down.time_of(HANDSHAKE - 1), up.time_of(HANDSHAKE - 1))
    steps["handshake"] = (hs_end - up.time_of(0)) * 1e3
    c2s = messages(bytes(up.data[HANDSHAKE:]), HANDSHAKE)
    s2c = messages(bytes(down.data[HANDSHAKE:]), HANDSHAKE)

    def request(pred) -> Msg:
        for m in c2s:
            if pred(m):
                return m
        raise ValueError("request not found")

    def reply(pred, after: Msg) -> float:
        t0 = up.time_of(after.start)
        for m in s2c:
            if pred(m) and down.time_of(m.end - 1) >= t0:
                return down.time_of(m.end - 1)
        if down.fin_t is not None:
            return down.fin_t
        raise ValueError("reply not found")

    def cmd(name, txn=None):
        def p(m: Msg) -> bool:
            c = m.command()
            return c is not None and c[0] == name and (txn is None or c[1] == txn)
        return p

    def status(code: bytes):
        return lambda m: m.type_id == 20 and code in m.payload and m.command() is not None and m.command()[0] == "onStatus"

    plan = [
        ("connect", cmd("connect"), cmd("_result", 1.0)),
        ("create_stream", cmd("releaseStream"), cmd("_result", 4.0)),
        ("publish", cmd("publish"), status(b"NetStream.Publish.Start")),
        ("verify", lambda m: m.user_control() == 6, lambda m: m.user_control() == 7),
        ("unpublish", cmd("FCUnpublish"), status(b"NetStream.Unpublish.Success")),
    ]
    for name, req, rep in plan:
        r = request(req)
        steps[name] = (reply(rep, r) - up.time_of(r.start)) * 1e3
    return steps


# --- capture and comparison ------------------------------------------------------------------------


def capture(probe: str, port: int, sessions: int, pcap: str) -> list[dict]:
    log = Path(pcap).with_suffix(".log")
    ts = subprocess.Popen(
        ["tshark", "-i", "lo", "-f", f"tcp port {port}", "-F", "pcap", "-w", pcap],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),
    )
    # tshark says "Capturing on 'Loopback: lo'" once dumpcap is capturing.
    deadline = time.time() + 20
    while "Capturing on" not in log.read_text(errors="replace"):
        if ts.poll() is not None or time.time() > deadline:
            ts.kill()
            b.die(f"tshark did not start capturing: {log.read_text(errors='replace')}")
        time.sleep(0.05)
    time.sleep(0.2)
    reports = []
    for i in range(sessions):
        run = b.measure([probe, "--format", "json", f"rtmp://127.0.0.1:{port}/live/wire-{{random}}"])
        if run.status != 0:
            ts.send_signal(signal.SIGINT)
            ts.wait()
            b.die(f"probe session {i} failed (exit {run.status}): {run.stdout} {run.stderr}")
        reports.append(json.loads(run.stdout))
        time.sleep(0.05)
    time.sleep(0.5)
    ts.send_signal(signal.SIGINT)
    ts.wait(20)
    return reports


def compare(reports: list[dict], pcap: str, port: int) -> list[dict[str, tuple[float, float]]]:
    segs = read_pcap(pcap)
    by_client: dict[tuple[str, int], list[Segment]] = {}
    order = []
    for s in segs:
        client = s.src if s.dst[1] == port else s.dst
        if client not in by_client:
            by_client[client] = []
            order.append(client)
        by_client[client].append(s)
    # Only connections that start in the capture (a SYN from the client), in the order made.
    sessions = [c for c in order if any(s.flags & SYN and not s.flags & ACK and s.src == c for s in by_client[c])]
    if len(sessions) != len(reports):
        b.die(f"{len(sessions)} connections in the capture for {len(reports)} probe sessions")
    out = []
    for client, rep in zip(sessions, reports):
        wire = wire_steps(by_client[client], client)
        reported = {st["name"]: st["duration_ms"] for st in rep["steps"]}
        out.append({name: (reported[name], wire[name]) for name in b.STEPS})
    return out


def summarize(rows: list[dict[str, tuple[float, float]]]) -> tuple[str, str, bool]:
    lines = []
    all_ok = True
    table_rows = []
    for name in b.STEPS + ["sum"]:
        if name == "sum":
            rep = [sum(r[n][0] for n in b.STEPS) for r in rows]
            wir = [sum(r[n][1] for n in b.STEPS) for r in rows]
        else:
            rep = [r[name][0] for r in rows]
            wir = [r[name][1] for r in rows]
        diff = [x - y for x, y in zip(rep, wir)]
        worst = max(diff, key=abs)
        p90 = sorted(diff)[min(len(diff) - 1, int(0.9 * len(diff)))]
        within = sum(1 for d in diff if abs(d) <= TARGET_MS)
        met = within == len(diff)
        if name != "sum":
            all_ok &= met
        table_rows.append([
            f"`{name}`" if name != "sum" else "sum of the steps",
            b.summarize(rep).fmt(3), b.summarize(wir).fmt(3),
            f"{b.summarize(diff).median:+.3f}", f"{p90:+.3f}", f"{worst:+.3f}",
            f"{within}/{len(diff)}" if name != "sum" else "",
        ])
    table = b.table(
        ["step", "reported ms, median (min–max)", "wire ms, median (min–max)", "reported − wire: median", "90th percentile", "largest", f"within {TARGET_MS} ms"],
        table_rows,
    )
    raw = ["session," + ",".join(f"{n}_reported,{n}_wire" for n in b.STEPS)]
    for i, r in enumerate(rows, 1):
        raw.append(f"{i}," + ",".join(f"{r[n][0]:.3f},{r[n][1]:.3f}" for n in b.STEPS))
    return table, "\n".join(raw), all_ok


def run(probe: str, port: int, sessions: int) -> dict:
    b.say(f"wire: capturing {sessions} probe sessions with tshark on lo, port {port}")
    with tempfile.TemporaryDirectory() as d:
        pcap = str(Path(d) / "wire.pcap")
        reports = capture(probe, port, sessions, pcap)
        rows = compare(reports, pcap, port)
    table, raw, all_ok = summarize(rows)
    tshark = next((l.strip() for l in subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                                       text=True).stdout.splitlines() if l.startswith("TShark")), "tshark").rstrip(".")
    block = "\n\n".join([
        f"{len(rows)} sessions of `rtmp-probe --format json rtmp://127.0.0.1:PORT/live/wire-{{random}}`, "
        f"one after the other, captured with `tshark -i lo -f \"tcp port PORT\" -F pcap` ({tshark}; "
        f"libpcap timestamps, µs), load average {b.loadavg()}; run with `bench/wire.py --sessions {sessions}` "
        f"(or as part of bench/compare.py). Target: every step within {TARGET_MS} ms of the wire: "
        + ("**met**." if all_ok else "**not met** (see the table)."),
        table,
        "<details><summary>Raw numbers (ms, per session)</summary>\n\n```\n" + raw + "\n```\n</details>",
    ])
    return {"table": table, "block": block, "ok": all_ok, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--probe", help="the rtmp-probe binary (default: the shipped build, scripts/build-release.sh)")
    ap.add_argument("--no-write", action="store_true", help="do not write docs/BENCHMARKS.md")
    args = ap.parse_args()
    b.require("tshark")
    probe = args.probe or b.build_shipped()
    nginx = b.ensure_nginx_rtmp()
    with b.Nginx(nginx) as ng:
        result = run(probe, ng.port, args.sessions)
    print(result["table"])
    if not args.no_write:
        b.replace_block("wire", result["block"])


if __name__ == "__main__":
    main()
