//! Benchmarks of the sans-IO protocol core on real bytes: command decoding and encoding, chunk
//! stream decoding throughput, and the client side of the digest handshake.
//!
//! Run with `cargo bench --bench codec` (add `-- --warm-up-time 1 --measurement-time 3` for a
//! quick run). The inputs are the fixtures under `tests/fixtures/` (see the README files there).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rtmp_probe::protocol::chunk::{ChunkDecoder, ChunkEncoder, RawMessage};
use rtmp_probe::protocol::command::Command;
use rtmp_probe::protocol::handshake::{
    ClientHandshake, HandshakeMode, HANDSHAKE_SIZE, RANDOM_SIZE, SERVER_HANDSHAKE_LEN,
};
use rtmp_probe::protocol::message::Message;
use rtmp_probe::protocol::vocab::type_id;
use rtmp_probe::protocol::Limits;

/// ffmpeg's connect command body (140 bytes), as in `shared/captures/README.md`.
const FFMPEG_CONNECT: &[u8] = include_bytes!("../tests/fixtures/amf0-ffmpeg-connect.bin");
/// The Perl client's connect to FMS as it was sent: a 12-byte chunk header, 128 payload bytes,
/// the continuation header 0xc3, 117 payload bytes.
const PERL_CONNECT_PACKET: &[u8] = include_bytes!("../tests/fixtures/chunk-perl-connect.bin");
const NGINX_C2S: &[u8] = include_bytes!("../tests/fixtures/ffmpeg-nginx-c2s.bin");
const NGINX_S2C: &[u8] = include_bytes!("../tests/fixtures/ffmpeg-nginx-s2c.bin");

/// Where the chunk stream starts in the capture files: after C0+C1+C2 (S0+S1+S2).
const CHUNK_STREAM_START: usize = SERVER_HANDSHAKE_LEN;

/// The 245-byte body of the Perl client's connect, without its two chunk headers.
fn perl_connect_payload() -> Vec<u8> {
    assert_eq!(PERL_CONNECT_PACKET.len(), 258);
    assert_eq!(PERL_CONNECT_PACKET[140], 0xc3, "continuation header moved");
    let mut payload = PERL_CONNECT_PACKET[12..140].to_vec();
    payload.extend_from_slice(&PERL_CONNECT_PACKET[141..]);
    assert_eq!(payload.len(), 245);
    payload
}

fn commands(c: &mut Criterion) {
    let limits = Limits::default();
    let perl = perl_connect_payload();
    let inputs: [(&str, &[u8]); 2] = [
        ("ffmpeg_connect_140B", FFMPEG_CONNECT),
        ("fms_perl_connect_245B", &perl),
    ];

    let mut group = c.benchmark_group("command_decode");
    for (name, payload) in inputs {
        let command = Command::decode(payload, false, &limits).expect("fixture decodes");
        assert_eq!(command.name, "connect");
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| Command::decode(black_box(payload), false, &limits))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("command_encode");
    for (name, payload) in inputs {
        let command = Command::decode(payload, false, &limits).expect("fixture decodes");
        // Both fixtures re-encode byte for byte.
        assert_eq!(command.to_bytes(), payload);
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(&command).to_bytes()));
    }
    group.finish();
}

/// Decodes a whole chunk stream fed at once (as the session feeds what one read returned);
/// returns the number of messages.
fn decode_stream(stream: &[u8]) -> usize {
    let mut decoder = ChunkDecoder::new(Limits::default());
    let mut rest = stream;
    let mut count = 0;
    loop {
        let (used, message) = decoder.feed(rest).expect("stream decodes");
        rest = &rest[used..];
        match message {
            Some(message) => {
                black_box(&message);
                count += 1;
            }
            None if rest.is_empty() => return count,
            None => {}
        }
    }
}

/// `count` video messages of `size` bytes on chunk stream 6, message stream 1, 33 ms apart,
/// encoded at `chunk_size` (announced first with Set Chunk Size, as a real peer does).
fn synthetic_video(count: usize, size: usize, chunk_size: u32) -> Vec<u8> {
    let mut encoder = ChunkEncoder::new();
    let mut out = Vec::new();
    let set = Message::SetChunkSize(chunk_size).into_raw(2, 0, 0);
    encoder.encode(&set, &mut out).expect("encodes");
    encoder.set_chunk_size(chunk_size);
    let mut state = 0x2545_f491_u32;
    for i in 0..count {
        let payload = (0..size)
            .map(|_| {
                // xorshift: payload bytes that do not compress to a pattern.
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect::<Vec<u8>>();
        let timestamp = u32::try_from(i).expect("small") * 33;
        let msg = RawMessage::new(6, timestamp, type_id::VIDEO, 1, payload);
        encoder.encode(&msg, &mut out).expect("encodes");
    }
    out
}

fn chunk_streams(c: &mut Criterion) {
    let server = &NGINX_S2C[CHUNK_STREAM_START..];
    let client = &NGINX_C2S[CHUNK_STREAM_START..];
    let video_128 = synthetic_video(256, 4096, 128);
    let video_4096 = synthetic_video(256, 4096, 4096);
    let inputs: [(&str, &[u8], usize); 4] = [
        ("nginx_s2c_529B", server, 7),
        ("ffmpeg_c2s_3103B", client, 87),
        ("video_1MiB_chunk128", &video_128, 257),
        ("video_1MiB_chunk4096", &video_4096, 257),
    ];

    let mut group = c.benchmark_group("chunk_decode");
    for (name, stream, messages) in inputs {
        assert_eq!(decode_stream(stream), messages, "{name}");
        group.throughput(Throughput::Bytes(stream.len() as u64));
        group.bench_function(name, |b| b.iter(|| decode_stream(black_box(stream))));
    }
    group.finish();

    let mut group = c.benchmark_group("chunk_encode");
    for (name, chunk_size) in [("video_1MiB_chunk128", 128), ("video_1MiB_chunk4096", 4096)] {
        let messages: Vec<RawMessage> = (0..256u32)
            .map(|i| RawMessage::new(6, i * 33, type_id::VIDEO, 1, vec![0x17; 4096]))
            .collect();
        group.throughput(Throughput::Bytes(256 * 4096));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut encoder = ChunkEncoder::new();
                encoder.set_chunk_size(chunk_size);
                let mut out = Vec::new();
                for msg in &messages {
                    encoder.encode(msg, &mut out).expect("encodes");
                }
                out
            })
        });
    }
    group.finish();
}

/// A digest-mode client whose C1 is ffmpeg's from the nginx capture, so that nginx's real S1 and
/// S2 validate.
fn ffmpeg_client(mode: HandshakeMode) -> ClientHandshake {
    let c1 = &NGINX_C2S[1..1 + HANDSHAKE_SIZE];
    let epoch = u32::from_be_bytes(c1[..4].try_into().expect("4 bytes"));
    let random: [u8; RANDOM_SIZE] = c1[8..].try_into().expect("1528 bytes");
    ClientHandshake::new(mode, epoch, random)
}

fn handshake(c: &mut Criterion) {
    let server = &NGINX_S2C[..SERVER_HANDSHAKE_LEN];
    let digest = ffmpeg_client(HandshakeMode::Digest);
    {
        let mut hs = digest.clone();
        assert_eq!(hs.feed(server), Ok(SERVER_HANDSHAKE_LEN));
        let info = hs.info().expect("complete");
        assert_eq!(info.digest_scheme, Some(0));
        assert_eq!(info.s2_digest_valid, Some(true));
    }

    let mut group = c.benchmark_group("handshake");
    group.bench_function("digest_new_c0c1", |b| {
        b.iter(|| ffmpeg_client(black_box(HandshakeMode::Digest)))
    });
    group.bench_function("digest_feed_nginx_s0s1s2", |b| {
        b.iter_batched(
            || digest.clone(),
            |mut hs| {
                let used = hs.feed(black_box(server));
                (used, hs.take_c2(), hs)
            },
            BatchSize::SmallInput,
        )
    });
    let plain = ffmpeg_client(HandshakeMode::Plain);
    group.bench_function("plain_feed_nginx_s0s1s2", |b| {
        b.iter_batched(
            || plain.clone(),
            |mut hs| {
                let used = hs.feed(black_box(server));
                (used, hs.take_c2(), hs)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, commands, chunk_streams, handshake);
criterion_main!(benches);
