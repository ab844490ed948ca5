//! Tests of command.rs.
use super::*;
use crate::protocol::amf0::tests::{check_payload, ffmpeg_metadata, hex, n, obj, props, s};

fn decode(payload: &[u8]) -> Command {
    Command::decode(payload, false, &Limits::default()).unwrap()
}

/// Decodes a real command payload to `expected`, checks the value-level decode and every cut
/// (via `check_payload`), and that `Command::encode` gives the payload back.
fn check_command(payload: &[u8], expected: &Command) {
    let command = decode(payload);
    assert_eq!(&command, expected);
    check_payload(payload, &expected.to_values());
    assert_eq!(command.to_bytes(), payload, "re-encoding {command}");
}

// FCS 1.5 session of the Perl client Kamaitachi::Client (seed 000). Sent packets are dumped
// with their 12-byte chunk header; received ones as payload only.
const FMS_CONNECT_PACKET: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-connect-packet.bin");
const FMS_CREATE_STREAM_PACKET: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-createstream-packet.bin");
const FMS_PUBLISH_PACKET: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-publish-packet.bin");
const FMS_CLOSE_STREAM_PACKET: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-closestream-packet.bin");
const FMS_CONNECT_RESULT: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-connect-result.bin");
const FMS_CREATE_STREAM_RESULT: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-createstream-result.bin");
const FMS_ON_STATUS_FIRST_CHUNK: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-onstatus-first-chunk.bin");
const FMS_ON_STATUS: &[u8] =
    include_bytes!("../../../tests/fixtures/amf0-fms-onstatus-publish-start.bin");

/// The payload of a dumped packet: after its 12-byte header, whose length field must match.
fn payload_of_packet(packet: &[u8]) -> &[u8] {
    assert_eq!(packet[0], 0x03, "fmt 0, csid 3");
    assert_eq!(packet[7], 0x14, "type 20");
    let length = usize::from(packet[5]) << 8 | usize::from(packet[6]);
    assert_eq!(packet.len(), 12 + length, "single-chunk packet");
    &packet[12..]
}

#[test]
fn fms_connect() {
    // 12-byte header (length 0xf5 = 245), 128 payload bytes, a 0xc3 continuation header at
    // packet offset 0x8c, then the remaining 117 bytes.
    let packet = FMS_CONNECT_PACKET;
    assert_eq!(packet.len(), 258);
    assert_eq!(
        &packet[..12],
        &hex("03 00 00 00 00 00 f5 14 00 00 00 00")[..]
    );
    assert_eq!(packet[0x8c], 0xc3);
    let mut payload = packet[12..0x8c].to_vec();
    payload.extend_from_slice(&packet[0x8d..]);
    assert_eq!(payload.len(), 245);
    check_command(
        &payload,
        &Command::connect(
            1.0,
            props(&[
                ("audioCodecs", n(3191.0)),
                ("pageUrl", Value::Null),
                ("app", s("sample")),
                ("videoCodecs", n(252.0)),
                ("tcUrl", s("rtmp://p-china/sample")),
                ("swfUrl", Value::Null),
                ("videoFunction", n(1.0)),
                ("flashVer", s("WIN 10,0,22,87")),
                // Kamaitachi writes fpad as the number 0, not the boolean false.
                ("fpad", n(0.0)),
                ("capabilities", n(15.0)),
                ("objectEncoding", n(0.0)),
            ]),
        ),
    );
}

#[test]
fn fms_create_stream_without_command_object() {
    let payload = payload_of_packet(FMS_CREATE_STREAM_PACKET);
    assert_eq!(payload.len(), 24);
    // The values are ["createStream", 3.0]: no command object at all.
    check_payload(payload, &[s("createStream"), n(3.0)]);
    let command = decode(payload);
    assert_eq!(
        command,
        Command::new(CREATE_STREAM, 3.0, Value::Null, vec![])
    );
    // Command always writes its command object: the original plus one null byte.
    let mut expected = payload.to_vec();
    expected.push(0x05);
    assert_eq!(command.to_bytes(), expected);
    assert_eq!(Command::create_stream(3.0).to_bytes(), expected);
}

#[test]
fn fms_publish() {
    let packet = FMS_PUBLISH_PACKET;
    assert_eq!(&packet[8..12], &hex("01 00 00 00")[..], "message stream 1");
    let payload = payload_of_packet(packet);
    assert_eq!(payload.len(), 37);
    let expected = Command::new(PUBLISH, 4.0, Value::Null, vec![s("test1238397685")]);
    check_command(payload, &expected);
}

#[test]
fn fms_close_stream_without_command_object() {
    let payload = payload_of_packet(FMS_CLOSE_STREAM_PACKET);
    assert_eq!(payload.len(), 23);
    check_payload(payload, &[s("closeStream"), n(5.0)]);
    let command = decode(payload);
    assert_eq!(
        command,
        Command::new(CLOSE_STREAM, 5.0, Value::Null, vec![])
    );
    let mut expected = payload.to_vec();
    expected.push(0x05);
    assert_eq!(command.to_bytes(), expected);
}

#[test]
fn fms_connect_result() {
    assert_eq!(FMS_CONNECT_RESULT.len(), 115);
    let expected = Command::new(
        RESULT,
        1.0,
        Value::Null,
        vec![obj(&[
            ("level", s("status")),
            ("code", s("NetConnection.Connect.Success")),
            ("description", s("Connection succeeded.")),
        ])],
    );
    check_command(FMS_CONNECT_RESULT, &expected);
    let command = decode(FMS_CONNECT_RESULT);
    assert!(command.is_result());
    assert!(!command.is_error());
    let status = command.status().unwrap();
    assert_eq!(
        status,
        StatusInfo {
            level: "status".into(),
            code: "NetConnection.Connect.Success".into(),
            description: "Connection succeeded.".into(),
        }
    );
    assert!(!status.is_error());
}

#[test]
fn fms_create_stream_result() {
    assert_eq!(FMS_CREATE_STREAM_RESULT.len(), 29);
    let expected = Command::new(RESULT, 3.0, Value::Null, vec![n(1.0)]);
    check_command(FMS_CREATE_STREAM_RESULT, &expected);
    assert_eq!(decode(FMS_CREATE_STREAM_RESULT).status(), None);
}

#[test]
fn fms_on_status_publish_start() {
    assert_eq!(FMS_ON_STATUS.len(), 134);
    let expected = Command::new(
        ON_STATUS,
        4.0,
        Value::Null,
        vec![obj(&[
            ("level", s("status")),
            ("code", s("NetStream.Publish.Start")),
            ("description", s("Publishing test1238397685.")),
            ("clientid", n(144_402_968.0)),
        ])],
    );
    check_command(FMS_ON_STATUS, &expected);
    let status = decode(FMS_ON_STATUS).status().unwrap();
    assert_eq!(status.code, status::PUBLISH_START);
    assert_eq!(status.description, "Publishing test1238397685.");
    // The client logged the first 128-byte chunk on its own: it is cut inside a number.
    assert_eq!(&FMS_ON_STATUS[..128], FMS_ON_STATUS_FIRST_CHUNK);
    assert_eq!(
        Command::decode(FMS_ON_STATUS_FIRST_CHUNK, false, &Limits::default()),
        Err(CommandError::Amf0(Amf0Error::Truncated {
            what: "number",
            offset: 123,
            needed: 8,
            left: 5
        }))
    );
}

#[test]
fn flash_player_connect_from_red5_notes() {
    // Seed 002: Flash Player 10.2's connect to Red5, with a trailing number argument.
    let payload = include_bytes!("../../../tests/fixtures/amf0-flashplayer-connect.bin");
    assert_eq!(payload.len(), 0xe4);
    let expected = Command::new(
        CONNECT,
        1.0,
        obj(&[
            ("app", s("SOSample")),
            ("flashVer", s("WIN 10,2,159,1")),
            ("swfUrl", Value::Undefined),
            ("tcUrl", s("rtmp://localhost/SOSample")),
            ("fpad", Value::Boolean(false)),
            ("capabilities", n(239.0)),
            ("audioCodecs", n(3191.0)),
            ("videoCodecs", n(252.0)),
            ("videoFunction", n(1.0)),
            ("pageUrl", Value::Undefined),
        ]),
        vec![n(28983.0)],
    );
    check_command(payload, &expected);
}

// ffmpeg 5.1 against nginx-rtmp 1.1.4 and node-media-server 4.4.3 (shared/captures).
const C2S: &[u8] = include_bytes!("../../../tests/fixtures/ffmpeg-nginx-c2s.bin");

#[test]
fn ffmpeg_connect() {
    let payload = include_bytes!("../../../tests/fixtures/amf0-ffmpeg-connect.bin");
    assert_eq!(payload.len(), 140);
    // Same bytes as in the client-to-server stream: header, 128 bytes, 0xc3, 12 bytes.
    assert_eq!(
        &C2S[3073..3085],
        &hex("03 00 00 00 00 00 8c 14 00 00 00 00")[..]
    );
    assert_eq!(&C2S[3085..3213], &payload[..128]);
    assert_eq!(C2S[3213], 0xc3);
    assert_eq!(&C2S[3214..3226], &payload[128..]);
    let ffmpeg_properties = props(&[
        ("app", s("live")),
        ("type", s("nonprivate")),
        ("flashVer", s("FMLE/3.0 (compatible; Lavf59.27.100)")),
        ("tcUrl", s("rtmp://127.0.0.1:19350/live")),
    ]);
    check_command(payload, &Command::connect(1.0, ffmpeg_properties.clone()));
    assert_eq!(Command::connect(1.0, ffmpeg_properties).to_bytes(), payload);
}

#[test]
fn nginx_connect_result() {
    let payload = include_bytes!("../../../tests/fixtures/amf0-nginx-connect-result.bin");
    assert_eq!(payload.len(), 190);
    let expected = Command::new(
        RESULT,
        1.0,
        obj(&[("fmsVer", s("FMS/3,0,1,123")), ("capabilities", n(31.0))]),
        vec![obj(&[
            ("level", s("status")),
            ("code", s("NetConnection.Connect.Success")),
            ("description", s("Connection succeeded.")),
            ("objectEncoding", n(0.0)),
        ])],
    );
    check_command(payload, &expected);
    let command = decode(payload);
    // The command object has no code: the status comes from the argument.
    assert_eq!(
        command.status().unwrap().code,
        "NetConnection.Connect.Success"
    );
    assert_eq!(
        command.to_string(),
        "[\"_result\", 1.0, {fmsVer: \"FMS/3,0,1,123\", capabilities: 31.0}, \
         {level: \"status\", code: \"NetConnection.Connect.Success\", \
         description: \"Connection succeeded.\", objectEncoding: 0.0}]"
    );
    // node-media-server sends the very same payload.
    let nms = include_bytes!("../../../tests/fixtures/ffmpeg-nms-s2c.bin");
    assert_eq!(&nms[3134..3134 + 190], &payload[..]);
}

#[test]
fn nginx_create_stream_result() {
    let payload = include_bytes!("../../../tests/fixtures/amf0-nginx-createstream-result.bin");
    check_command(
        payload,
        &Command::new(RESULT, 4.0, Value::Null, vec![n(1.0)]),
    );
}

fn status_reply(description: &str, code: &str) -> Command {
    Command::new(
        ON_STATUS,
        0.0,
        Value::Null,
        vec![obj(&[
            ("level", s("status")),
            ("code", s(code)),
            ("description", s(description)),
        ])],
    )
}

#[test]
fn nginx_and_nms_on_status() {
    let start = include_bytes!("../../../tests/fixtures/amf0-nginx-onstatus-publish-start.bin");
    assert_eq!(start.len(), 105);
    check_command(
        start,
        &status_reply("Start publishing", status::PUBLISH_START),
    );
    let stop = include_bytes!("../../../tests/fixtures/amf0-nginx-onstatus-unpublish-success.bin");
    assert_eq!(stop.len(), 108);
    check_command(
        stop,
        &status_reply("Stop publishing", status::UNPUBLISH_SUCCESS),
    );
    let nms = include_bytes!("../../../tests/fixtures/amf0-nms-onstatus-publish-start.bin");
    assert_eq!(nms.len(), 120);
    check_command(
        nms,
        &status_reply("/live/capture is now published.", status::PUBLISH_START),
    );
    let status = decode(nms).status().unwrap();
    assert_eq!(status.level, "status");
    assert_eq!(status.code, "NetStream.Publish.Start");
}

/// The payload of a message in the client-to-server stream, after checking its chunk header.
fn c2s_message(header_at: usize, header: &str, length: usize) -> &'static [u8] {
    let header = hex(header);
    assert_eq!(&C2S[header_at..header_at + header.len()], &header[..]);
    let start = header_at + header.len();
    &C2S[start..start + length]
}

#[test]
fn builders_match_ffmpeg_bytes() {
    // fmt 1 chunks (8-byte headers) on csid 3: timestamp delta 0, length, type 20.
    let release = c2s_message(3242, "43 00 00 00 00 00 24 14", 36);
    assert_eq!(Command::release_stream(2.0, "capture").to_bytes(), release);
    let fc_publish = c2s_message(3286, "43 00 00 00 00 00 20 14", 32);
    assert_eq!(Command::fc_publish(3.0, "capture").to_bytes(), fc_publish);
    let create = c2s_message(3326, "43 00 00 00 00 00 19 14", 25);
    assert_eq!(Command::create_stream(4.0).to_bytes(), create);
    // fmt 0 on csid 8, message stream 1.
    let publish = c2s_message(3359, "08 00 00 00 00 00 25 14 01 00 00 00", 37);
    assert_eq!(Command::publish(5.0, "capture", "live").to_bytes(), publish);
    let fc_unpublish = c2s_message(6099, "43 00 00 00 00 00 22 14", 34);
    assert_eq!(
        Command::fc_unpublish(6.0, "capture").to_bytes(),
        fc_unpublish
    );
    // fmt 3: a new message with the previous one's length and type.
    let delete = c2s_message(6141, "c3", 34);
    assert_eq!(6141 + 1 + 34, C2S.len());
    assert_eq!(Command::delete_stream(7.0, 1.0).to_bytes(), delete);

    // And they decode back to the builders' commands.
    for (bytes, command) in [
        (release, Command::release_stream(2.0, "capture")),
        (fc_publish, Command::fc_publish(3.0, "capture")),
        (create, Command::create_stream(4.0)),
        (publish, Command::publish(5.0, "capture", "live")),
        (fc_unpublish, Command::fc_unpublish(6.0, "capture")),
        (delete, Command::delete_stream(7.0, 1.0)),
    ] {
        check_command(bytes, &command);
    }
}

#[test]
fn other_builders() {
    assert_eq!(
        Command::play(4.0, "cam"),
        Command::new(PLAY, 4.0, Value::Null, vec![s("cam")])
    );
    assert_eq!(
        Command::play(4.0, "cam").to_bytes(),
        hex("02 00 04 70 6c 61 79 00 40 10 00 00 00 00 00 00 05 02 00 03 63 61 6d")
    );
    // play(null, "cam", -1000), as ffmpeg sends a live play: -1000.0 is c0 8f 40 00 ...
    assert_eq!(
        Command::play_from(4.0, "cam", -1000.0).to_bytes(),
        hex(concat!(
            "02 00 04 70 6c 61 79 00 40 10 00 00 00 00 00 00 05 02 00 03 63 61 6d",
            "00 c0 8f 40 00 00 00 00 00"
        ))
    );
    assert_eq!(
        Command::close_stream(),
        Command::new(CLOSE_STREAM, 0.0, Value::Null, vec![])
    );
    assert_eq!(
        Command::close_stream().to_bytes(),
        hex("02 00 0b 63 6c 6f 73 65 53 74 72 65 61 6d 00 00 00 00 00 00 00 00 00 05")
    );
}

#[test]
fn type_17_body_decodes_like_type_20() {
    let body = include_bytes!("../../../tests/fixtures/amf0-nginx-createstream-result.bin");
    let mut amf3 = vec![0x00];
    amf3.extend_from_slice(body);
    assert_eq!(&amf3[..4], &hex("00 02 00 07")[..]);
    assert_eq!(
        Command::decode(&amf3, true, &Limits::default()),
        Ok(decode(body))
    );
    assert_eq!(
        Command::decode(&hex("11 02 00 01 61"), true, &Limits::default()),
        Err(CommandError::Amf3Body { first_byte: 0x11 })
    );
    assert_eq!(
        CommandError::Amf3Body { first_byte: 0x11 }.to_string(),
        "AMF3-encoded command body (first byte 0x11) is not supported"
    );
    assert_eq!(
        Command::decode(&[], true, &Limits::default()),
        Err(CommandError::Empty)
    );
    assert_eq!(
        Command::decode(&[0x00], true, &Limits::default()),
        Err(CommandError::Empty)
    );
    // Without the amf3 flag the 0x00 is read as a number marker, and "l" of "_result"
    // as the next marker.
    assert_eq!(
        Command::decode(&amf3, false, &Limits::default()),
        Err(CommandError::Amf0(Amf0Error::UnknownMarker {
            marker: b'l',
            offset: 9
        }))
    );
}

#[test]
fn decode_errors() {
    let limits = Limits::default();
    assert_eq!(
        Command::decode(&[], false, &limits),
        Err(CommandError::Empty)
    );
    let e = Command::decode(&hex("00 3f f0 00 00 00 00 00 00"), false, &limits).unwrap_err();
    assert_eq!(e, CommandError::NameNotString { found: "number" });
    assert_eq!(e.to_string(), "command name is not a string (found number)");
    let e = Command::decode(&hex("02 00 01 61 02 00 01 62"), false, &limits).unwrap_err();
    assert_eq!(
        e,
        CommandError::TransactionIdNotNumber {
            name: "a".into(),
            found: "string"
        }
    );
    assert_eq!(
        e.to_string(),
        "transaction id of command \"a\" is not a number (found string)"
    );
    let e = Command::decode(&hex("02 00 01 61 04"), false, &limits).unwrap_err();
    assert_eq!(
        e,
        CommandError::Amf0(Amf0Error::ReservedMarker {
            marker: 4,
            name: "movieclip",
            offset: 4
        })
    );
    assert_eq!(
        e.to_string(),
        "command body: reserved AMF0 marker 0x04 (movieclip) at offset 4"
    );
    // Offsets in a type-17 body count from after the format byte.
    assert_eq!(
        Command::decode(&hex("00 02 00 01 61 11"), true, &limits),
        Err(CommandError::Amf0(Amf0Error::Amf3Marker { offset: 4 }))
    );
}

#[test]
fn missing_transaction_id_and_command_object() {
    let limits = Limits::default();
    assert_eq!(
        Command::decode(&hex("02 00 08 6f 6e 42 57 44 6f 6e 65"), false, &limits),
        Ok(Command::new("onBWDone", 0.0, Value::Null, vec![]))
    );
    // A long-string name is accepted.
    assert_eq!(
        Command::decode(
            &hex("0c 00 00 00 01 78 00 00 00 00 00 00 00 00 00"),
            false,
            &limits
        ),
        Ok(Command::new("x", 0.0, Value::Null, vec![]))
    );
}

#[test]
fn status_lookup() {
    let error = Command::new(
        ERROR,
        2.0,
        Value::Null,
        vec![
            obj(&[("level", s("ignored"))]),
            Value::ecma_array(props(&[
                ("level", s("error")),
                ("code", s("NetConnection.Connect.Rejected")),
            ])),
            obj(&[("code", s("later"))]),
        ],
    );
    assert!(error.is_error());
    assert!(!error.is_result());
    let status = error.status().unwrap();
    assert_eq!(
        status,
        StatusInfo {
            level: "error".into(),
            code: "NetConnection.Connect.Rejected".into(),
            description: String::new(),
        }
    );
    assert!(status.is_error());
    // The command object comes first; non-string fields are rendered.
    let c = Command::new(
        RESULT,
        1.0,
        obj(&[("code", n(5.0)), ("level", Value::Null)]),
        vec![obj(&[("code", s("x"))])],
    );
    assert_eq!(
        c.status(),
        Some(StatusInfo {
            level: "null".into(),
            code: "5.0".into(),
            description: String::new()
        })
    );
    assert_eq!(Command::create_stream(1.0).status(), None);
}

#[test]
fn set_data_frame_matches_ffmpeg() {
    let bytes = include_bytes!("../../../tests/fixtures/amf0-ffmpeg-setdataframe.bin");
    let metadata = ffmpeg_metadata();
    let values = data_set_frame(metadata);
    let mut out = Vec::new();
    amf0::encode_all(&values, &mut out);
    assert_eq!(out, bytes);
}

#[test]
fn an_empty_connection_type_is_left_out_as_a_player_leaves_it_out() {
    let mut p = ConnectProperties::new("live", "rtmp://example.net/live");
    p.connection_type.clear();
    p.flash_ver = ConnectProperties::PLAYER_FLASH_VER.into();
    let names: Vec<String> = p.to_properties().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "app",
            "flashVer",
            "tcUrl",
            "fpad",
            "capabilities",
            "audioCodecs",
            "videoCodecs",
            "videoFunction",
            "objectEncoding"
        ]
    );
}

#[test]
fn connect_properties_defaults() {
    let p = ConnectProperties::new("live", "rtmp://example.net/live");
    assert_eq!(
        p.to_properties(),
        props(&[
            ("app", s("live")),
            ("type", s("nonprivate")),
            ("flashVer", s("FMLE/3.0 (compatible; rtmp-probe)")),
            ("tcUrl", s("rtmp://example.net/live")),
            ("fpad", Value::Boolean(false)),
            ("capabilities", n(15.0)),
            ("audioCodecs", n(3191.0)),
            ("videoCodecs", n(252.0)),
            ("videoFunction", n(1.0)),
            ("objectEncoding", n(0.0)),
        ])
    );
    // The full command, bytes written by hand from the AMF0 specification.
    let expected = hex(concat!(
        "02 00 07 63 6f 6e 6e 65 63 74", // "connect"
        "00 3f f0 00 00 00 00 00 00",    // 1.0
        "03",
        "00 03 61 70 70 02 00 04 6c 69 76 65",
        "00 04 74 79 70 65 02 00 0a 6e 6f 6e 70 72 69 76 61 74 65",
        "00 08 66 6c 61 73 68 56 65 72 02 00 21",
        "46 4d 4c 45 2f 33 2e 30 20 28 63 6f 6d 70 61 74 69 62 6c 65 3b 20",
        "72 74 6d 70 2d 70 72 6f 62 65 29",
        "00 05 74 63 55 72 6c 02 00 17",
        "72 74 6d 70 3a 2f 2f 65 78 61 6d 70 6c 65 2e 6e 65 74 2f 6c 69 76 65",
        "00 04 66 70 61 64 01 00",
        "00 0c 63 61 70 61 62 69 6c 69 74 69 65 73 00 40 2e 00 00 00 00 00 00",
        "00 0b 61 75 64 69 6f 43 6f 64 65 63 73 00 40 a8 ee 00 00 00 00 00",
        "00 0b 76 69 64 65 6f 43 6f 64 65 63 73 00 40 6f 80 00 00 00 00 00",
        "00 0d 76 69 64 65 6f 46 75 6e 63 74 69 6f 6e 00 3f f0 00 00 00 00 00 00",
        "00 0e 6f 62 6a 65 63 74 45 6e 63 6f 64 69 6e 67 00 00 00 00 00 00 00 00 00",
        "00 00 09",
    ));
    assert_eq!(
        Command::connect(1.0, p.to_properties()).to_bytes(),
        expected
    );
}

#[test]
fn connect_properties_optional_fields_and_extra() {
    let mut p = ConnectProperties::new("app", "rtmp://h/app");
    p.swf_url = Some("http://h/player.swf".into());
    p.page_url = Some("http://h/".into());
    p.extra = props(&[
        ("flashVer", s("LNX 9,0,124,2")),
        ("custom", n(1.0)),
        ("objectEncoding", n(3.0)),
        ("custom", n(2.0)),
    ]);
    let properties = p.to_properties();
    let names: Vec<&str> = properties.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "app",
            "type",
            "flashVer",
            "tcUrl",
            "swfUrl",
            "pageUrl",
            "fpad",
            "capabilities",
            "audioCodecs",
            "videoCodecs",
            "videoFunction",
            "objectEncoding",
            "custom"
        ]
    );
    let command_object = Value::Object(p.to_properties());
    assert_eq!(command_object.get("flashVer"), Some(&s("LNX 9,0,124,2")));
    assert_eq!(command_object.get("objectEncoding"), Some(&n(3.0)));
    assert_eq!(command_object.get("custom"), Some(&n(2.0)));
    assert_eq!(
        command_object.get("swfUrl"),
        Some(&s("http://h/player.swf"))
    );
    assert_eq!(command_object.get("pageUrl"), Some(&s("http://h/")));
    // pageUrl without swfUrl.
    let mut p = ConnectProperties::new("app", "rtmp://h/app");
    p.page_url = Some("http://h/".into());
    let names: Vec<String> = p.to_properties().into_iter().map(|(k, _)| k).collect();
    assert_eq!(names[4], "pageUrl");
    assert_eq!(names.len(), 11);
}
