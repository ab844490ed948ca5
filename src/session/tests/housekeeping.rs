//! In-process sessions over what a server sends besides its replies: the control messages it
//! expects answered (Set Peer Bandwidth, a window size before connect), the headers and control
//! messages a liberal client accepts, and the timestamps the client puts on what it sends.

use super::config;
use super::peer::{connect_result, session, Peer};
use super::publish::failure;
use crate::protocol::message::{LimitType, Message};
use crate::session::{FailureKind, Step};
use std::time::Duration;

#[tokio::test(start_paused = true)]
async fn set_peer_bandwidth_is_answered_once_with_a_window_acknowledgement_size() {
    let (o, peer) = session(&config(), |mut p: Peer| async move {
        p.serve_session().await;
        p
    })
    .await;
    assert_eq!(o.failure, None);
    let windows: Vec<usize> = peer
        .received
        .iter()
        .enumerate()
        .filter(|(_, r)| r.message == Message::WindowAckSize(5_000_000))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(windows.len(), 1, "{:?}", peer.received);
    // Sent as soon as the Set Peer Bandwidth was read, before createStream.
    let create = peer
        .received
        .iter()
        .position(|r| matches!(&r.message, Message::Command { command, .. } if command.name == "createStream"))
        .expect("createStream");
    assert!(windows[0] < create);
    assert_eq!(peer.received[windows[0]].csid, 2);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_holds_its_connect_reply_until_it_gets_a_window_size_is_answered() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        let connect = p.command("connect").await;
        p.control(Message::SetPeerBandwidth {
            size: 2_500_000,
            limit: LimitType::Hard,
        })
        .await;
        loop {
            match p.next().await.map(|r| r.message) {
                Some(Message::WindowAckSize(2_500_000)) => break,
                Some(_) => {}
                None => panic!("the session went away without a window size"),
            }
        }
        p.send_command(
            3,
            0,
            connect_result(connect.transaction_id, "FMS/3,0,1,123"),
        )
        .await;
        p.serve_create_stream().await;
        p.serve_publish().await;
        p.serve_unpublish().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert_eq!(o.steps[1].duration, Duration::ZERO, "no wait at connect");
}

#[tokio::test(start_paused = true)]
async fn a_type_1_header_opening_a_chunk_stream_is_accepted_with_a_note() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        let connect = p.command("connect").await;
        // The connect reply on chunk stream 9, opened with a fmt 1 header (no message stream id).
        let body = connect_result(connect.transaction_id, "FMS/3,0,1,123").to_bytes();
        let mut bytes = vec![0x49, 0, 0, 0];
        bytes.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        bytes.push(20);
        bytes.extend_from_slice(&body[..128]);
        bytes.push(0xc9);
        bytes.extend_from_slice(&body[128..]);
        p.write(&bytes).await;
        p.serve_create_stream().await;
        p.serve_publish().await;
        p.serve_unpublish().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert_eq!(o.server.fms_ver.as_deref(), Some("FMS/3,0,1,123"));
    assert!(
        o.notes.contains(
            &"the server opened chunk stream 9 with a type-1 header, which has no message stream \
              id; read as message stream 0, as ffmpeg and OBS do"
                .to_string()
        ),
        "{:?}",
        o.notes
    );
}

#[tokio::test(start_paused = true)]
async fn short_control_messages_the_client_never_acts_on_are_passed_over_with_a_note() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        let connect = p.command("connect").await;
        // A Stream Begin with two bytes of its four, and a two-byte Acknowledgement.
        p.write(&[0x02, 0, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 1])
            .await;
        p.write(&[0x02, 0, 0, 0, 0, 0, 2, 3, 0, 0, 0, 0, 0, 9])
            .await;
        p.send_command(
            3,
            0,
            connect_result(connect.transaction_id, "FMS/3,0,1,123"),
        )
        .await;
        p.serve_create_stream().await;
        p.serve_publish().await;
        p.serve_unpublish().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert!(
        o.notes.contains(
            &"the server sent 2 malformed messages the probe has no use for, passed over as \
              ffmpeg does (the first: short user control event 0 (Stream Begin): 2 event data \
              bytes, it needs 4)"
                .to_string()
        ),
        "{:?}",
        o.notes
    );
}

#[tokio::test(start_paused = true)]
async fn a_short_ping_request_is_still_malformed() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        p.command("connect").await;
        p.write(&[0x02, 0, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0, 0, 6, 0, 1])
            .await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::Connect,
            FailureKind::MalformedReply,
            "malformed reply: short user control event 6 (Ping Request): 2 event data bytes, it \
             needs 4"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn messages_carry_the_milliseconds_since_the_session_started() {
    let (o, peer) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        p.command("connect").await;
        tokio::time::sleep(Duration::from_millis(25)).await;
        p.send_command(3, 0, connect_result(1.0, "FMS/3,0,1,123"))
            .await;
        p.serve_create_stream().await;
        p.serve_publish().await;
        p.serve_unpublish().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    let stamps: Vec<(String, u32)> = peer
        .received
        .iter()
        .filter_map(|r| match &r.message {
            Message::Command { command, .. } => Some((command.name.clone(), r.timestamp)),
            Message::Data { .. } => Some(("@setDataFrame".to_string(), r.timestamp)),
            _ => None,
        })
        .collect();
    // connect at 0; the rest after the 25 ms reply; the metadata at the stream's time 0; the
    // teardown after verify's window of four times the slowest reply (100 ms).
    let expected = [
        ("connect", 0),
        ("releaseStream", 25),
        ("FCPublish", 25),
        ("createStream", 25),
        ("publish", 25),
        ("@setDataFrame", 0),
        ("FCUnpublish", 125),
        ("closeStream", 125),
        ("deleteStream", 125),
    ];
    let expected: Vec<(String, u32)> = expected.iter().map(|(n, t)| (n.to_string(), *t)).collect();
    assert_eq!(stamps, expected);
}
