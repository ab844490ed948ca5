//! Tests of the test harness itself: the private nginx, the fake servers, the ports and the runner.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::fake::{self, FakeServer, HANDSHAKE_SIZE, RTMP_VERSION};
use crate::support::nginx::Nginx;
use crate::support::probe::{self, ProbeOutput};
use crate::support::{closed_port, free_port};

fn connect(port: u16) -> std::io::Result<TcpStream> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(stream)
}

#[test]
fn nginx_accepts_rtmp_connections_on_its_private_port() {
    let nginx = Nginx::start();
    assert_ne!(
        nginx.rtmp_port(),
        1935,
        "the private nginx must not use the default RTMP port"
    );
    let stream = connect(nginx.rtmp_port());
    assert!(
        stream.is_ok(),
        "connect to the RTMP port: {stream:?}\n{}",
        nginx.error_log()
    );
}

#[test]
fn nginx_answers_a_plain_rtmp_handshake() {
    let nginx = Nginx::start();
    let mut stream = connect(nginx.rtmp_port()).expect("connect to the RTMP port");
    let mut c0c1 = vec![RTMP_VERSION];
    c0c1.extend_from_slice(&[0; 8]);
    c0c1.extend((0..HANDSHAKE_SIZE - 8).map(|i| (i * 7 % 256) as u8));
    stream.write_all(&c0c1).expect("send C0+C1");

    let mut s0s1s2 = vec![0; 1 + 2 * HANDSHAKE_SIZE];
    stream
        .read_exact(&mut s0s1s2)
        .unwrap_or_else(|e| panic!("read S0+S1+S2: {e}\n{}", nginx.error_log()));
    assert_eq!(s0s1s2[0], RTMP_VERSION, "S0");
    assert_eq!(
        &s0s1s2[1 + HANDSHAKE_SIZE..],
        &c0c1[1..],
        "S2 must echo C1 in the plain handshake"
    );
}

#[test]
fn nginx_serves_rtmp_stat_as_xml_on_its_http_port() {
    let nginx = Nginx::start();
    let response = nginx.http_get("/stat");
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response.body.starts_with("<?xml"),
        "not XML: {}",
        response.body
    );
    assert!(response.body.contains("<rtmp>"), "{}", response.body);
    assert!(
        response.body.contains("<nginx_rtmp_version>"),
        "{}",
        response.body
    );
}

#[test]
fn nginx_stat_lists_the_live_and_auth_applications_and_added_ones() {
    let nginx = Nginx::builder()
        .application("closed", "live on; deny publish all;")
        .rtmp_server_directive("chunk_size 128;")
        .start();
    let stat = nginx.stat();
    for app in ["live", "auth", "closed"] {
        assert!(
            stat.contains(&format!("<name>{app}</name>")),
            "application {app} missing from /stat:\n{stat}"
        );
    }
}

#[test]
fn nginx_auth_location_accepts_the_secret_key_and_refuses_others() {
    let nginx = Nginx::start();
    assert_eq!(nginx.http_get("/auth?key=secret").status, 200);
    assert_eq!(nginx.http_get("/auth?key=nope").status, 403);
    assert_eq!(nginx.http_get("/auth").status, 403);
    // What on_publish sends with notify_method get: the publish arguments in the query string.
    assert_eq!(
        nginx
            .http_get("/auth?app=auth&name=stream&key=secret&call=publish")
            .status,
        200
    );
}

#[test]
fn two_nginx_instances_run_at_once_on_different_ports() {
    let first = Nginx::start();
    let second = Nginx::start();
    let ports = [
        first.rtmp_port(),
        first.http_port(),
        second.rtmp_port(),
        second.http_port(),
    ];
    for (i, a) in ports.iter().enumerate() {
        for b in &ports[i + 1..] {
            assert_ne!(a, b, "ports {ports:?} must all differ");
        }
    }
    assert_ne!(first.pid(), second.pid());
    assert_ne!(first.prefix(), second.prefix());
    for nginx in [&first, &second] {
        connect(nginx.rtmp_port()).expect("connect to the RTMP port");
        assert_eq!(nginx.http_get("/stat").status, 200);
    }
}

#[test]
fn nginx_process_and_prefix_are_gone_after_drop() {
    let nginx = Nginx::start();
    let pid = nginx.pid();
    let prefix = nginx.prefix().to_path_buf();
    let port = nginx.rtmp_port();
    let proc_entry = format!("/proc/{pid}");
    assert!(Path::new(&proc_entry).exists(), "nginx {pid} is running");
    assert!(prefix.join("nginx.conf").is_file());

    let stopping = Instant::now();
    drop(nginx);
    let stop_time = stopping.elapsed();

    // Reaped, not a zombie: a zombie keeps its /proc entry until waited for.
    assert!(
        !Path::new(&proc_entry).exists(),
        "nginx {pid} still exists after drop"
    );
    assert!(!prefix.exists(), "prefix {} not removed", prefix.display());
    assert!(
        connect(port).is_err(),
        "port {port} still accepts after drop"
    );
    assert!(
        stop_time < Duration::from_secs(1),
        "stopping nginx took {stop_time:?}: SIGQUIT should end it at once"
    );
}

#[test]
fn nginx_stops_at_once_even_with_a_client_connected() {
    let nginx = Nginx::start();
    let _client = connect(nginx.rtmp_port()).expect("connect to the RTMP port");
    let stopping = Instant::now();
    drop(nginx);
    assert!(
        stopping.elapsed() < Duration::from_secs(1),
        "stopping nginx with a client connected took {:?}",
        stopping.elapsed()
    );
}

#[test]
fn nginx_starts_and_stops_in_well_under_a_second() {
    let started = Instant::now();
    let nginx = Nginx::start();
    let start_time = started.elapsed();
    let stopping = Instant::now();
    drop(nginx);
    let stop_time = stopping.elapsed();
    eprintln!("nginx start {start_time:?}, stop {stop_time:?}");
    assert!(
        start_time < Duration::from_secs(5),
        "start took {start_time:?}"
    );
    assert!(
        stop_time < Duration::from_secs(1),
        "stop took {stop_time:?}"
    );
}

#[test]
fn nginx_error_log_shows_its_startup() {
    let nginx = Nginx::start();
    let log = nginx.error_log();
    assert!(log.contains("nginx/"), "{log}");
}

#[test]
fn nginx_url_names_the_private_port_app_and_stream() {
    let nginx = Nginx::start();
    assert_eq!(
        nginx.url("live", "probe"),
        format!("rtmp://127.0.0.1:{}/live/probe", nginx.rtmp_port())
    );
}

#[test]
fn fake_server_runs_its_script_and_the_client_sees_the_bytes() {
    let (sender, received_c2) = mpsc::channel();
    let server = FakeServer::start(move |mut stream| {
        let (c0, c1) = fake::read_handshake(&mut stream).expect("read C0+C1");
        assert_eq!(c0, RTMP_VERSION);
        fake::write_plain_handshake_reply(&mut stream, &c1).expect("write S0+S1+S2");
        let c2 = fake::read_c2(&mut stream).expect("read C2");
        sender.send(c2).expect("report C2");
        stream.write_all(b"after the handshake").expect("write");
    });

    let mut client = connect(server.port()).expect("connect to the fake server");
    let c1: Vec<u8> = (0..HANDSHAKE_SIZE).map(|i| (i % 13) as u8).collect();
    client.write_all(&[RTMP_VERSION]).expect("send C0");
    client.write_all(&c1).expect("send C1");
    let mut reply = vec![0; 1 + 2 * HANDSHAKE_SIZE];
    client.read_exact(&mut reply).expect("read S0+S1+S2");
    assert_eq!(reply[0], RTMP_VERSION);
    assert_eq!(&reply[1..1 + HANDSHAKE_SIZE], fake::plain_s1().as_slice());
    assert_eq!(&reply[1 + HANDSHAKE_SIZE..], c1.as_slice(), "S2 echoes C1");
    let s1 = reply[1..1 + HANDSHAKE_SIZE].to_vec();
    client.write_all(&s1).expect("send C2");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).expect("read to the close");
    assert_eq!(rest, b"after the handshake");

    assert_eq!(received_c2.recv().expect("C2 from the script"), s1);
    assert_eq!(server.join(), 1);
}

#[test]
fn fake_server_closes_connections_beyond_its_scripts() {
    let server = FakeServer::start_n(2, |mut stream| {
        stream.write_all(b"hello").expect("write");
    });
    for _ in 0..2 {
        let mut client = connect(server.port()).expect("connect");
        let mut bytes = Vec::new();
        client.read_to_end(&mut bytes).expect("read");
        assert_eq!(bytes, b"hello");
    }
    let mut third = connect(server.port()).expect("the third connection is accepted");
    let mut bytes = Vec::new();
    let read = third.read_to_end(&mut bytes);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "the third connection must be closed without data: {read:?} {bytes:?}"
    );
    assert_eq!(server.join(), 3);
}

#[test]
fn fake_server_refuses_connections_after_drop() {
    let server = FakeServer::start(|_stream| {});
    let port = server.port();
    drop(server);
    // A child that another test thread is spawning at this moment may hold a copy of the listening
    // socket until its exec closes it, so "refused" can take a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match connect(port) {
            Err(error) => {
                assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
                break;
            }
            Ok(stream) => assert!(
                Instant::now() < deadline,
                "port {port} still accepts 2 s after drop: {:?}",
                stream.peer_addr()
            ),
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn fake_server_scripts_read_with_a_deadline() {
    let (sender, outcome) = mpsc::channel();
    let server = FakeServer::start(move |mut stream| {
        let started = Instant::now();
        let read = fake::read_exact_timeout(&mut stream, 10, Duration::from_millis(100));
        sender.send((read, started.elapsed())).expect("report");
        // The stream's own 30 s timeout is back after the read.
        assert_eq!(
            stream.read_timeout().expect("read timeout"),
            Some(fake::SCRIPT_IO_TIMEOUT)
        );
    });
    let _silent_client = connect(server.port()).expect("connect");
    let (read, elapsed) = outcome
        .recv_timeout(Duration::from_secs(10))
        .expect("script outcome");
    assert!(read.is_err(), "a silent client gives no bytes: {read:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    server.join();
}

#[test]
#[should_panic(expected = "fake server script #0 panicked: the script failed")]
fn fake_server_join_fails_the_test_when_a_script_panicked() {
    let server = FakeServer::start(|_stream| panic!("the script failed"));
    let _client = connect(server.port()).expect("connect");
    server.join();
}

#[test]
fn fake_server_join_still_serves_a_connection_made_just_before() {
    for _ in 0..20 {
        let server = FakeServer::start(|mut stream| stream.write_all(b"hi").expect("write"));
        let mut client = connect(server.port()).expect("connect");
        assert_eq!(server.join(), 1, "the connection was counted");
        let mut bytes = Vec::new();
        client.read_to_end(&mut bytes).expect("read");
        assert_eq!(bytes, b"hi");
    }
}

#[test]
fn closed_port_refuses_connections() {
    let port = closed_port();
    let error = connect(port).expect_err("nothing listens on a closed port");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn free_port_can_be_bound() {
    let port = free_port();
    assert_ne!(port, 0);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the free port");
}

#[test]
fn probe_binary_is_built_for_the_tests() {
    assert!(
        Path::new(probe::BINARY).is_file(),
        "{} missing",
        probe::BINARY
    );
}

#[test]
fn runner_collects_exit_code_stdout_and_stderr() {
    let output = probe::run_program(
        "sh",
        &["-c", "echo out; echo \"$GREETING\" >&2; exit 3"],
        &[("GREETING", "err")],
        Duration::from_secs(10),
    );
    assert_eq!(output.code, 3, "{output}");
    assert_eq!(output.signal, None);
    assert!(!output.timed_out);
    assert_eq!(output.stdout, "out\n");
    assert_eq!(output.stderr, "err\n");
    output.assert_exited();
}

#[test]
fn runner_kills_a_program_that_outlives_its_deadline() {
    let output = probe::run_program("sleep", &["5"], &[], Duration::from_millis(200));
    assert!(output.timed_out, "{output}");
    assert_eq!(output.code, -1, "{output}");
    assert_eq!(output.signal, Some(9), "killed with SIGKILL: {output}");
    assert!(
        output.elapsed >= Duration::from_millis(200) && output.elapsed < Duration::from_secs(3),
        "elapsed {:?}",
        output.elapsed
    );
    assert!(
        output
            .to_string()
            .contains("killed by the test runner at its deadline"),
        "{output}"
    );
}

#[test]
fn runner_reports_a_signal_death_clearly() {
    let output = probe::run_program("sh", &["-c", "kill -SEGV $$"], &[], Duration::from_secs(10));
    assert_eq!(output.code, -1, "{output}");
    assert_eq!(output.signal, Some(11), "{output}");
    assert!(!output.timed_out);
    assert!(
        output.to_string().contains("killed by signal 11 (SIGSEGV)"),
        "{output}"
    );
}

#[test]
#[should_panic(
    expected = "died of a signal instead of exiting with a code: killed by signal 6 (SIGABRT)"
)]
fn runner_fails_the_test_when_the_program_died_of_a_signal() {
    let output: ProbeOutput =
        probe::run_program("sh", &["-c", "kill -ABRT $$"], &[], Duration::from_secs(10));
    output.assert_exited();
}

#[test]
#[should_panic(expected = "did not exit in time and was killed")]
fn runner_fails_the_test_when_the_program_hung() {
    probe::run_program("sleep", &["5"], &[], Duration::from_millis(100)).assert_exited();
}
