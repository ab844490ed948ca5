//! NRPE (Debian's nagios-nrpe-server) with the command lines of the project's nagios/nrpe.cfg: a
//! private NRPE runs them on request of check_nrpe, against a private nginx-rtmp.

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::daemon::{open_tempdir, plugin_dir, repo_file, require, run, Daemon};
use super::secured::Secured;
use crate::support::free_port;
use crate::support::nginx::Nginx;

const NRPE: &str = "/usr/sbin/nrpe";
const CHECK_NRPE: &str = "/usr/lib/nagios/plugins/check_nrpe";

/// The `command[NAME]=LINE` lines of nagios/nrpe.cfg that are not commented out, and the
/// commented examples named in `examples`, uncommented.
fn snippet_commands(examples: &[&str]) -> Vec<(String, String)> {
    let text = fs::read_to_string(repo_file("nagios/nrpe.cfg")).expect("read nagios/nrpe.cfg");
    text.lines()
        .filter_map(|line| {
            let commented = line.strip_prefix("#command[");
            match commented.and_then(|rest| rest.split_once("]=")) {
                Some((name, _)) if !examples.contains(&name) => None,
                Some(_) => commented,
                None => line.strip_prefix("command["),
            }
        })
        .filter_map(|rest| rest.split_once("]="))
        .map(|(name, line)| (name.to_string(), line.to_string()))
        .collect()
}

/// The examples for RTMPS and challenge authentication.
const EXAMPLES: [&str; 2] = ["check_rtmps_publish", "check_rtmp_publish_auth"];

#[test]
fn nrpe_runs_the_snippets_commands_and_check_nrpe_gets_ok() {
    let nrpe = require(NRPE);
    let check_nrpe = require(CHECK_NRPE);
    let commands = snippet_commands(&EXAMPLES);
    let names: Vec<&str> = commands.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "check_rtmp_publish",
            "check_rtmp_connect",
            "check_rtmps_publish",
            "check_rtmp_publish_auth"
        ]
    );

    let nginx = Nginx::start();
    let dir = open_tempdir("rtmp-probe-nrpe-");
    let plugins = plugin_dir(dir.path());
    let secured = Secured::start(&nginx, dir.path());
    // The snippet's lines with these changes only: where the probe is, the servers' ports, and
    // for the examples where the CA and the password are, and which name to verify.
    let mut lines = String::new();
    for (name, line) in &commands {
        assert!(
            line.contains("/usr/lib/nagios/plugins/check_rtmp "),
            "{line}"
        );
        let port = match name.as_str() {
            "check_rtmp_publish_auth" => secured.auth_port(),
            _ => nginx.rtmp_port(),
        };
        let line = line
            .replace(
                "/usr/lib/nagios/plugins/check_rtmp",
                &plugins.join("check_rtmp").to_string_lossy(),
            )
            // With the slash: a port that starts with 443 must not be rewritten again.
            .replace("127.0.0.1:1935/", &format!("127.0.0.1:{port}/"))
            .replace(
                "127.0.0.1:443/",
                &format!("127.0.0.1:{}/", secured.tls_port()),
            )
            .replace("/etc/nagios/rtmp-ca.pem", &secured.ca())
            .replace("/etc/nagios/rtmp-ingest.pw", &secured.password())
            .replace("--sni ingest.example.com", "--sni localhost");
        assert!(line.contains("://127.0.0.1:"), "{line}");
        assert!(!line.contains("/etc/nagios"), "{line}");
        lines.push_str(&format!("command[{name}]={line}\n"));
    }
    fs::write(dir.path().join("rtmp.cfg"), lines).expect("write rtmp.cfg");
    let port = free_port();
    let d = dir.path().display();
    // NRPE refuses to run as root: it drops to Debian's nagios user, which can read the temporary
    // directory and run the copy of the probe.
    fs::write(
        dir.path().join("nrpe.cfg"),
        format!(
            "pid_file={d}/nrpe.pid
server_address=127.0.0.1
server_port={port}
nrpe_user=nagios
nrpe_group=nagios
allowed_hosts=127.0.0.1
dont_blame_nrpe=0
command_timeout=30
connection_timeout=60
disable_syslog=1
include={d}/rtmp.cfg
"
        ),
    )
    .expect("write nrpe.cfg");
    let config = dir.path().join("nrpe.cfg");
    let mut daemon = Daemon::start(
        &nrpe,
        &["-c", &config.to_string_lossy(), "-f", "-n"],
        dir.path().join("nrpe.out"),
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    daemon.wait_for("NRPE listening", || {
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()
    });

    let port = port.to_string();
    let ask = |command: &str| {
        run(
            &check_nrpe,
            &[
                "-H",
                "127.0.0.1",
                "-p",
                &port,
                "-n",
                "-t",
                "20",
                "-c",
                command,
            ],
        )
    };
    let (code, out) = ask("check_rtmp_publish");
    assert_eq!(
        code,
        0,
        "check_rtmp_publish through NRPE:\n{out}\n{}",
        daemon.output()
    );
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream nrpe***) in ",
        nginx.rtmp_port()
    );
    assert!(out.starts_with(&expected), "{out}");
    assert!(
        out.contains(";1;3;0;8"),
        "the snippet's -w 1s -c 3s -t 8s on the total: {out}"
    );
    assert!(out.contains("'connect'="), "{out}");

    let (code, out) = ask("check_rtmp_connect");
    assert_eq!(
        code,
        0,
        "check_rtmp_connect through NRPE:\n{out}\n{}",
        daemon.output()
    );
    let expected = format!(
        "RTMP OK - connect accepted by 127.0.0.1:{} (app live) in ",
        nginx.rtmp_port()
    );
    assert!(out.starts_with(&expected), "{out}");
    assert!(
        !out.contains("'publish'="),
        "connect mode stops after connect: {out}"
    );

    let (code, out) = ask("check_rtmps_publish");
    assert_eq!(
        code,
        0,
        "check_rtmps_publish through NRPE:\n{out}\n{}",
        daemon.output()
    );
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream nrpe***) in ",
        secured.tls_port()
    );
    assert!(out.starts_with(&expected), "{out}");
    assert!(out.contains("'cert_days'=89;30:;7:;;"), "{out}");

    let (code, out) = ask("check_rtmp_publish_auth");
    assert_eq!(
        code,
        0,
        "check_rtmp_publish_auth through NRPE:\n{out}\n{}",
        daemon.output()
    );
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream nrpe***) in ",
        secured.auth_port()
    );
    assert!(out.starts_with(&expected), "{out}");
}
