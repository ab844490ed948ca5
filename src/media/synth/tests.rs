//! Unit tests of the synthetic media. The bit patterns expected here were worked out by hand from
//! the syntax tables (ISO/IEC 14496-10 §7.3 and §9, 14496-3 §4.4, RFC 6716/7845, AV1 §4.10), not
//! taken from the writers' output; tests/synth/ checks the streams against ffmpeg.

use super::bits::{escape_into, leb128_into, read_leb128, BitWriter, Fnv1a64, Unescape};
use super::*;
use crate::protocol::amf0::{decode_all, Value};
use crate::protocol::Limits;
use proptest::prelude::*;

/// The bits of a writer as a string of '0' and '1', padding included.
fn bit_string(w: BitWriter) -> String {
    w.finish().iter().map(|b| format!("{b:08b}")).collect()
}

/// The bits written by `f`, without the zero padding of the last byte (checked to be zeros).
fn bits_of(f: impl FnOnce(&mut BitWriter)) -> String {
    let mut w = BitWriter::new();
    f(&mut w);
    let len = w.bit_len();
    let s = bit_string(w);
    assert!(s[len..].bytes().all(|b| b == b'0'), "padding is zeros");
    s[..len].to_string()
}

fn escape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    escape_into(data, &mut out);
    out
}

fn generator(config: SynthConfig) -> Generator {
    Generator::new(config).expect("valid configuration")
}

/// The items of a generator up to `until` of media time, send time = media time + 1 s.
fn items(config: SynthConfig, until: Duration) -> Vec<Item> {
    let mut g = generator(config);
    let mut out = Vec::new();
    while g.next_due() < until {
        let due = g.next_due();
        out.push(g.next(1_000_000 + due.as_micros() as u64));
    }
    out
}

fn video_frames(items: &[Item]) -> Vec<&Item> {
    items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::VideoFrame { .. }))
        .collect()
}

fn config(video: VideoCodec, audio: AudioCodec) -> SynthConfig {
    SynthConfig {
        video,
        audio,
        ..SynthConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The bit writer

#[test]
fn unsigned_exp_golomb_codes_are_the_table_9_2_bit_strings() {
    let cases: [(u32, &str); 10] = [
        (0, "1"),
        (1, "010"),
        (2, "011"),
        (3, "00100"),
        (4, "00101"),
        (6, "00111"),
        (7, "0001000"),
        (8, "0001001"),
        (14, "0001111"),
        (15, "000010000"),
    ];
    for (value, bits) in cases {
        assert_eq!(bits_of(|w| w.ue(value)), bits, "ue({value})");
    }
    // The largest code: 32 zeros, then 2^32 in 33 bits.
    let max = bits_of(|w| w.ue(u32::MAX));
    assert_eq!(max, format!("{}1{}", "0".repeat(32), "0".repeat(32)));
}

#[test]
fn signed_exp_golomb_maps_positive_and_negative_values_alternately() {
    let cases: [(i32, &str); 7] = [
        (0, "1"),
        (1, "010"),
        (-1, "011"),
        (2, "00100"),
        (-2, "00101"),
        (3, "00110"),
        (25, "00000110010"),
    ];
    for (value, bits) in cases {
        assert_eq!(bits_of(|w| w.se(value)), bits, "se({value})");
    }
    // se(i32::MIN) is code number 2^32, one past ue's range; it must not overflow.
    assert_eq!(bits_of(|w| w.se(i32::MIN + 1)).len(), 63);
    assert_eq!(
        bits_of(|w| w.se(i32::MIN)),
        format!("{}1{}1", "0".repeat(32), "0".repeat(31))
    );
}

#[test]
fn fields_cross_byte_boundaries_most_significant_bit_first() {
    let mut w = BitWriter::new();
    w.u(0b101, 3);
    w.u(0x1ff, 9);
    w.flag(true);
    w.bits(0xdead_beef_cafe, 48);
    assert_eq!(w.bit_len(), 61);
    let bytes = w.finish();
    // 101 111111111 1, then 0xdeadbeefcafe, then three zero bits.
    assert_eq!(bytes, [0xbf, 0xfe, 0xf5, 0x6d, 0xf7, 0x7e, 0x57, 0xf0]);
}

#[test]
fn trailing_bits_are_a_one_and_zeros_to_the_byte_boundary() {
    assert_eq!(bits_of(|w| w.trailing_bits()), "10000000");
    assert_eq!(
        bits_of(|w| {
            w.u(0b11, 2);
            w.trailing_bits();
        }),
        "11100000"
    );
    // Already aligned: a whole byte 0x80.
    let mut w = BitWriter::new();
    w.u(0xab, 8);
    w.trailing_bits();
    assert_eq!(w.finish(), [0xab, 0x80]);
}

// ---------------------------------------------------------------------------------------------
// Emulation prevention

#[test]
fn emulation_prevention_breaks_every_start_code_prefix() {
    assert_eq!(escape(&[0, 0, 0]), [0, 0, 3, 0]);
    assert_eq!(escape(&[0, 0, 1]), [0, 0, 3, 1]);
    assert_eq!(escape(&[0, 0, 2, 0x80]), [0, 0, 3, 2, 0x80]);
    assert_eq!(escape(&[0, 0, 3, 0x80]), [0, 0, 3, 3, 0x80]);
    assert_eq!(escape(&[0, 0, 4]), [0, 0, 4], "0x04 needs no escape");
    assert_eq!(escape(&[0, 1, 0, 0x80]), [0, 1, 0, 0x80]);
    // Two escapes in a row of zeros, and the count restarts after each.
    assert_eq!(escape(&[0, 0, 0, 0, 0, 0x80]), [0, 0, 3, 0, 0, 3, 0, 0x80]);
    // A payload ending in two zeros gets a final 0x03 (§7.4.1), one zero needs none.
    assert_eq!(escape(&[5, 0, 0]), [5, 0, 0, 3]);
    assert_eq!(escape(&[5, 0]), [5, 0]);
}

#[test]
fn unescaping_drops_exactly_the_emulation_prevention_bytes() {
    let escaped = [0, 0, 3, 0, 0, 3, 3, 0x80];
    assert_eq!(
        Unescape::new(&escaped).collect::<Vec<_>>(),
        [0, 0, 0, 0, 3, 0x80]
    );
    // A 0x03 after one zero is data.
    assert_eq!(Unescape::new(&[0, 3, 1]).collect::<Vec<_>>(), [0, 3, 1]);
}

proptest! {
    #[test]
    fn escaped_data_has_no_start_code_and_unescapes_to_itself(data in prop::collection::vec(
        prop::sample::select(vec![0u8, 0, 0, 1, 2, 3, 4, 0x80, 0xff]), 0..64)) {
        let escaped = escape(&data);
        for window in escaped.windows(3) {
            prop_assert!(!(window[0] == 0 && window[1] == 0 && window[2] <= 2), "{escaped:?}");
        }
        prop_assert!(!escaped.ends_with(&[0, 0]), "{escaped:?}");
        prop_assert_eq!(Unescape::new(&escaped).collect::<Vec<_>>(), data);
    }
}

// ---------------------------------------------------------------------------------------------
// LEB128 and FNV-1a

#[test]
fn leb128_writes_seven_bits_a_byte_least_significant_first() {
    let cases: [(u64, &[u8]); 5] = [
        (0, &[0x00]),
        (127, &[0x7f]),
        (128, &[0x80, 0x01]),
        (300, &[0xac, 0x02]),
        (16384, &[0x80, 0x80, 0x01]),
    ];
    for (value, bytes) in cases {
        let mut out = Vec::new();
        leb128_into(value, &mut out);
        assert_eq!(out, bytes, "{value}");
        assert_eq!(read_leb128(&out), Some((value, bytes.len())));
    }
    assert_eq!(read_leb128(&[0x80, 0x80]), None, "cut off");
    assert_eq!(read_leb128(&[0xff; 9]), None, "longer than 8 bytes");
    assert_eq!(read_leb128(&[]), None);
}

#[test]
fn fnv1a_64_matches_the_published_test_vectors() {
    let hash = |data: &[u8]| {
        let mut h = Fnv1a64::new();
        h.update(data);
        h.finish()
    };
    assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    // Feeding in pieces is the same as at once.
    let mut h = Fnv1a64::new();
    h.update(b"foo");
    h.update(b"bar");
    assert_eq!(h.finish(), hash(b"foobar"));
}

// ---------------------------------------------------------------------------------------------
// H.264

/// Reads bits back, for checking the slices' structure.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> u32 {
        let b = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        u32::from(b)
    }
    fn u(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, _| acc << 1 | self.bit())
    }
    fn ue(&mut self) -> u32 {
        let mut zeros = 0;
        while self.bit() == 0 {
            zeros += 1;
        }
        (1 << zeros) - 1 + self.u(zeros)
    }
}

fn rbsp(nal: &[u8]) -> Vec<u8> {
    Unescape::new(&nal[1..]).collect()
}

#[test]
fn the_sps_of_a_size_that_is_no_multiple_of_16_crops_to_it() {
    let enc = h264::H264Encoder::new(250, 142, FrameRate::new(30000, 1001));
    let sps = rbsp(enc.sps());
    assert_eq!(enc.sps()[0], 0x67, "nal_ref_idc 3, type 7");
    let mut r = BitReader { data: &sps, pos: 0 };
    assert_eq!(r.u(8), 66, "Baseline");
    assert_eq!(
        r.u(8),
        0b1100_0000,
        "constraint_set0 and 1: Constrained Baseline"
    );
    assert_eq!(
        r.u(8),
        12,
        "level 1.2: 144 macroblocks at 29.97 fps, 4316 a second"
    );
    assert_eq!(r.ue(), 0, "seq_parameter_set_id");
    assert_eq!(r.ue(), 4, "log2_max_frame_num_minus4");
    assert_eq!(r.ue(), 2, "pic_order_cnt_type");
    assert_eq!(r.ue(), 1, "max_num_ref_frames");
    assert_eq!(r.u(1), 0, "gaps");
    assert_eq!(r.ue(), 15, "16 macroblocks wide");
    assert_eq!(r.ue(), 8, "9 macroblocks high");
    assert_eq!(r.u(2), 0b11, "frame_mbs_only, direct_8x8_inference");
    assert_eq!(r.u(1), 1, "frame_cropping_flag");
    let crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    assert_eq!(
        crop,
        [0, 3, 0, 1],
        "256-6 = 250 wide, 144-2 = 142 high, in pairs"
    );
    assert_eq!(r.u(1), 1, "VUI");
    assert_eq!(
        r.u(4),
        0,
        "no aspect, overscan, signal type, chroma location"
    );
    assert_eq!(r.u(1), 1, "timing_info_present_flag");
    assert_eq!(r.u(32), 1001, "num_units_in_tick");
    assert_eq!(r.u(32), 60000, "time_scale: two ticks a frame");
}

#[test]
fn levels_follow_table_a_1_for_the_size_and_rate() {
    let level = |w, h, fps| h264::H264Encoder::new(w, h, fps).sps()[3];
    assert_eq!(level(320, 180, FrameRate::per_second(30)), 13);
    assert_eq!(level(1280, 720, FrameRate::per_second(30)), 31);
    assert_eq!(level(1280, 720, FrameRate::per_second(60)), 32);
    assert_eq!(level(1920, 1080, FrameRate::per_second(30)), 40);
    assert_eq!(level(3840, 2160, FrameRate::per_second(30)), 51);
    assert_eq!(level(16, 16, FrameRate::per_second(15)), 10);
}

#[test]
fn the_avc_decoder_configuration_record_carries_the_parameter_sets() {
    let enc = h264::H264Encoder::new(320, 180, FrameRate::per_second(30));
    let record = enc.decoder_configuration_record();
    let sps = enc.sps();
    let pps = enc.pps();
    let mut expected = vec![1, 66, 0xc0, 13, 0xff, 0xe1];
    expected.extend_from_slice(&(sps.len() as u16).to_be_bytes());
    expected.extend_from_slice(sps);
    expected.push(1);
    expected.extend_from_slice(&(pps.len() as u16).to_be_bytes());
    expected.extend_from_slice(pps);
    assert_eq!(record, expected);
    assert_eq!(pps[0], 0x68);
}

#[test]
fn an_idr_picture_is_one_byte_0x27_a_macroblock_after_its_header() {
    // 32x16: two macroblocks. Header: first_mb 0 "1", slice_type 7 "0001000", pps 0 "1",
    // frame_num 0 "00000000", idr_pic_id 0 "1", no_output/long_term "00", slice_qp_delta "1",
    // disable_deblocking 1 "010"; then per macroblock mb_type 3 "00100", chroma DC "1",
    // mb_qp_delta "1", empty DC block "1"; then the trailing bits.
    let mut enc = h264::H264Encoder::new(32, 16, FrameRate::per_second(30));
    let nal = enc.encode(true);
    assert_eq!(nal[0], 0x65, "nal_ref_idc 3, IDR");
    let bits: String = rbsp(&nal).iter().map(|b| format!("{b:08b}")).collect();
    let header = |idr_pic_id: &str| {
        format!(
            "1{}1{}{idr_pic_id}{}1{}",
            "0001000", "00000000", "00", "010"
        )
    };
    let mb = "00100111";
    let expected = format!("{}{mb}{mb}1", header("1"));
    assert_eq!(&bits[..expected.len()], expected);
    assert!(bits[expected.len()..].bytes().all(|b| b == b'0'));
    // The next IDR picture has idr_pic_id 1 ("010"), as consecutive ones must differ.
    let nal = enc.encode(true);
    let bits: String = rbsp(&nal).iter().map(|b| format!("{b:08b}")).collect();
    let expected = format!("{}{mb}{mb}1", header("010"));
    assert_eq!(&bits[..expected.len()], expected);
}

#[test]
fn a_p_picture_codes_the_element_and_restores_the_macroblock_it_left() {
    // 48x16: three macroblocks; the element is at n % 3 in picture n.
    let mut enc = h264::H264Encoder::new(48, 16, FrameRate::per_second(30));
    enc.encode(true); // picture 0
    let first = enc.encode(false); // picture 1: element at 1, nothing to restore
    let second = enc.encode(false); // picture 2: element at 2, restore 1
    assert_eq!(first[0], 0x41, "nal_ref_idc 2, non-IDR slice");
    let header = |frame_num: &str| format!("1{}1{frame_num}0001010", "00110");
    // element: mb_type 8 "0001001", chroma "1", qp "1", coeff_token "000101",
    // level_prefix 10 "00000000001", total_zeros "1".
    let element = format!(
        "{}{}{}{}{}{}",
        "0001001", "1", "1", "000101", "00000000001", "1"
    );
    let restore = "0001001111";
    let expect = |bits: String, body: String| {
        assert_eq!(&bits[..body.len()], body, "{bits}");
        assert!(bits[body.len()..].bytes().all(|b| b == b'0'));
    };
    let to_bits = |nal: &[u8]| rbsp(nal).iter().map(|b| format!("{b:08b}")).collect();
    // skip 1 "010", element, skip 1 "010", trailing bit.
    expect(
        to_bits(&first),
        format!("{}010{element}0101", header("00000001")),
    );
    // skip 1 "010", restore, skip 0 "1", element, trailing bit.
    expect(
        to_bits(&second),
        format!("{}010{restore}1{element}1", header("00000010")),
    );
}

#[test]
fn the_element_walks_in_raster_order_and_stays_put_in_tiny_pictures() {
    assert_eq!(h264::element_position(5, 240), 5);
    assert_eq!(h264::element_position(241, 240), 1);
    assert_eq!(h264::element_position(7, 2), 0);
    assert_eq!(h264::element_position(7, 1), 0);
}

// ---------------------------------------------------------------------------------------------
// Audio

#[test]
fn the_audio_specific_config_says_aac_lc_rate_and_channels() {
    // audioObjectType 2 "00010", index, channels, "000".
    assert_eq!(audio::aac_audio_specific_config(48_000, 2), [0x11, 0x90]);
    assert_eq!(audio::aac_audio_specific_config(44_100, 1), [0x12, 0x08]);
    assert_eq!(audio::aac_audio_specific_config(8_000, 2), [0x15, 0x90]);
}

#[test]
fn a_silent_aac_frame_is_an_element_with_no_bands_then_id_end() {
    // SCE "000" tag "0000", global_gain 100 "01100100", ics_info "0 00 0 000000 0",
    // pulse/tns/gain "000", ID_END "111": 32 bits.
    let mono = audio::aac_silent_frame(1);
    let bits: String = mono.iter().map(|b| format!("{b:08b}")).collect();
    let ics = format!("{}{}{}", "01100100", "0".repeat(11), "000");
    assert_eq!(bits, format!("{}{}{ics}{}", "000", "0000", "111"));
    // CPE "001" tag "0000" common_window "0", two such streams, ID_END, one bit of padding.
    let stereo = audio::aac_silent_frame(2);
    let bits: String = stereo.iter().map(|b| format!("{b:08b}")).collect();
    assert_eq!(bits, format!("00100000{ics}{ics}1110"));
}

#[test]
fn the_opus_id_header_and_silent_packets_follow_rfc_7845_and_6716() {
    let head = audio::opus_head(2, 48_000);
    let mut expected = b"OpusHead".to_vec();
    expected.extend_from_slice(&[1, 2, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0]);
    assert_eq!(head, expected);
    // TOC: config 31 (CELT FB 20 ms) << 3, stereo bit, code 0.
    assert_eq!(audio::opus_silent_packet(1), [0xf8]);
    assert_eq!(audio::opus_silent_packet(2), [0xfc]);
}

// ---------------------------------------------------------------------------------------------
// Markers

#[test]
fn every_video_frame_of_every_codec_carries_a_marker_that_find_marker_reads_back() {
    for video in [VideoCodec::H264, VideoCodec::Hevc, VideoCodec::Av1] {
        let all = items(config(video, AudioCodec::None), Duration::from_secs(3));
        let frames = video_frames(&all);
        assert_eq!(frames.len(), 90, "{video:?}");
        for (n, item) in frames.iter().enumerate() {
            let marker = find_marker(&item.body)
                .unwrap_or_else(|| panic!("{video:?} frame {n} has no marker"));
            let due_us = (n as u64 * 1_000_000).div_ceil(30);
            assert_eq!(marker.seq, n as u64);
            assert!(marker.send_time_us.abs_diff(1_000_000 + due_us) <= 1);
            assert!(marker.checksum_ok, "{video:?} frame {n}");
        }
        for item in all
            .iter()
            .filter(|i| !matches!(i.kind, ItemKind::VideoFrame { .. }))
        {
            assert_eq!(find_marker(&item.body), None, "{:?}", item.kind);
        }
    }
}

#[test]
fn the_marker_sei_is_a_user_data_unregistered_message_with_our_uuid() {
    let sei = marker::h264_sei(
        0x0102_0304_0506_0708,
        0x1112_1314_1516_1718,
        0xa1a2_a3a4_a5a6_a7a8,
    );
    let mut expected = vec![0x06, 5, 40];
    expected.extend_from_slice(&MARKER_UUID);
    expected.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    expected.extend_from_slice(&[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]);
    expected.extend_from_slice(&[0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]);
    expected.push(0x80);
    assert_eq!(sei, expected, "no zero runs here, so no escapes");
    // HEVC: the same RBSP after a two-byte header of type 39.
    let hevc = marker::hevc_sei(
        0x0102_0304_0506_0708,
        0x1112_1314_1516_1718,
        0xa1a2_a3a4_a5a6_a7a8,
    );
    assert_eq!(&hevc[..2], [39 << 1, 1]);
    assert_eq!(&hevc[2..], &expected[1..]);
}

#[test]
fn the_checksum_covers_the_marker_fields_and_the_slice() {
    let slice = [0x65u8, 0x88, 0x84];
    let mut h = Fnv1a64::new();
    h.update(&7u64.to_be_bytes());
    h.update(&9u64.to_be_bytes());
    h.update(&slice);
    assert_eq!(marker::checksum(7, 9, [&slice[..]]), h.finish());
    assert_ne!(
        marker::checksum(7, 9, [&slice[..]]),
        marker::checksum(8, 9, [&slice[..]])
    );
    assert_ne!(
        marker::checksum(7, 9, [&slice[..]]),
        marker::checksum(7, 10, [&slice[..]])
    );
}

/// A video frame of each codec, for the corruption and hostile-input tests.
fn one_frame_each() -> Vec<(VideoCodec, Vec<u8>)> {
    [VideoCodec::H264, VideoCodec::Hevc, VideoCodec::Av1]
        .into_iter()
        .map(|video| {
            let all = items(config(video, AudioCodec::None), Duration::from_millis(100));
            let frame = video_frames(&all)[1].body.clone();
            (video, frame)
        })
        .collect()
}

#[test]
fn a_changed_byte_anywhere_in_the_coded_data_fails_the_checksum() {
    for (video, frame) in one_frame_each() {
        let good = find_marker(&frame).expect("marker");
        assert!(good.checksum_ok);
        // The coded data is the last unit of each frame, after the marker: flip each of its
        // bytes but the very first few (headers whose change makes it another kind of unit).
        let tail = match video {
            VideoCodec::H264 | VideoCodec::Hevc => 8,
            VideoCodec::Av1 => 5,
        };
        for i in frame.len() - tail..frame.len() {
            let mut bad = frame.clone();
            bad[i] ^= 0x10;
            let marker = find_marker(&bad).expect("the marker survives");
            assert_eq!(marker.seq, good.seq);
            assert!(!marker.checksum_ok, "{video:?} byte {i} flipped");
        }
    }
}

/// A legacy AVC frame whose SEI RBSP byte `index` is xored with `xor`, escaped again.
fn tamper_sei(frame: &[u8], index: usize, xor: u8) -> Vec<u8> {
    let sei_len = u32::from_be_bytes(frame[5..9].try_into().unwrap()) as usize;
    let sei = &frame[9..9 + sei_len];
    assert_eq!(sei[0], 0x06);
    let mut rbsp: Vec<u8> = Unescape::new(&sei[1..]).collect();
    rbsp[index] ^= xor;
    let mut nal = vec![0x06];
    escape_into(&rbsp, &mut nal);
    let mut out = frame[..5].to_vec();
    out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
    out.extend_from_slice(&nal);
    out.extend_from_slice(&frame[9 + sei_len..]);
    out
}

#[test]
fn a_changed_sequence_number_or_send_time_fails_the_checksum_and_a_changed_uuid_hides_the_marker() {
    let all = items(
        config(VideoCodec::H264, AudioCodec::None),
        Duration::from_millis(100),
    );
    let frame = video_frames(&all)[2].body.clone();
    assert_eq!(find_marker(&tamper_sei(&frame, 0, 0)), find_marker(&frame));
    // The RBSP: payloadType, payloadSize, UUID (16), seq (8), send time (8), checksum (8).
    let marker = find_marker(&tamper_sei(&frame, 2 + 16 + 7, 1)).expect("marker");
    assert_eq!(marker.seq, 3, "seq 2 became 3");
    assert!(!marker.checksum_ok);
    let marker = find_marker(&tamper_sei(&frame, 2 + 24 + 7, 1)).expect("marker");
    assert!(!marker.checksum_ok, "send time changed");
    let marker = find_marker(&tamper_sei(&frame, 2 + 32, 0x40)).expect("marker");
    assert!(!marker.checksum_ok, "checksum changed");
    assert_eq!(
        find_marker(&tamper_sei(&frame, 2, 1)),
        None,
        "someone else's UUID"
    );
    assert_eq!(
        find_marker(&tamper_sei(&frame, 1, 1)),
        None,
        "a 41-byte payload"
    );
}

#[test]
fn a_frame_cut_short_anywhere_is_never_a_panic_and_never_intact() {
    for (video, frame) in one_frame_each() {
        for len in 0..frame.len() {
            if let Some(marker) = find_marker(&frame[..len]) {
                assert!(
                    !marker.checksum_ok,
                    "{video:?} cut to {len} bytes looks intact"
                );
            }
        }
    }
}

#[test]
fn lengths_that_overrun_the_tag_are_caught_not_trusted() {
    let all = items(
        config(VideoCodec::H264, AudioCodec::None),
        Duration::from_millis(100),
    );
    let frame = video_frames(&all)[1].body.clone();
    // The slice's length field (after the SEI) claims 4 GiB.
    let sei_len = u32::from_be_bytes(frame[5..9].try_into().unwrap()) as usize;
    let slice_len_at = 9 + sei_len;
    let mut bad = frame.clone();
    bad[slice_len_at..slice_len_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    let marker = find_marker(&bad).expect("the SEI before it is intact");
    assert!(!marker.checksum_ok);
    // The SEI's own length overruns: nothing can be found.
    let mut bad = frame.clone();
    bad[5..9].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(find_marker(&bad), None);
    // An SEI message claiming a huge payload (0xff bytes) ends with the NAL unit.
    let mut tag = vec![0x17, 1, 0, 0, 0];
    let sei = [&[0x06u8, 5][..], &[0xff; 300], &[0x10]].concat();
    tag.extend_from_slice(&(sei.len() as u32).to_be_bytes());
    tag.extend_from_slice(&sei);
    assert_eq!(find_marker(&tag), None);
}

#[test]
fn zero_length_and_foreign_nal_units_around_the_marker_are_skipped() {
    let all = items(
        config(VideoCodec::H264, AudioCodec::None),
        Duration::from_millis(100),
    );
    let frame = video_frames(&all)[1].body.clone();
    let expected = find_marker(&frame).expect("marker");
    let mut tag = frame[..5].to_vec();
    tag.extend_from_slice(&[0, 0, 0, 0]); // a zero-length NAL unit
    tag.extend_from_slice(&[0, 0, 0, 2, 0x09, 0xf0]); // an access unit delimiter
    tag.extend_from_slice(&frame[5..]);
    tag.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(find_marker(&tag), Some(expected));
}

#[test]
fn mod_ex_prefixes_are_skipped_and_bounded() {
    let all = items(
        config(VideoCodec::Hevc, AudioCodec::None),
        Duration::from_millis(100),
    );
    let frame = video_frames(&all)[1].body.clone();
    let expected = find_marker(&frame).expect("marker");
    // PacketType ModEx (7), a 3-byte TimestampOffsetNano, then ModExType 0 / CodedFramesX.
    let mut tag = vec![(frame[0] & 0xf0) | 7, 2, 0, 0x01, 0x00, 0x03];
    tag.extend_from_slice(&frame[1..]);
    assert_eq!(find_marker(&tag), Some(expected));
    // ModEx data that runs past the end.
    assert_eq!(find_marker(&[0x97, 0xff, 0xff, 0xff]), None);
    assert_eq!(find_marker(&[0x97, 0x10, 1, 2]), None);
}

#[test]
fn tags_that_are_not_coded_frames_of_a_known_codec_have_no_marker() {
    assert_eq!(find_marker(&[]), None);
    assert_eq!(find_marker(&[0x17]), None);
    assert_eq!(
        find_marker(&[0x17, 0, 0, 0, 0]),
        None,
        "AVC sequence header"
    );
    assert_eq!(find_marker(&[0x12, 1, 0, 0, 0]), None, "Sorenson H.263");
    let all = items(
        config(VideoCodec::H264, AudioCodec::None),
        Duration::from_millis(100),
    );
    let mut frame = video_frames(&all)[1].body.clone();
    frame[0] = 0x24; // inter frame of codec 4 (VP6)
    assert_eq!(find_marker(&frame), None);
    assert_eq!(find_marker(b"\x91vp09\x00\x00\x00"), None, "unknown FourCC");
    assert_eq!(find_marker(b"\x96hvc1"), None, "multitrack is not read");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_make_find_marker_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = find_marker(&body);
    }

    #[test]
    fn frames_with_random_corruption_never_panic(seed in 0usize..3, at in 0usize..400, xor in 1u8..) {
        let frames = one_frame_each();
        let (_, mut frame) = frames[seed].clone();
        let i = at % frame.len();
        frame[i] ^= xor;
        let _ = find_marker(&frame);
    }
}

// ---------------------------------------------------------------------------------------------
// HEVC and AV1 records

#[test]
fn the_hevc_record_has_one_complete_array_each_of_vps_sps_and_pps() {
    let enc = hevc::HevcEncoder::new(320, 180, FrameRate::per_second(30));
    let record = enc.decoder_configuration_record(FrameRate::per_second(30));
    assert_eq!(record[0], 1, "configurationVersion");
    assert_eq!(record[1], 0x01, "profile space 0, Main tier, Main profile");
    assert_eq!(
        &record[2..6],
        [0x60, 0, 0, 0],
        "compatible with Main and Main 10"
    );
    assert_eq!(record[12], 60, "level 2 for 57600 luma samples at 30 fps");
    assert_eq!(&record[19..21], (30u16 * 256).to_be_bytes(), "avgFrameRate");
    assert_eq!(record[21] & 3, 3, "4-byte NAL lengths");
    assert_eq!(record[22], 3, "three arrays");
    let mut at = 23;
    for (nal_type, nal) in [(32u8, enc.vps()), (33, enc.sps()), (34, enc.pps())] {
        assert_eq!(record[at], 0x80 | nal_type);
        assert_eq!(&record[at + 1..at + 3], [0, 1], "one NAL unit");
        let len = u16::from_be_bytes([record[at + 3], record[at + 4]]) as usize;
        assert_eq!(&record[at + 5..at + 5 + len], nal);
        assert_eq!(nal[0] >> 1, nal_type);
        at += 5 + len;
    }
    assert_eq!(at, record.len());
}

#[test]
fn the_av1_record_and_sequence_header_obu_are_well_framed() {
    let enc = av1::Av1Encoder::new(1280, 720, FrameRate::per_second(30));
    let record = enc.codec_configuration_record();
    assert_eq!(record[0], 0x81);
    assert_eq!(record[1], 5, "profile 0, level 3.1 for 720p30");
    assert_eq!(record[2], 0x0c, "4:2:0");
    let obu = &record[4..];
    assert_eq!(obu, enc.sequence_header_obu());
    assert_eq!(obu[0], 0x0a, "type 1 with a size field");
    assert_eq!(usize::from(obu[1]), obu.len() - 2);
    assert!(av1::is_well_framed(obu));
    // 16x16 is the smallest size a level allows; 8x8 gets "maximum parameters".
    let small = av1::Av1Encoder::new(8, 8, FrameRate::per_second(30));
    assert_eq!(small.codec_configuration_record()[1], 31);
}

// ---------------------------------------------------------------------------------------------
// FLV tags and the schedule

#[test]
fn the_stream_starts_with_metadata_and_both_sequence_headers_at_time_zero() {
    let all = items(SynthConfig::default(), Duration::from_millis(1));
    let kinds: Vec<_> = all
        .iter()
        .map(|i| (i.kind, i.timestamp_ms, i.message_type()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ItemKind::Metadata, 0, 18),
            (ItemKind::VideoConfig, 0, 9),
            (ItemKind::AudioConfig, 0, 8),
            (
                ItemKind::VideoFrame {
                    seq: 0,
                    keyframe: true
                },
                0,
                9
            ),
            (ItemKind::AudioFrame, 0, 8),
        ]
    );
    let raw: Vec<_> = all
        .iter()
        .map(|i| {
            let raw = i.clone().into_raw(1);
            (
                raw.csid,
                raw.type_id,
                raw.stream_id,
                raw.timestamp,
                raw.payload == i.body,
            )
        })
        .collect();
    assert_eq!(
        raw,
        [
            (4, 18, 1, 0, true),
            (6, 9, 1, 0, true),
            (4, 8, 1, 0, true),
            (6, 9, 1, 0, true),
            (4, 8, 1, 0, true)
        ]
    );
    assert_eq!(&all[1].body[..5], [0x17, 0, 0, 0, 0], "AVC sequence header");
    assert_eq!(all[2].body, [0xaf, 0, 0x11, 0x90], "AAC sequence header");
    assert_eq!(&all[3].body[..5], [0x17, 1, 0, 0, 0], "AVC key frame");
    assert_eq!(all[4].body[..2], [0xaf, 1], "AAC raw");
}

#[test]
fn the_metadata_is_set_data_frame_on_meta_data_with_the_configuration() {
    let all = items(
        config(VideoCodec::Hevc, AudioCodec::Opus),
        Duration::from_millis(1),
    );
    let values = decode_all(&all[0].body, &Limits::default()).expect("AMF0");
    assert_eq!(values[0].as_str(), Some("@setDataFrame"));
    assert_eq!(values[1].as_str(), Some("onMetaData"));
    let meta = &values[2];
    assert!(matches!(meta, Value::EcmaArray { .. }));
    assert_eq!(meta.get("width").and_then(Value::as_f64), Some(320.0));
    assert_eq!(meta.get("height").and_then(Value::as_f64), Some(180.0));
    assert_eq!(meta.get("framerate").and_then(Value::as_f64), Some(30.0));
    // "hvc1" and "Opus" as big-endian UI32s.
    assert_eq!(
        meta.get("videocodecid").and_then(Value::as_f64),
        Some(1_752_589_105.0)
    );
    assert_eq!(
        meta.get("audiocodecid").and_then(Value::as_f64),
        Some(1_332_770_163.0)
    );
    assert_eq!(
        meta.get("audiosamplerate").and_then(Value::as_f64),
        Some(48_000.0)
    );
    assert_eq!(meta.get("stereo").and_then(Value::as_bool), Some(true));
    let h264 = items(
        config(VideoCodec::H264, AudioCodec::None),
        Duration::from_millis(1),
    );
    let values = decode_all(&h264[0].body, &Limits::default()).expect("AMF0");
    assert_eq!(
        values[2].get("videocodecid").and_then(Value::as_f64),
        Some(7.0)
    );
    assert_eq!(values[2].get("audiocodecid"), None, "no audio");
}

#[test]
fn enhanced_tags_have_the_ex_header_fourcc_and_packet_types() {
    let hevc = items(
        config(VideoCodec::Hevc, AudioCodec::Opus),
        Duration::from_millis(40),
    );
    assert_eq!(&hevc[1].body[..5], b"\x90hvc1", "key frame, SequenceStart");
    assert_eq!(&hevc[2].body[..5], b"\x90Opus", "audio SequenceStart");
    assert_eq!(&hevc[2].body[5..13], b"OpusHead");
    assert_eq!(&hevc[3].body[..5], b"\x93hvc1", "key frame, CodedFramesX");
    assert_eq!(hevc[4].body, b"\x91Opus\xfc", "audio CodedFrames");
    let p = hevc.iter().find(|i| {
        i.kind
            == ItemKind::VideoFrame {
                seq: 1,
                keyframe: false,
            }
    });
    assert_eq!(&p.expect("frame 1").body[..5], b"\xa3hvc1", "inter frame");
    let av1 = items(
        config(VideoCodec::Av1, AudioCodec::None),
        Duration::from_millis(40),
    );
    assert_eq!(&av1[1].body[..5], b"\x90av01");
    assert_eq!(
        &av1[2].body[..5],
        b"\x91av01",
        "CodedFrames, no composition time"
    );
    // The key frame's temporal unit: sequence header, marker, padding.
    let tu = &av1[2].body[5..];
    assert!(av1::is_well_framed(tu));
    assert_eq!(tu[0] >> 3, 1);
    let enc = av1::Av1Encoder::new(320, 180, FrameRate::per_second(30));
    assert!(tu.starts_with(enc.sequence_header_obu()));
    let inter = &av1[3].body[5..];
    assert_eq!(inter[0] >> 3, 5, "no sequence header on an inter frame");
}

#[test]
fn ten_seconds_hold_the_right_number_of_frames_in_media_time_order() {
    for (audio, rate, expected_audio) in [
        (AudioCodec::Aac, 48_000, 469),
        (AudioCodec::Aac, 44_100, 431),
        (AudioCodec::Opus, 48_000, 500),
        (AudioCodec::None, 48_000, 0),
    ] {
        let c = SynthConfig {
            audio,
            audio_sample_rate: rate,
            ..SynthConfig::default()
        };
        let all = items(c, Duration::from_secs(10));
        let video = video_frames(&all);
        assert_eq!(video.len(), 300, "{audio:?}");
        let audio_n = all
            .iter()
            .filter(|i| i.kind == ItemKind::AudioFrame)
            .count();
        assert_eq!(audio_n, expected_audio, "{audio:?} at {rate}");
        assert!(all
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
        let keys: Vec<u64> = video
            .iter()
            .filter_map(|i| match i.kind {
                ItemKind::VideoFrame {
                    seq,
                    keyframe: true,
                } => Some(seq),
                _ => None,
            })
            .collect();
        assert_eq!(keys, [0, 60, 120, 180, 240]);
        assert_eq!(video[299].timestamp_ms, 9967, "299 / 30 s, rounded");
    }
}

#[test]
fn next_due_is_the_media_time_of_the_item_next_produces() {
    let mut g = generator(SynthConfig::default());
    let mut last = Duration::ZERO;
    for _ in 0..200 {
        let due = g.next_due();
        let kind = g.next_kind();
        assert!(due >= last);
        let item = g.next(0);
        assert_eq!(item.kind, kind);
        assert_eq!(
            u128::from(item.timestamp_ms),
            (due.as_nanos() + 500_000) / 1_000_000
        );
        last = due;
    }
    // 200 items: 3 headers, then video at k/30 s and audio at k*1024/48000 s.
    assert_eq!(g.video_frames() + g.audio_frames(), 197);
    assert_eq!(g.video_frames(), 77);
    let end = g.end_of_sequence();
    assert_eq!(end.body, [0x27, 2, 0, 0, 0]);
    assert_eq!(end.kind, ItemKind::VideoEnd);
}

#[test]
fn keyframe_intervals_round_to_whole_frames() {
    let every = |secs: f64, fps: FrameRate| {
        SynthConfig {
            keyframe_interval: Duration::from_secs_f64(secs),
            frame_rate: fps,
            ..SynthConfig::default()
        }
        .keyframe_every()
    };
    assert_eq!(every(2.0, FrameRate::per_second(30)), 60);
    assert_eq!(every(2.0, FrameRate::new(30000, 1001)), 60);
    assert_eq!(every(1.0, FrameRate::per_second(25)), 25);
    assert_eq!(
        every(0.0, FrameRate::per_second(25)),
        1,
        "every frame a key frame"
    );
    assert_eq!(every(0.1, FrameRate::per_second(1)), 1);
}

#[test]
fn configurations_that_cannot_be_generated_say_what_is_allowed() {
    let bad = |c: SynthConfig| Generator::new(c).expect_err("rejected").to_string();
    let size = |width, height| SynthConfig {
        width,
        height,
        ..SynthConfig::default()
    };
    for (w, h) in [
        (321, 180),
        (320, 181),
        (0, 180),
        (4098, 180),
        (4096, 2304 + 2),
        (4096, 2306),
    ] {
        let msg = bad(size(w, h));
        assert!(
            msg.contains(&format!("{w}x{h}")) && msg.contains("even"),
            "{msg}"
        );
    }
    assert!(Generator::new(size(2, 2)).is_ok());
    assert!(Generator::new(size(4096, 2304)).is_ok());
    let fps = |num, den| SynthConfig {
        frame_rate: FrameRate::new(num, den),
        ..SynthConfig::default()
    };
    for (num, den) in [(0, 1), (241, 1), (30, 0), (1, 1001)] {
        assert!(bad(fps(num, den)).contains("frame rate"), "{num}/{den}");
    }
    let audio = |audio, audio_sample_rate, audio_channels| SynthConfig {
        audio,
        audio_sample_rate,
        audio_channels,
        ..SynthConfig::default()
    };
    let msg = bad(audio(AudioCodec::Aac, 44_000, 2));
    assert!(msg.contains("44000") && msg.contains("44100"), "{msg}");
    let msg = bad(audio(AudioCodec::Opus, 44_100, 2));
    assert!(msg.contains("Opus") && msg.contains("48000"), "{msg}");
    assert!(bad(audio(AudioCodec::Aac, 48_000, 3)).contains("3 audio channels"));
    assert!(
        Generator::new(audio(AudioCodec::None, 1, 9)).is_ok(),
        "audio fields unused"
    );
}

#[test]
fn frame_sizes_match_the_module_documentation() {
    let size = |width, height| {
        let all = items(
            SynthConfig {
                width,
                height,
                ..SynthConfig::default()
            },
            Duration::from_secs(10),
        );
        let video = video_frames(&all);
        let idr = video[0].body.len();
        let p = video[1].body.len();
        let per_second: usize = video.iter().map(|i| i.body.len()).sum::<usize>() / 10;
        let audio = all
            .iter()
            .find(|i| i.kind == ItemKind::AudioFrame)
            .map(|i| i.body.len());
        (idr, p, per_second, audio)
    };
    let (idr, p, per_second, audio) = size(320, 180);
    // A byte or two either way: emulation prevention in the marker depends on its values.
    assert!((305..=310).contains(&idr), "{idr}");
    assert_eq!(audio, Some(9));
    assert!((72..=76).contains(&p), "{p}");
    assert!((2300..2400).contains(&per_second), "{per_second}");
    let (idr, p, per_second, _) = size(1280, 720);
    assert!((3665..=3670).contains(&idr), "{idr}");
    assert!((72..=78).contains(&p), "{p}");
    assert!((4000..4150).contains(&per_second), "{per_second}");
}

// ---------------------------------------------------------------------------------------------
// Connect properties

#[test]
fn the_connect_properties_declare_the_codecs_as_enhanced_rtmp_v2_says() {
    let props = connect::enhanced_connect_properties();
    let names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "fourCcList",
            "videoFourCcInfoMap",
            "audioFourCcInfoMap",
            "capsEx"
        ]
    );
    let list = match &props[0].1 {
        Value::StrictArray(values) => values
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>(),
        other => panic!("fourCcList is {other:?}"),
    };
    assert_eq!(list, ["av01", "hvc1", "avc1", "Opus", "mp4a"]);
    let video = &props[1].1;
    assert!(matches!(video, Value::Object(_)));
    for fourcc in ["av01", "hvc1", "avc1"] {
        assert_eq!(
            video.get(fourcc).and_then(Value::as_f64),
            Some(3.0),
            "CanDecode | CanEncode"
        );
    }
    assert_eq!(props[2].1.get("Opus").and_then(Value::as_f64), Some(3.0));
    assert_eq!(props[3].1.as_f64(), Some(0.0));
}
