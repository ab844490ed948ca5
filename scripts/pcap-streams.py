#!/usr/bin/env python3
"""Extract the two directions of the one TCP session in a pcap file as raw byte streams.

Used to make the codec fixtures under tests/fixtures/ from the captures in shared/captures:

    scripts/pcap-streams.py CAPTURE.pcap OUT_PREFIX

writes OUT_PREFIX-c2s.bin (client to server) and OUT_PREFIX-s2c.bin, each the concatenated TCP
payloads of that direction in sequence order (the client is the side that sent the first SYN).
Only pcapng and classic pcap with Ethernet, Linux cooked (SLL) or raw/loopback IPv4 link
types is understood; retransmissions are dropped by sequence number.
"""
import struct
import sys


def pcapng_packets(data):
    endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    links = []
    off = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        body = data[off + 8:off + blen - 4]
        if btype == 1:  # interface description
            links.append(struct.unpack(endian + "H", body[:2])[0])
        elif btype == 6:  # enhanced packet
            iface, _, _, incl, _ = struct.unpack(endian + "IIIII", body[:20])
            yield links[iface], body[20:20 + incl]
        off += blen


def packets(data):
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from pcapng_packets(data)
        return
    if magic == b"\xd4\xc3\xb2\xa1":
        endian = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian = ">"
    else:
        raise SystemExit("not a classic pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def ip_payload(linktype, frame):
    if linktype == 1:  # Ethernet
        if struct.unpack(">H", frame[12:14])[0] != 0x0800:
            return None
        return frame[14:]
    if linktype == 113:  # Linux cooked
        return frame[16:]
    if linktype == 0:  # BSD loopback
        return frame[4:]
    if linktype in (101, 228):  # raw IPv4
        return frame
    raise SystemExit("unsupported link type %d" % linktype)


def main():
    src, prefix = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        data = f.read()
    client = None
    streams = {}
    for linktype, frame in packets(data):
        ip = ip_payload(linktype, frame)
        if ip is None or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        flags = tcp[13]
        doff = (tcp[12] >> 4) * 4
        payload = tcp[doff:]
        if flags & 0x02 and not flags & 0x10 and client is None:
            client = sport
        if flags & 0x02:
            streams[sport] = {"next": seq + 1, "bytes": bytearray()}
            continue
        st = streams.get(sport)
        if st is None or not payload:
            continue
        if seq == st["next"]:
            st["bytes"] += payload
            st["next"] = seq + len(payload)
    server = [p for p in streams if p != client][0]
    for port, name in ((client, "c2s"), (server, "s2c")):
        with open("%s-%s.bin" % (prefix, name), "wb") as f:
            f.write(streams[port]["bytes"])
        print("%s-%s.bin: %d bytes" % (prefix, name, len(streams[port]["bytes"])))


if __name__ == "__main__":
    main()
