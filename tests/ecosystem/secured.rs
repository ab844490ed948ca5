//! The RTMPS and challenge-authentication services of the ecosystem tests: nginx's TLS front
//! before the test's nginx-rtmp (the good certificate of the test PKI, for localhost and
//! 127.0.0.1), and the scripted Adobe server, with the CA certificate and the password in files
//! of the daemon's directory that every user can read (NRPE runs the probe as `nagios`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::auth_server::{AuthMod, AuthServer};
use crate::support::nginx::Nginx;
use crate::support::tls::{Case, Listener, Pki, TlsFront};

/// The user the authenticating server knows.
pub const USER: &str = "monitor";
const PASSWORD: &str = "ecosystem-s3cret-pw";

/// Connections the authenticating server serves: three a check, for a daemon that checks every
/// second for as long as a test waits.
const CONNECTIONS: usize = 300;

pub struct Secured {
    front: TlsFront,
    auth: AuthServer,
    pub ca_file: PathBuf,
    pub password_file: PathBuf,
    _pki: Pki,
}

impl Secured {
    pub fn start(nginx: &Nginx, dir: &Path) -> Secured {
        let pki = Pki::new();
        let front = TlsFront::start_with(&pki, nginx.rtmp_port(), &[Listener::Cert(Case::Good)]);
        let auth = AuthServer::serving(CONNECTIONS, AuthMod::Adobe, &[(USER, PASSWORD)]);
        let ca_file = dir.join("rtmp-ca.pem");
        fs::copy(pki.ca_file(), &ca_file).expect("copy the test CA");
        let password_file = dir.join("rtmp-ingest.pw");
        fs::write(&password_file, format!("{PASSWORD}\n")).expect("write the password file");
        Secured {
            front,
            auth,
            ca_file,
            password_file,
            _pki: pki,
        }
    }

    /// The port of the TLS front.
    pub fn tls_port(&self) -> u16 {
        self.front.cert_port(Case::Good)
    }

    /// The port of the authenticating server.
    pub fn auth_port(&self) -> u16 {
        self.auth.port()
    }

    pub fn ca(&self) -> String {
        self.ca_file.to_string_lossy().into_owned()
    }

    pub fn password(&self) -> String {
        self.password_file.to_string_lossy().into_owned()
    }
}
