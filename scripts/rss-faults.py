#!/usr/bin/env python3
"""Peak memory of the release probe against hostile RTMP servers.

Runs target/release/rtmp-probe under /usr/bin/time -v against servers scripted here (raw sockets on
127.0.0.1, messages written by hand) and prints, per scenario, the probe's verdict and its peak
resident set size (median and maximum of --runs runs). It only reports: the bound the probe promises
(16 MiB) is for a person to compare against.

    cargo build --release --locked && scripts/rss-faults.py [--runs 5] [SCENARIO...]

RTMP_PROBE_BIN=/path/to/rtmp-probe measures another build.

Scenarios (the server answers the handshake plainly, then misbehaves after the probe's connect):

    baseline            a well-behaved publish session
    audio-16mib         Set Chunk Size 2^31-1, one 16 MiB - 1 audio message, then the session
    command-16mib       Set Chunk Size 2^31-1, a 16 MiB - 1 command announced and sent (default limit)
    chunk-size-max      Set Chunk Size 2^31-1, then the session
    flood               audio messages of 4000 bytes in a loop until the probe closes (-t 2s)
    nulls-64k           a 64 KiB command of AMF0 nulls (the worst AMF0 growth under the default limit)
    nulls-1mib          the same at 1 MiB with --max-message-size 1048576 (why the default is 64 KiB)
"""

import argparse
import json
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.environ.get("RTMP_PROBE_BIN", os.path.join(ROOT, "target", "release", "rtmp-probe"))


def chunks(csid, type_id, msid, payload, chunk_size, timestamp=0):
    """One message as a fmt 0 chunk and fmt 3 continuations (csid 2..63)."""
    out = bytearray([csid])
    out += timestamp.to_bytes(3, "big")
    out += len(payload).to_bytes(3, "big")
    out.append(type_id)
    out += struct.pack("<I", msid)
    out += payload[:chunk_size]
    for i in range(chunk_size, len(payload), chunk_size):
        out.append(0xC0 | csid)
        out += payload[i:i + chunk_size]
    return bytes(out)


def amf_string(s):
    b = s.encode()
    return b"\x02" + len(b).to_bytes(2, "big") + b


def amf_number(n):
    return b"\x00" + struct.pack(">d", n)


def amf_object(props):
    out = b"\x03"
    for k, v in props:
        kb = k.encode()
        out += len(kb).to_bytes(2, "big") + kb + v
    return out + b"\x00\x00\x09"


def command(name, tx, obj, *args):
    return amf_string(name) + amf_number(tx) + obj + b"".join(args)


def status(level, code, description):
    return amf_object([("level", amf_string(level)), ("code", amf_string(code)),
                       ("description", amf_string(description))])


def control(type_id, payload):
    return chunks(2, type_id, 0, payload, 128)


CONNECT_RESULT = command(
    "_result", 1.0,
    amf_object([("fmsVer", amf_string("FMS/3,0,1,123")), ("capabilities", amf_number(31.0))]),
    amf_object([("level", amf_string("status")),
                ("code", amf_string("NetConnection.Connect.Success")),
                ("description", amf_string("Connection succeeded.")),
                ("objectEncoding", amf_number(0.0))]))


class Client:
    """What the probe sent, searched for the commands a scripted server answers."""

    def __init__(self, sock):
        self.sock = sock
        self.seen = b""

    def wait(self, pattern):
        """Reads until `pattern` (a bytes regex) matches what came after the last match."""
        while True:
            m = re.search(pattern, self.seen, re.S)
            if m:
                self.seen = self.seen[m.end():]
                return m
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the probe closed")
            self.seen += data

    def drain(self):
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass


def recv_exact(sock, n, what):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            raise ConnectionError(f"no {what}")
        data += more
    return data


def handshake(sock):
    c0c1 = recv_exact(sock, 1537, "C0+C1")
    s1 = bytes(8) + bytes((i % 251) + 1 for i in range(1528))
    sock.sendall(b"\x03" + s1 + c0c1[1:])
    recv_exact(sock, 1536, "C2")


def serve_session(sock, client, chunk_size=128):
    """nginx-rtmp's answers, from connect's reply to the teardown."""
    sock.sendall(control(5, struct.pack(">I", 5_000_000)) + control(1, struct.pack(">I", 4096)))
    chunk_size = 4096
    sock.sendall(chunks(3, 20, 0, CONNECT_RESULT, chunk_size))
    client.wait(rb"\x02\x00\x0ccreateStream\x00(.{8})")
    sock.sendall(chunks(3, 20, 0, command("_result", 4.0, b"\x05", amf_number(1.0)), chunk_size))
    client.wait(rb"\x02\x00\x07publish")
    sock.sendall(chunks(5, 20, 1, command("onStatus", 0.0, b"\x05",
                                          status("status", "NetStream.Publish.Start", "Start")),
                        chunk_size))
    # The probe's PingRequest: user control event 6 on chunk stream 2.
    m = client.wait(rb"\x04\x00\x00\x00\x00\x00\x06(.{4})")
    sock.sendall(control(4, b"\x00\x07" + m.group(1)))
    client.wait(rb"\x02\x00\x0cdeleteStream")
    sock.sendall(chunks(5, 20, 1, command("onStatus", 0.0, b"\x05",
                                          status("status", "NetStream.Unpublish.Success", "Stop")),
                        chunk_size))
    sock.shutdown(socket.SHUT_WR)
    client.drain()


def scenario(name, sock):
    handshake(sock)
    client = Client(sock)
    client.wait(rb"\x02\x00\x07connect")
    big = 0xFFFFFF
    if name == "baseline":
        serve_session(sock, client)
    elif name == "audio-16mib":
        sock.sendall(control(1, struct.pack(">I", 0x7FFFFFFF)))
        sock.sendall(chunks(4, 8, 1, bytes(big), 0x7FFFFFFF))
        serve_session(sock, client)
    elif name == "command-16mib":
        sock.sendall(control(1, struct.pack(">I", 0x7FFFFFFF)))
        sock.sendall(chunks(3, 20, 0, b"\x05" * big, 0x7FFFFFFF))
        client.drain()
    elif name == "chunk-size-max":
        sock.sendall(control(1, struct.pack(">I", 0x7FFFFFFF)))
        serve_session(sock, client)
    elif name == "flood":
        sock.sendall(control(1, struct.pack(">I", 4096)))
        payload = bytes([0xAF]) * 4000
        sock.sendall(chunks(4, 8, 1, payload, 4096))
        block = (bytes([0xC4]) + payload) * 16
        while True:
            sock.sendall(block)
    elif name in ("nulls-64k", "nulls-1mib"):
        size = 65536 if name == "nulls-64k" else 1 << 20
        body = amf_string("_result") + amf_number(1.0)
        body += b"\x05" * (size - len(body))
        sock.sendall(control(1, struct.pack(">I", 0x7FFFFFFF)))
        sock.sendall(chunks(3, 20, 0, body, 0x7FFFFFFF))
        client.drain()
    else:
        raise ValueError(name)


EXTRA = {
    "flood": ["-t", "2s"],
    "nulls-1mib": ["-t", "3s", "--max-message-size", "1048576"],
}


def run_once(name):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        try:
            sock, _ = listener.accept()
        except OSError:
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            scenario(name, sock)
        except OSError:
            pass
        finally:
            sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    args = ["/usr/bin/time", "-v", PROBE, "--format", "json"]
    args += EXTRA.get(name, ["-t", "3s"])
    args.append(f"rtmp://127.0.0.1:{port}/live/rss-key")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    listener.close()
    thread.join(timeout=10)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if not m:
        sys.exit(f"no RSS in /usr/bin/time output:\n{proc.stderr}")
    report = json.loads(proc.stdout)
    error = report["error"] or {}
    return (int(m.group(1)), report["status"], error.get("step", "-"), error.get("kind", "-"),
            report["total_ms"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("scenarios", nargs="*",
                        default=["baseline", "audio-16mib", "command-16mib", "chunk-size-max",
                                 "flood", "nulls-64k", "nulls-1mib"])
    opts = parser.parse_args()
    if not os.access(PROBE, os.X_OK):
        sys.exit(f"{PROBE} missing: cargo build --release --locked")
    print(f"{'scenario':<16} {'verdict':<40} {'total ms':>9} {'RSS KiB median':>15} {'max':>7}")
    for name in opts.scenarios:
        results = [run_once(name) for _ in range(opts.runs)]
        rss = [r[0] for r in results]
        verdicts = sorted({f"{r[1]} {r[2]} {r[3]}" for r in results})
        total = statistics.median(r[4] for r in results)
        print(f"{name:<16} {' / '.join(verdicts):<40} {total:>9.1f} "
              f"{statistics.median(rss):>15.0f} {max(rss):>7}")


if __name__ == "__main__":
    main()
