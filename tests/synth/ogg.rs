//! A small Ogg muxer for Opus (RFC 3533 pages, RFC 7845 mapping) for the tests: the ID header
//! on the first page, an `OpusTags` header on the second, then one audio packet a page with its
//! granule position (48 kHz samples, pre-skip included).

/// CRC-32 of Ogg: polynomial 0x04c11db7, no reflection, initial value 0, no final xor.
fn crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn page(out: &mut Vec<u8>, header_type: u8, granule: u64, sequence: u32, packet: &[u8]) {
    assert!(packet.len() < 255 * 255, "one page per packet here");
    let mut lacing = vec![255u8; packet.len() / 255];
    lacing.push((packet.len() % 255) as u8);
    let start = out.len();
    out.extend_from_slice(b"OggS");
    out.push(0); // stream_structure_version
    out.push(header_type);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&0x5359_4e54u32.to_le_bytes()); // bitstream serial number
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // CRC, filled in below
    out.push(lacing.len() as u8);
    out.extend_from_slice(&lacing);
    out.extend_from_slice(packet);
    let sum = crc(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&sum.to_le_bytes());
}

/// An Ogg Opus file of the ID header `head` and `packets`, each `samples` long at 48 kHz.
pub fn mux_opus(head: &[u8], packets: &[Vec<u8>], samples: u64) -> Vec<u8> {
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    let mut out = Vec::new();
    page(&mut out, 0x02, 0, 0, head); // beginning of stream
    let mut tags = b"OpusTags".to_vec();
    let vendor = b"rtmp-probe tests";
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes()); // no comments
    page(&mut out, 0, 0, 1, &tags);
    for (i, packet) in packets.iter().enumerate() {
        let last = i + 1 == packets.len();
        let granule = pre_skip + samples * (i as u64 + 1);
        page(
            &mut out,
            if last { 0x04 } else { 0 },
            granule,
            i as u32 + 2,
            packet,
        );
    }
    out
}
