//! The publish and connect scenarios in process: step by step, each refusal style, a timeout at
//! each step, the teardown's three endings.

use super::peer::{connect_result, error_reply, on_status, session, Peer, CSID_STATUS};
use super::{config, STREAM};
use crate::protocol::message::Message;
use crate::session::{FailureKind, Outcome, Scenario, Step, Teardown};
use std::time::Duration;

/// The steps of an in-process publish (no dns or tcp_connect: the pipe is connected already).
const STEPS: [Step; 6] = [
    Step::Handshake,
    Step::Connect,
    Step::CreateStream,
    Step::Publish,
    Step::Verify,
    Step::Unpublish,
];

fn steps(o: &Outcome) -> Vec<(Step, bool)> {
    o.steps.iter().map(|r| (r.step, r.ok)).collect()
}

/// The failure's step, kind and message.
pub(super) fn failure(o: &Outcome) -> (Step, FailureKind, &str) {
    let f = o.failure.as_ref().expect("the session failed");
    (f.step, f.kind, f.message.as_str())
}

#[tokio::test(start_paused = true)]
async fn a_publish_to_a_server_that_answers_like_nginx_is_ok_step_by_step() {
    let cfg = config();
    let (o, peer) = session(&cfg, |mut p: Peer| async move {
        p.serve_session().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert_eq!(steps(&o), STEPS.map(|s| (s, true)));
    assert_eq!(o.server.fms_ver.as_deref(), Some("FMS/3,0,1,123"));
    assert_eq!(o.server.capabilities, Some(31.0));
    assert_eq!(o.server.stream_id, Some(1));
    assert_eq!(o.server.window_ack_size, Some(5_000_000));
    assert_eq!(o.server.chunk_size, Some(4096));
    assert_eq!(o.server.teardown, Some(Teardown::Confirmed));
    let codes: Vec<&str> = o
        .server
        .statuses
        .iter()
        .map(|s| s.status.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "NetConnection.Connect.Success",
            "NetStream.Publish.Start",
            "NetStream.Unpublish.Success"
        ]
    );
    let sent: Vec<(String, f64)> = peer
        .commands()
        .iter()
        .map(|c| (c.name.clone(), c.transaction_id))
        .collect();
    assert_eq!(
        sent,
        [
            ("connect".to_string(), 1.0),
            ("releaseStream".to_string(), 2.0),
            ("FCPublish".to_string(), 3.0),
            ("createStream".to_string(), 4.0),
            ("publish".to_string(), 5.0),
            ("FCUnpublish".to_string(), 6.0),
            ("closeStream".to_string(), 0.0),
            ("deleteStream".to_string(), 7.0),
        ]
    );
    let publish = peer.commands()[4].clone();
    assert_eq!(publish.arguments, [STREAM.into(), "live".into()]);
    // Paused time: only verify waits, for its shortest settle window (every reply took 0 ms).
    for r in &o.steps {
        let waited = if r.step == Step::Verify {
            Duration::from_millis(1)
        } else {
            Duration::ZERO
        };
        assert_eq!(r.duration, waited, "{r:?}");
    }
    // After Publish.Start: the metadata encoders send, on the publish stream; never a ping.
    let data: Vec<_> = peer
        .received
        .iter()
        .filter(|r| matches!(r.message, Message::Data { .. }))
        .collect();
    assert_eq!(data.len(), 1, "{:?}", peer.received);
    assert_eq!(
        (data[0].csid, data[0].stream_id, data[0].timestamp),
        (4, 1, 0)
    );
    let Message::Data { values, .. } = &data[0].message else {
        unreachable!()
    };
    assert_eq!(values[0], "@setDataFrame".into());
    assert_eq!(values[1], "onMetaData".into());
    assert!(
        !peer
            .received
            .iter()
            .any(|r| matches!(r.message, Message::UserControl(_))),
        "the client sends no user control message: {:?}",
        peer.received
    );
}

/// A publish whose server takes `delay` to answer createStream (and never confirms the
/// teardown).
async fn slow_create_stream(settle: Duration, delay: Duration) -> Outcome {
    let cfg = crate::session::SessionConfig { settle, ..config() };
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.open().await;
        p.command("createStream").await;
        tokio::time::sleep(delay).await;
        let result = crate::protocol::command::Command::new(
            "_result",
            4.0,
            crate::protocol::amf0::Value::Null,
            vec![1.0.into()],
        );
        p.send_command(3, 0, result).await;
        p.serve_publish().await;
        p.hold().await;
        p
    })
    .await;
    o
}

#[tokio::test(start_paused = true)]
async fn verify_watches_four_times_the_slowest_reply_within_settle() {
    let o = slow_create_stream(Duration::from_millis(200), Duration::from_millis(10)).await;
    assert_eq!(o.failure, None, "{o:?}");
    assert_eq!(o.steps[2].duration, Duration::from_millis(10));
    assert_eq!(o.steps[4].step, Step::Verify);
    assert_eq!(o.steps[4].duration, Duration::from_millis(40));
    // --settle caps it.
    let o = slow_create_stream(Duration::from_millis(25), Duration::from_millis(10)).await;
    assert_eq!(o.steps[4].duration, Duration::from_millis(25));
    // A server slower than --settle allows for: the window is --settle, and a drop later than
    // that goes unseen (the operator's bound).
    let o = slow_create_stream(Duration::ZERO, Duration::from_millis(10)).await;
    assert_eq!(o.failure, None);
    assert_eq!(o.steps[4].duration, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn an_error_status_during_the_settle_window_fails_verify() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.publishing().await;
        let bad = on_status(
            "error",
            "NetStream.Publish.BadName",
            "Stream already publishing",
        );
        p.send_command(CSID_STATUS, 1, bad).await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::Verify,
            FailureKind::Rejected,
            "rejected: NetStream.Publish.BadName \"Stream already publishing\""
        )
    );
}

#[tokio::test(start_paused = true)]
async fn the_connect_scenario_stops_after_connect() {
    let cfg = crate::session::SessionConfig {
        mode: Scenario::Connect,
        stream: None,
        ..config()
    };
    let (o, peer) = session(&cfg, |mut p: Peer| async move {
        p.open().await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(o.failure, None);
    assert_eq!(steps(&o), [(Step::Handshake, true), (Step::Connect, true)]);
    assert_eq!(peer.names(), ["connect"]);
}

#[tokio::test(start_paused = true)]
async fn a_connect_refused_with_error_is_rejected_with_the_servers_status() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        let connect = p.command("connect").await;
        let refusal = error_reply(
            connect.transaction_id,
            "NetConnection.Connect.Rejected",
            "[ AccessManager.Reject ] : [ code=400 ] :",
        );
        p.send_command(3, 0, refusal).await;
        p.close().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::Connect,
            FailureKind::Rejected,
            "rejected: NetConnection.Connect.Rejected \"[ AccessManager.Reject ] : [ code=400 ] :\""
        )
    );
    let status = o.failure.as_ref().and_then(|f| f.status.as_ref());
    assert_eq!(
        status.map(|s| s.code.as_str()),
        Some("NetConnection.Connect.Rejected")
    );
    assert_eq!(steps(&o), [(Step::Handshake, true), (Step::Connect, false)]);
}

#[tokio::test(start_paused = true)]
async fn a_close_without_an_answer_to_connect_gives_the_nginx_rtmp_hint() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.handshake().await;
        p.command("connect").await;
        p.close().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::Connect,
            FailureKind::Closed,
            "the server closed the connection without answering connect (nginx-rtmp does this \
             when the application \"live\" does not exist)"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn create_stream_refused_with_error_is_rejected() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.open().await;
        let create = p.command("createStream").await;
        let refusal = error_reply(create.transaction_id, "NetConnection.Call.Failed", "full");
        p.send_command(3, 0, refusal).await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::CreateStream,
            FailureKind::Rejected,
            "rejected: NetConnection.Call.Failed \"full\""
        )
    );
}

#[tokio::test(start_paused = true)]
async fn an_advisory_request_refused_is_a_note_not_a_failure() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.open().await;
        let fc = p.command("FCPublish").await;
        let refusal = error_reply(fc.transaction_id, "NetStream.Publish.Denied", "no");
        p.send_command(3, 0, refusal).await;
        p.serve_create_stream().await;
        p.serve_publish().await;
        p.serve_unpublish().await;
        p
    })
    .await;
    assert_eq!(o.failure, None, "{o:?}");
    assert!(
        o.notes.contains(
            &"the server answered FCPublish with _error NetStream.Publish.Denied (not fatal: it \
              is advisory)"
                .to_string()
        ),
        "{:?}",
        o.notes
    );
}

#[tokio::test(start_paused = true)]
async fn a_create_stream_result_without_a_stream_id_is_an_unexpected_reply() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.open().await;
        let create = p.command("createStream").await;
        let result = crate::protocol::command::Command::new(
            "_result",
            create.transaction_id,
            crate::protocol::amf0::Value::Null,
            vec![],
        );
        p.send_command(3, 0, result).await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::CreateStream,
            FailureKind::UnexpectedReply,
            "createStream's _result carries no valid stream id"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn publish_answered_with_bad_name_is_rejected_even_when_the_server_then_closes() {
    for close_after in [false, true] {
        let (o, _) = session(&config(), |mut p: Peer| async move {
            p.open_stream().await;
            p.command("publish").await;
            let bad = on_status("error", "NetStream.Publish.BadName", "Already publishing");
            p.send_command(CSID_STATUS, 1, bad).await;
            if close_after {
                p.close().await;
            }
            p.hold().await;
            p
        })
        .await;
        assert_eq!(
            failure(&o),
            (
                Step::Publish,
                FailureKind::Rejected,
                "rejected: NetStream.Publish.BadName \"Already publishing\""
            ),
            "close after: {close_after}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_close_after_publish_names_on_publish_only_when_the_server_is_nginx_rtmp() {
    for (fms_ver, expected) in [
        (
            "FMS/3,0,1,123",
            "the server closed the connection without a status for publish (nginx-rtmp does \
             this when its on_publish callback refuses the stream key)",
        ),
        (
            "FMS/3,5,7,7009",
            "the server closed the connection without a status for publish (a server does \
             this when it refuses the stream name or key)",
        ),
    ] {
        let (o, _) = session(&config(), |mut p: Peer| async move {
            p.handshake().await;
            let connect = p.command("connect").await;
            p.send_command(3, 0, connect_result(connect.transaction_id, fms_ver))
                .await;
            p.serve_create_stream().await;
            p.command("publish").await;
            p.close().await;
            p.hold().await;
            p
        })
        .await;
        assert_eq!(
            failure(&o),
            (Step::Publish, FailureKind::Closed, expected),
            "{fms_ver}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_reset_after_publish_is_a_reset_at_publish() {
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.open_stream().await;
        p.command("publish").await;
        p.reset().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::Publish,
            FailureKind::Reset,
            "the connection was reset by the server"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_drops_the_publish_right_after_publish_start_is_caught_at_verify() {
    for reset in [false, true] {
        let (o, _) = session(&config(), |mut p: Peer| async move {
            p.publishing().await;
            if reset {
                p.reset().await;
            } else {
                p.close().await;
                p.hold().await;
            }
            p
        })
        .await;
        let (step, kind, message) = failure(&o);
        assert_eq!(
            (step, kind),
            (Step::Verify, FailureKind::DroppedAfterPublish)
        );
        let expected = if reset {
            "the connection was reset by the server, right after NetStream.Publish.Start \
             (servers do this to refuse unauthorised or duplicate publishers)"
        } else {
            "the server confirmed NetStream.Publish.Start, then dropped the connection (servers \
             do this to refuse unauthorised or duplicate publishers)"
        };
        assert_eq!(message, expected);
    }
}

/// A server that stops answering at `step`, under `-t 1s`: the step times out at exactly 1 s.
async fn silent_at(step: Step) -> Outcome {
    let (o, _) = session(&config(), move |mut p: Peer| async move {
        if step == Step::Handshake {
            p.read_c0_c1().await;
            p.hold().await;
            return p;
        }
        p.handshake().await;
        if step == Step::Connect {
            p.command("connect").await;
            p.hold().await;
            return p;
        }
        p.serve_connect().await;
        if step == Step::CreateStream {
            p.command("createStream").await;
            p.hold().await;
            return p;
        }
        p.serve_create_stream().await;
        p.command("publish").await;
        p.hold().await;
        p
    })
    .await;
    o
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_times_out_at_each_step_after_exactly_the_timeout() {
    for (step, waiting_for) in [
        (Step::Handshake, "the server's S0"),
        (Step::Connect, "the reply to connect"),
        (Step::CreateStream, "the reply to createStream"),
        (Step::Publish, "NetStream.Publish.Start"),
    ] {
        let o = silent_at(step).await;
        let expected = format!("timed out after 1s (--timeout) waiting for {waiting_for}");
        assert_eq!(
            failure(&o),
            (step, FailureKind::Timeout, expected.as_str()),
            "{step:?}"
        );
        let last = o.steps.last().expect("steps");
        assert_eq!((last.step, last.ok), (step, false));
        assert_eq!(
            last.start + last.duration,
            Duration::from_secs(1),
            "{step:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_step_timeout_names_the_step_and_ends_it_at_exactly_that_bound() {
    let cfg = crate::session::SessionConfig {
        timeout: Duration::from_secs(5),
        step_timeout: Some(Duration::from_millis(300)),
        ..config()
    };
    let (o, _) = session(&cfg, |mut p: Peer| async move {
        p.open().await;
        p.command("createStream").await;
        p.hold().await;
        p
    })
    .await;
    assert_eq!(
        failure(&o),
        (
            Step::CreateStream,
            FailureKind::Timeout,
            "timed out after 300ms (--step-timeout) waiting for the reply to createStream"
        )
    );
    let last = o.steps.last().expect("steps");
    assert_eq!(last.duration, Duration::from_millis(300));
}

/// A publish whose server answers everything up to deleteStream, then does `end`.
async fn teardown<F, Fut>(end: F) -> Outcome
where
    F: FnOnce(Peer) -> Fut,
    Fut: std::future::Future<Output = Peer>,
{
    let (o, _) = session(&config(), |mut p: Peer| async move {
        p.publishing().await;
        p.command("deleteStream").await;
        end(p).await
    })
    .await;
    o
}

#[tokio::test(start_paused = true)]
async fn a_teardown_confirmed_or_closed_is_ok_and_says_so() {
    let confirmed = teardown(|mut p: Peer| async move {
        let done = on_status("status", "NetStream.Unpublish.Success", "Stop publishing");
        p.send_command(CSID_STATUS, 1, done).await;
        p.hold().await;
        p
    })
    .await;
    let closed = teardown(|mut p: Peer| async move {
        p.close().await;
        p.hold().await;
        p
    })
    .await;
    for (o, expected) in [(confirmed, Teardown::Confirmed), (closed, Teardown::Closed)] {
        assert_eq!(o.failure, None);
        assert_eq!(o.server.teardown, Some(expected));
        assert_eq!(steps(&o).last(), Some(&(Step::Unpublish, true)));
        assert!(
            !o.notes.iter().any(|n| n.starts_with("teardown")),
            "{:?}",
            o.notes
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_teardown_not_confirmed_or_reset_leaves_the_check_ok_with_a_note() {
    let silent = teardown(|mut p: Peer| async move {
        p.hold().await;
        p
    })
    .await;
    assert_eq!(silent.failure, None);
    assert_eq!(silent.server.teardown, Some(Teardown::NotConfirmed));
    assert_eq!(steps(&silent).last(), Some(&(Step::Unpublish, false)));
    assert_eq!(
        silent.steps.last().map(|r| r.duration),
        Some(Duration::from_millis(200)),
        "--teardown-wait"
    );
    assert!(silent.notes.contains(
        &"teardown not confirmed: timed out after 200ms (--teardown-wait) waiting for \
          NetStream.Unpublish.Success"
            .to_string()
    ));

    let reset = teardown(|mut p: Peer| async move {
        p.reset().await;
        p
    })
    .await;
    assert_eq!(reset.failure, None);
    assert_eq!(reset.server.teardown, Some(Teardown::Reset));
    assert!(reset
        .notes
        .contains(&"teardown not confirmed: the connection was reset by the server".to_string()));
}

#[tokio::test(start_paused = true)]
async fn the_overall_timeout_can_end_verify_before_its_window_does() {
    // createStream answered after 400 ms: the window would be 1.6 s, but -t 1s leaves 600 ms.
    let o = slow_create_stream(Duration::from_secs(10), Duration::from_millis(400)).await;
    assert_eq!(
        failure(&o),
        (
            Step::Verify,
            FailureKind::Timeout,
            "timed out after 1s (--timeout) waiting for the end of the settle window after \
             NetStream.Publish.Start"
        )
    );
    let verify = o.steps.last().expect("steps");
    assert_eq!(verify.start + verify.duration, Duration::from_secs(1));
}
