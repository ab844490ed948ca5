//! What RTMPS costs a check: building the TLS client configuration (once per run; it reads the
//! system trust store) and one TLS handshake against nginx's stream module in front of
//! nginx-rtmp (per target), next to the plain TCP connect it follows.
//!
//! Run with `cargo bench --bench tls` (add `-- --warm-up-time 1 --measurement-time 3` for a
//! quick run). It starts its own nginx-rtmp and TLS front on loopback ports with the test
//! harness (tests/support/), so it needs what the tests need: nginx, libnginx-mod-rtmp and
//! libnginx-mod-stream.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use rtmp_probe::session::tls::{
    client_config, client_config_without_system_store, handshake, TlsOptions,
};
use tokio::net::TcpStream;
use tokio::time::Instant;

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use support::nginx::Nginx;
use support::tls::{Case, Listener, Pki, TlsFront};

fn config(c: &mut Criterion) {
    let pki = Pki::new();
    let mut group = c.benchmark_group("tls_config");
    group.bench_function("client_config (system store)", |b| {
        b.iter(|| black_box(client_config(&TlsOptions::default()).expect("config")))
    });
    group.bench_function("client_config (system store + --ca-file)", |b| {
        let options = TlsOptions {
            ca_files: vec![pki.ca_file()],
            ..TlsOptions::default()
        };
        b.iter(|| black_box(client_config(&options).expect("config")))
    });
    group.bench_function("client_config (--ca-file only, no system store)", |b| {
        let options = TlsOptions {
            ca_files: vec![pki.ca_file()],
            ..TlsOptions::default()
        };
        b.iter(|| black_box(client_config_without_system_store(&options).expect("config")))
    });
    // What rustls-native-certs' own probe would cost: the bundle and every file of
    // /etc/ssl/certs (the store reads the bundle only; docs/DECISIONS.md).
    group.bench_function(
        "load_native_certs (bundle + directories), into a store",
        |b| {
            b.iter(|| {
                let certs = rustls_native_certs::load_native_certs().certs;
                let mut store = rustls::RootCertStore::empty();
                black_box(store.add_parsable_certificates(certs))
            })
        },
    );
    // The parts of the system store's cost: reading and decoding the PEM bundle, then making
    // trust anchors of its certificates.
    let bundle = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt");
    if bundle.is_file() {
        group.bench_function("bundle: read + PEM decode", |b| {
            b.iter(|| {
                black_box(rustls_native_certs::load_certs_from_paths(
                    Some(bundle),
                    None,
                ))
            })
        });
        let certs = rustls_native_certs::load_certs_from_paths(Some(bundle), None).certs;
        group.bench_function("bundle: certificates into trust anchors", |b| {
            b.iter(|| {
                let mut store = rustls::RootCertStore::empty();
                black_box(store.add_parsable_certificates(certs.iter().cloned()))
            })
        });
    }
    group.finish();
}

fn handshakes(c: &mut Criterion) {
    let rtmp = Nginx::start();
    let pki = Pki::new();
    let front = TlsFront::start_with(&pki, rtmp.rtmp_port(), &[Listener::Cert(Case::Good)]);
    let port = front.cert_port(Case::Good);
    let config = client_config(&TlsOptions {
        ca_files: vec![pki.ca_file()],
        ..TlsOptions::default()
    })
    .expect("config");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("tls_handshake");
    group.bench_function("tcp connect only (nginx front)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                black_box(TcpStream::connect(("127.0.0.1", port)).await.expect("tcp"))
            })
        })
    });
    group.bench_function("tcp connect + TLS handshake (nginx front, verified)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let tcp = TcpStream::connect(("127.0.0.1", port)).await.expect("tcp");
                let deadline = Instant::now() + Duration::from_secs(5);
                let (stream, info) = handshake(tcp, &config, "localhost", deadline)
                    .await
                    .expect("handshake");
                assert!(info.verified);
                black_box((stream, info.days_left(SystemTime::now())))
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = config, handshakes
}
criterion_main!(benches);
