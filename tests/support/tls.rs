//! Real TLS for the RTMPS tests: certificates made at test time with rcgen (a test CA and the
//! leaves each case needs), and a private nginx with the stream module terminating TLS in front of
//! a test's nginx-rtmp, one `server` block (one port) per certificate case.
//!
//! rcgen rather than `openssl ca`: the certificates are made in-process in a few milliseconds,
//! with any validity window (an expired leaf is just a `not_after` in the past), and no config
//! file or serial database. The one certificate made by openssl, for a parser test that must not
//! share rcgen's encoding, is a committed fixture (tests/fixtures/tls/README.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use tempfile::TempDir;

use super::free_port;
use super::nginx::{
    find_nginx, read_lossy, spawn, stop, wait_until_ready, Nginx, Startup, INSTALL_HINT,
};

/// Where Debian's libnginx-mod-stream puts the module.
pub const STREAM_MODULE: &str = "/usr/lib/nginx/modules/ngx_stream_module.so";

/// The test CA's common name, as messages name it.
pub const CA_NAME: &str = "rtmp-probe test CA";

const DAY: Duration = Duration::from_secs(86_400);
const START_DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(2);

/// The certificate cases, each a file pair in the [`Pki`] and a port of the [`TlsFront`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Case {
    /// localhost and 127.0.0.1, signed by the test CA, valid from yesterday for 90 days.
    Good,
    /// localhost and 127.0.0.1, signed by the CA, valid 2020-01-01 to 2021-01-01.
    Expired,
    /// localhost and 127.0.0.1, signed by the CA, valid from 2040-01-01.
    NotYetValid,
    /// other.example and www.other.example, signed by the CA.
    WrongName,
    /// localhost and 127.0.0.1, self-signed.
    SelfSigned,
    /// A leaf (60 days) signed by an intermediate (10 days) signed by the CA; the server sends both.
    Chain,
}

impl Case {
    pub const ALL: [Case; 6] = [
        Case::Good,
        Case::Expired,
        Case::NotYetValid,
        Case::WrongName,
        Case::SelfSigned,
        Case::Chain,
    ];

    fn file_stem(self) -> &'static str {
        match self {
            Case::Good => "good",
            Case::Expired => "expired",
            Case::NotYetValid => "not-yet-valid",
            Case::WrongName => "wrong-name",
            Case::SelfSigned => "self-signed",
            Case::Chain => "chain",
        }
    }
}

/// Fixed dates of the expired and not-yet-valid leaves, as messages print them.
pub const EXPIRED_NOT_AFTER: &str = "2021-01-01T00:00:00Z";
pub const NOT_YET_VALID_NOT_BEFORE: &str = "2040-01-01T00:00:00Z";

/// A test CA and a leaf for every [`Case`], as PEM files in a temporary directory.
pub struct Pki {
    dir: TempDir,
    /// When the certificates were made (the good leaf's validity counts from here).
    pub made: SystemTime,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::Builder::new()
            .prefix("rtmp-probe-pki-")
            .tempdir()
            .expect("create a temporary directory for the test PKI");
        let made = SystemTime::now();
        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.distinguished_name = name(CA_NAME);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = (made - DAY).into();
        ca.not_after = (made + 365 * DAY).into();
        let ca_cert = ca.self_signed(&ca_key).expect("self-sign the CA");
        write(dir.path(), "ca.pem", &ca_cert.pem());
        let issuer = Issuer::new(ca, ca_key);

        let local = ["localhost", "127.0.0.1"];
        let leaves: [(Case, &[&str], SystemTime, SystemTime); 3] = [
            (Case::Good, &local, made - DAY, made + 90 * DAY),
            (
                Case::Expired,
                &local,
                unix(1_577_836_800),
                unix(1_609_459_200),
            ),
            (
                Case::NotYetValid,
                &local,
                unix(2_208_988_800),
                unix(2_240_611_200),
            ),
        ];
        for (case, names, not_before, not_after) in leaves {
            let (cert, key) = leaf(names, not_before, not_after, Some(&issuer));
            write_case(dir.path(), case, &cert, &key);
        }
        let other = ["other.example", "www.other.example"];
        let (cert, key) = leaf(&other, made - DAY, made + 90 * DAY, Some(&issuer));
        write_case(dir.path(), Case::WrongName, &cert, &key);
        let (cert, key) = leaf(&local, made - DAY, made + 90 * DAY, None);
        write_case(dir.path(), Case::SelfSigned, &cert, &key);

        let mid_key = KeyPair::generate().expect("generate the intermediate's key");
        let mut mid = CertificateParams::new(Vec::<String>::new()).expect("intermediate params");
        mid.distinguished_name = name("rtmp-probe test intermediate");
        mid.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        mid.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        mid.not_before = (made - DAY).into();
        mid.not_after = (made + 10 * DAY).into();
        let mid_cert = mid
            .signed_by(&mid_key, &issuer)
            .expect("sign the intermediate");
        let mid_issuer = Issuer::new(mid, mid_key);
        let (cert, key) = leaf(&local, made - DAY, made + 60 * DAY, Some(&mid_issuer));
        write_case(dir.path(), Case::Chain, &(cert + &mid_cert.pem()), &key);
        Pki { dir, made }
    }

    /// The test CA's certificate (PEM), for `--ca-file`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The certificate file (leaf first, then any intermediate) of a case.
    pub fn cert_file(&self, case: Case) -> PathBuf {
        self.dir.path().join(format!("{}.pem", case.file_stem()))
    }

    /// The private key of a case's leaf.
    pub fn key_file(&self, case: Case) -> PathBuf {
        self.dir.path().join(format!("{}.key", case.file_stem()))
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// 2020-01-01 is 1_577_836_800 (`date -ud 2020-01-01 +%s`).
fn unix(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "rtmp-probe tests");
    dn
}

/// A server leaf for `names` (DNS names and IP addresses), signed by `issuer` or self-signed;
/// its PEM certificate and key.
fn leaf(
    names: &[&str],
    not_before: SystemTime,
    not_after: SystemTime,
    issuer: Option<&Issuer<'_, KeyPair>>,
) -> (String, String) {
    let key = KeyPair::generate().expect("generate a leaf key");
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_string()).collect::<Vec<_>>())
            .expect("leaf params");
    params.distinguished_name = name(names.first().copied().unwrap_or("leaf"));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = not_before.into();
    params.not_after = not_after.into();
    let cert = match issuer {
        Some(issuer) => params.signed_by(&key, issuer),
        None => params.self_signed(&key),
    }
    .expect("make a leaf certificate");
    (cert.pem(), key.serialize_pem())
}

fn write_case(dir: &Path, case: Case, cert: &str, key: &str) {
    write(dir, &format!("{}.pem", case.file_stem()), cert);
    write(dir, &format!("{}.key", case.file_stem()), key);
}

fn write(dir: &Path, file: &str, text: &str) {
    fs::write(dir.join(file), text).unwrap_or_else(|e| panic!("write {file}: {e}"));
}

/// A private nginx-rtmp, the test PKI and the TLS front proxying to it, every listener.
pub struct TlsRig {
    pub front: TlsFront,
    pub pki: Pki,
    pub rtmp: Nginx,
}

impl TlsRig {
    pub fn start() -> TlsRig {
        let rtmp = Nginx::start();
        let pki = Pki::new();
        let front = TlsFront::start(&pki, rtmp.rtmp_port());
        TlsRig { front, pki, rtmp }
    }
}

/// What one TLS listener of the front serves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Listener {
    /// A certificate case, TLS 1.2 and 1.3.
    Cert(Case),
    /// The good certificate, but TLS 1.1 only (with the ciphers OpenSSL 3 allows for it at
    /// security level 0).
    Tls11Only,
    /// The good certificate, TLS 1.2 with one CBC cipher suite that rustls does not implement:
    /// OpenSSL finds no shared cipher and answers with a handshake_failure alert.
    /// (`ssl_reject_handshake` would give unrecognized_name, but nginx 1.22's stream module lacks
    /// it; `ssl_verify_client on` does not refuse in the handshake, nginx closes afterwards.)
    OldCipherOnly,
}

/// A private nginx with the stream module: one TLS `server` per [`Listener`], each proxying to
/// `127.0.0.1:backend` (the test's nginx-rtmp). Stopped and cleaned up on drop.
pub struct TlsFront {
    child: Child,
    ports: BTreeMap<Listener, u16>,
    prefix: TempDir,
}

impl TlsFront {
    /// Every certificate case, the TLS 1.1-only listener and the rejecting one.
    pub fn start(pki: &Pki, backend: u16) -> TlsFront {
        let mut listeners: Vec<Listener> = Case::ALL.iter().copied().map(Listener::Cert).collect();
        listeners.push(Listener::Tls11Only);
        listeners.push(Listener::OldCipherOnly);
        TlsFront::start_with(pki, backend, &listeners)
    }

    /// Panics (never skips) if nginx or its stream module is missing or nginx does not come up.
    pub fn start_with(pki: &Pki, backend: u16, listeners: &[Listener]) -> TlsFront {
        let nginx = find_nginx();
        if !Path::new(STREAM_MODULE).is_file() {
            panic!(
                "the nginx stream module {STREAM_MODULE} is missing: {INSTALL_HINT} \
                 libnginx-mod-stream"
            );
        }
        for _ in 0..5 {
            if let Some(front) = attempt(&nginx, pki, backend, listeners) {
                return front;
            }
        }
        panic!("the TLS front could not bind its ports in 5 attempts (address already in use)");
    }

    /// The loopback port of a listener.
    pub fn port(&self, listener: Listener) -> u16 {
        *self
            .ports
            .get(&listener)
            .unwrap_or_else(|| panic!("the front has no {listener:?} listener"))
    }

    pub fn cert_port(&self, case: Case) -> u16 {
        self.port(Listener::Cert(case))
    }

    /// The stream access log: one line per finished connection, `port=P protocol=TLSv1.3`.
    pub fn access_log(&self) -> String {
        read_lossy(&self.prefix.path().join("stream-access.log"))
    }

    /// Waits (up to 5 s) for an access log line for `port`, for connections already closed.
    pub fn wait_for_log_line(&self, port: u16) -> String {
        let started = Instant::now();
        loop {
            let log = self.access_log();
            if let Some(line) = log.lines().find(|l| l.contains(&format!("port={port} "))) {
                return line.to_string();
            }
            if started.elapsed() > Duration::from_secs(5) {
                panic!("no access log line for port {port} in 5 s; the log:\n{log}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn error_log(&self) -> String {
        read_lossy(&self.prefix.path().join("error.log"))
    }

    /// SIGKILL: the kernel closes its connections with a FIN and no TLS close_notify.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

fn attempt(nginx: &Path, pki: &Pki, backend: u16, listeners: &[Listener]) -> Option<TlsFront> {
    let prefix = tempfile::Builder::new()
        .prefix("rtmp-probe-tls-front-")
        .tempdir()
        .expect("create a temporary nginx prefix");
    let mut ports = BTreeMap::new();
    for listener in listeners {
        let mut port = free_port();
        while port == backend || ports.values().any(|p| *p == port) {
            port = free_port();
        }
        ports.insert(listener.clone(), port);
    }
    let dir = prefix.path();
    let config_path = dir.join("nginx.conf");
    fs::write(&config_path, config(dir, pki, backend, &ports)).expect("write nginx.conf");
    let child = spawn(nginx, dir, &config_path);
    let listening: Vec<u16> = ports.values().copied().collect();
    let mut front = TlsFront {
        child,
        ports,
        prefix,
    };
    match wait_until_ready(&mut front.child, front.prefix.path(), &listening) {
        Startup::Ready => Some(front),
        Startup::AddressInUse(_) => None,
    }
}

fn config(dir: &Path, pki: &Pki, backend: u16, ports: &BTreeMap<Listener, u16>) -> String {
    let p = dir.display();
    let mut servers = String::new();
    for (listener, port) in ports {
        let (case, directives) = match listener {
            Listener::Cert(case) => (*case, ""),
            Listener::Tls11Only => (
                Case::Good,
                "ssl_protocols TLSv1.1; ssl_ciphers DEFAULT@SECLEVEL=0;",
            ),
            Listener::OldCipherOnly => (
                Case::Good,
                "ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-SHA;",
            ),
        };
        let certificate = format!(
            "ssl_certificate \"{}\"; ssl_certificate_key \"{}\";",
            pki.cert_file(case).display(),
            pki.key_file(case).display()
        );
        let _ = writeln!(
            servers,
            "    server {{ listen 127.0.0.1:{port} ssl; {certificate} {directives} \
             proxy_pass 127.0.0.1:{backend}; }}"
        );
    }
    format!(
        r#"# A private nginx terminating TLS for one rtmp-probe test.
load_module {STREAM_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid "{p}/nginx.pid";
error_log "{p}/error.log" info;

events {{
    worker_connections 256;
}}

stream {{
    log_format tls 'port=$server_port protocol=$ssl_protocol cipher=$ssl_cipher';
    access_log "{p}/stream-access.log" tls;
    ssl_protocols TLSv1.2 TLSv1.3;
{servers}}}
"#
    )
}

/// A loopback port that accepts TCP connections and never answers: a thread accepts each one,
/// reads what comes and holds it open. Lives as long as the returned guard.
pub struct SilentListener {
    pub port: u16,
    _listener: TcpListener,
}

pub fn silent_listener() -> SilentListener {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let accepting = listener.try_clone().expect("clone the listener");
    thread::spawn(move || {
        for stream in accepting.incoming().take(16) {
            let Ok(mut stream) = stream else { return };
            thread::spawn(move || {
                let mut sink = [0u8; 4096];
                // Read and ignore until the client goes away; never write.
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            });
        }
    });
    SilentListener {
        port,
        _listener: listener,
    }
}

/// A loopback port whose server reads the ClientHello and closes the connection (FIN) without a
/// word (the first `count` connections). It reads the whole record first: a close with unread
/// data would be a reset.
pub fn closing_listener(count: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("its address").port();
    thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { return };
            let mut header = [0u8; 5];
            if stream.read_exact(&mut header).is_ok() {
                let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
                let mut record = vec![0u8; length];
                let _ = stream.read_exact(&mut record);
            }
            drop(stream);
        }
    });
    port
}

/// Keeps a connection to `port` alive for the test's lifetime.
pub fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).expect("connect to the loopback port")
}
