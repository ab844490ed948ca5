//! Tests of the client's transactions: replies are built by hand (the names and objects real
//! servers send), never by the client itself.

use super::*;
use crate::protocol::amf0::Value;

fn obj(properties: &[(&str, Value)]) -> Value {
    Value::Object(
        properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn status(level: &str, code: &str) -> Value {
    obj(&[
        ("level", level.into()),
        ("code", code.into()),
        ("description", "said the server".into()),
    ])
}

fn reply(name: &str, tx: f64, object: Value, args: Vec<Value>) -> Command {
    Command::new(name, tx, object, args)
}

fn nginx_connect_result(tx: f64) -> Command {
    reply(
        "_result",
        tx,
        obj(&[
            ("fmsVer", "FMS/3,0,1,123".into()),
            ("capabilities", 31.0.into()),
        ]),
        vec![status("status", "NetConnection.Connect.Success")],
    )
}

fn command_of(out: &Outgoing) -> &Command {
    match &out.message {
        Message::Command { command, .. } => command,
        other => panic!("not a command: {other:?}"),
    }
}

/// A client that is connected and sent releaseStream, FCPublish and createStream, as a publisher
/// does.
fn publishing() -> Client {
    let mut c = Client::new();
    c.connect(vec![]);
    c.on_command(0, nginx_connect_result(1.0));
    c.release_stream("key");
    c.fc_publish("key");
    c.create_stream();
    c
}

#[test]
fn transaction_ids_count_from_1_in_ffmpegs_order_and_close_stream_has_none() {
    let mut c = Client::new();
    let sent = [
        c.connect(vec![]),
        c.release_stream("key"),
        c.fc_publish("key"),
        c.create_stream(),
        c.publish(1, "key", "live"),
        c.fc_unpublish("key"),
        c.close_stream(1),
        c.delete_stream(1),
    ];
    let ids: Vec<(&str, f64)> = sent
        .iter()
        .map(|o| {
            let c = command_of(o);
            (c.name.as_str(), c.transaction_id)
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("connect", 1.0),
            ("releaseStream", 2.0),
            ("FCPublish", 3.0),
            ("createStream", 4.0),
            ("publish", 5.0),
            ("FCUnpublish", 6.0),
            ("closeStream", 0.0),
            ("deleteStream", 7.0),
        ]
    );
}

#[test]
fn commands_go_on_ffmpegs_chunk_streams_and_the_right_message_stream() {
    let mut c = Client::new();
    let places = |o: &Outgoing| (o.csid, o.stream_id, o.timestamp);
    assert_eq!(places(&c.connect(vec![])), (3, 0, None));
    assert_eq!(places(&c.create_stream()), (3, 0, None));
    assert_eq!(places(&c.publish(7, "key", "live")), (8, 7, None));
    assert_eq!(places(&c.play(7, "key")), (8, 7, None));
    assert_eq!(places(&c.play_from(7, "key", -1000.0)), (8, 7, None));
    assert_eq!(places(&c.set_buffer_length(7, 3000)), (2, 0, None));
    assert_eq!(places(&c.close_stream(7)), (8, 7, None));
    assert_eq!(places(&c.delete_stream(7)), (3, 0, None));
    let data = c.set_data_frame(7, vec![("duration".into(), 0.0.into())]);
    assert_eq!(places(&data), (4, 7, Some(0)));
    assert_eq!(data.message.type_id(), 18);
    let Message::Data { values, .. } = &data.message else {
        panic!("not data: {data:?}");
    };
    assert_eq!(values[0], Value::from("@setDataFrame"));
    assert_eq!(values[1], Value::from("onMetaData"));
    // The arguments: deleteStream names the stream, publish gives name and type.
    assert_eq!(
        command_of(&c.delete_stream(7)).arguments,
        [Value::Number(7.0)]
    );
    assert_eq!(
        command_of(&c.publish(1, "key?t=1", "live")).arguments,
        [Value::from("key?t=1"), Value::from("live")]
    );
}

#[test]
fn a_connect_result_is_accepted_with_its_command_object() {
    let mut c = Client::new();
    c.connect(vec![]);
    let r = c.on_command(0, nginx_connect_result(1.0));
    let Event::Connected { properties } = &r.event else {
        panic!("{r:?}");
    };
    assert_eq!(
        properties.get("fmsVer").and_then(Value::as_str),
        Some("FMS/3,0,1,123")
    );
    assert_eq!(r.name, "_result");
    assert!(r.has_code("NetConnection.Connect.Success"));
    assert_eq!(r.error_status(), None);
    assert_eq!(c.pending().count(), 0);
}

#[test]
fn connect_is_refused_by_error_or_by_a_result_with_an_error_status() {
    let mut c = Client::new();
    c.connect(vec![]);
    let r = c.on_command(
        0,
        reply(
            "_error",
            1.0,
            Value::Null,
            vec![status("error", "NetConnection.Connect.Rejected")],
        ),
    );
    assert_eq!(r.event, Event::Refused(Request::Connect));
    assert_eq!(
        r.error_status().map(|s| s.code.as_str()),
        Some("NetConnection.Connect.Rejected")
    );

    let mut c = Client::new();
    c.connect(vec![]);
    let r = c.on_command(
        0,
        reply(
            "_result",
            1.0,
            Value::Null,
            vec![status("error", "NetConnection.Connect.Rejected")],
        ),
    );
    assert_eq!(r.event, Event::Refused(Request::Connect));

    // An _error without any status object still refuses.
    let mut c = Client::new();
    c.connect(vec![]);
    let r = c.on_command(0, reply("_error", 1.0, Value::Null, vec![]));
    assert_eq!(r.event, Event::Refused(Request::Connect));
    assert_eq!(r.status, None);
}

#[test]
fn create_stream_results_give_the_stream_id_or_say_there_is_none() {
    let cases: [(Vec<Value>, Event); 8] = [
        (vec![1.0.into()], Event::StreamCreated { stream_id: 1 }),
        (vec![1.5.into()], Event::StreamCreated { stream_id: 1 }),
        (
            vec![f64::from(u32::MAX).into()],
            Event::StreamCreated {
                stream_id: u32::MAX,
            },
        ),
        (vec![], Event::NoStreamId),
        (vec!["one".into()], Event::NoStreamId),
        (vec![(-1.0).into()], Event::NoStreamId),
        (vec![f64::NAN.into()], Event::NoStreamId),
        (vec![(f64::from(u32::MAX) + 1.0).into()], Event::NoStreamId),
    ];
    for (args, expected) in cases {
        let mut c = publishing();
        let r = c.on_command(0, reply("_result", 4.0, Value::Null, args.clone()));
        assert_eq!(r.event, expected, "{args:?}");
    }
    let mut c = publishing();
    let r = c.on_command(0, reply("_error", 4.0, Value::Null, vec![]));
    assert_eq!(r.event, Event::Refused(Request::CreateStream));
}

#[test]
fn replies_are_matched_by_transaction_id_in_any_order_and_only_once() {
    let mut c = publishing();
    // A stray _result for a transaction never sent is no answer to anything.
    let r = c.on_command(0, reply("_result", 99.0, Value::Null, vec![7.0.into()]));
    assert_eq!(r.event, Event::Other);
    assert_eq!(
        c.on_command(0, reply("_result", 4.0, Value::Null, vec![1.0.into()]))
            .event,
        Event::StreamCreated { stream_id: 1 }
    );
    // FCPublish refused after createStream was answered: matched to FCPublish.
    let r = c.on_command(0, reply("_error", 3.0, Value::Null, vec![]));
    assert_eq!(r.event, Event::Refused(Request::FcPublish));
    assert!(Request::FcPublish.is_advisory());
    // The same transaction again is no longer pending.
    let r = c.on_command(0, reply("_result", 4.0, Value::Null, vec![2.0.into()]));
    assert_eq!(r.event, Event::Other);
    // releaseStream was never answered (nginx-rtmp answers neither of them).
    assert_eq!(c.pending().collect::<Vec<_>>(), [Request::ReleaseStream]);
    // A NaN transaction id matches nothing.
    let r = c.on_command(0, reply("_result", f64::NAN, Value::Null, vec![]));
    assert_eq!(r.event, Event::Other);
    assert_eq!(c.pending().count(), 1);
}

#[test]
fn an_answer_to_another_pending_request_says_which() {
    let mut c = Client::new();
    c.fc_unpublish("key");
    c.delete_stream(1);
    let r = c.on_command(0, reply("_result", 2.0, Value::Null, vec![]));
    assert_eq!(
        r.event,
        Event::Answered(Request::DeleteStream { stream_id: 1 })
    );
    let r = c.on_command(0, reply("_result", 1.0, Value::Null, vec![]));
    assert_eq!(r.event, Event::Answered(Request::FcUnpublish));
}

#[test]
fn on_status_is_tied_to_the_publish_pending_on_its_message_stream() {
    let mut c = publishing();
    c.on_command(0, reply("_result", 4.0, Value::Null, vec![1.0.into()]));
    c.publish(1, "key", "live");
    let start = reply(
        "onStatus",
        0.0,
        Value::Null,
        vec![status("status", "NetStream.Publish.Start")],
    );
    let r = c.on_command(1, start.clone());
    assert_eq!(
        r.event,
        Event::Status {
            stream_id: 1,
            request: Some(Request::Publish { stream_id: 1 })
        }
    );
    assert!(r.has_code("NetStream.Publish.Start"));
    assert_eq!(r.name, "onStatus");
    // On another message stream (node-media-server sends on its own), no request is named.
    let r = c.on_command(5, start);
    assert_eq!(
        r.event,
        Event::Status {
            stream_id: 5,
            request: None
        }
    );
    let bad = reply(
        "onStatus",
        0.0,
        Value::Null,
        vec![status("error", "NetStream.Publish.BadName")],
    );
    let r = c.on_command(1, bad);
    assert_eq!(
        r.error_status().map(|s| s.code.as_str()),
        Some("NetStream.Publish.BadName")
    );
}

#[test]
fn commands_the_client_has_no_use_for_are_other() {
    let mut c = publishing();
    for name in ["onBWDone", "_checkbw", "onFCPublish", "close", ""] {
        let r = c.on_command(0, reply(name, 0.0, Value::Null, vec![]));
        assert_eq!(r.event, Event::Other, "{name:?}");
    }
    assert_eq!(c.pending().count(), 3, "nothing settled");
}

#[test]
fn request_names_are_the_command_names() {
    let names: Vec<&str> = [
        Request::Connect,
        Request::ReleaseStream,
        Request::FcPublish,
        Request::CreateStream,
        Request::Publish { stream_id: 1 },
        Request::Play { stream_id: 1 },
        Request::FcUnpublish,
        Request::DeleteStream { stream_id: 1 },
    ]
    .iter()
    .map(|r| r.command_name())
    .collect();
    assert_eq!(
        names,
        [
            "connect",
            "releaseStream",
            "FCPublish",
            "createStream",
            "publish",
            "play",
            "FCUnpublish",
            "deleteStream"
        ]
    );
}
