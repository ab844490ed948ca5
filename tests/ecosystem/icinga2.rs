//! Icinga 2 (Debian's icinga2-bin) with the project's nagios/icinga2/rtmp.conf: the configuration
//! check with the example, and Icinga running the `rtmp` CheckCommand against a private nginx-rtmp,
//! its results read from a PerfdataWriter file.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::daemon::{open_tempdir, plugin_dir, repo_file, require, run, Daemon};
use super::secured::{Secured, USER};
use crate::support::nginx::Nginx;

const ICINGA2: &str = "/usr/sbin/icinga2";

/// Debian's stock templates (generic-host, generic-service), which the example imports.
/// /etc/icinga2 is readable by root and the `nagios` group only: as another user the test says so.
const STOCK_TEMPLATES: &str = "/etc/icinga2/conf.d/templates.conf";

/// `id -un` or `id -gn`: the user or group the tests run as.
fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("run id");
    assert!(out.status.success(), "id {flag} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// STOCK_TEMPLATES, or a panic that says how to make it readable or installed.
fn stock_templates() -> PathBuf {
    match fs::File::open(STOCK_TEMPLATES) {
        Ok(_) => PathBuf::from(STOCK_TEMPLATES),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => panic!(
            "{STOCK_TEMPLATES} is not readable by {} (Debian keeps /etc/icinga2 for root and the \
             nagios group): run the tests as root, or `sudo adduser {} nagios` and log in again",
            id("-un"),
            id("-un"),
        ),
        Err(_) => require(STOCK_TEMPLATES),
    }
}

/// Every directory Icinga writes to is inside `dir`, and it runs as the user and group of the
/// tests (Debian's build would drop to the `nagios` user, which cannot write into the temporary
/// directory, and only root may switch users).
fn defines(dir: &Path) -> Vec<String> {
    for sub in ["run/icinga2", "data", "log", "cache", "spool", "perfdata"] {
        fs::create_dir_all(dir.join(sub)).expect("create an Icinga directory");
    }
    let d = dir.display();
    vec![
        format!("-DRunAsUser={}", id("-un")),
        format!("-DRunAsGroup={}", id("-gn")),
        format!("-DInitRunDir={d}/run"),
        format!("-DDataDir={d}/data"),
        format!("-DLogDir={d}/log"),
        format!("-DCacheDir={d}/cache"),
        format!("-DSpoolDir={d}/spool"),
    ]
}

fn icinga_args<'a>(mode: &'a str, config: &'a str, defines: &'a [String]) -> Vec<&'a str> {
    let mut args = vec!["daemon", "-c", config];
    if !mode.is_empty() {
        args.push(mode);
    }
    args.extend(defines.iter().map(String::as_str));
    args
}

#[test]
fn icinga2_accepts_the_check_commands_and_the_example_with_the_itl() {
    let icinga2 = require(ICINGA2);
    let dir = open_tempdir("rtmp-probe-icinga2-");
    let config = dir.path().join("icinga2.conf");
    fs::write(
        &config,
        format!(
            "const PluginDir = \"/usr/lib/nagios/plugins\"
include <itl>
include <plugins>
include \"{}\"
include \"{}\"
include \"{}\"
",
            stock_templates().display(),
            repo_file("nagios/icinga2/rtmp.conf").display(),
            repo_file("nagios/icinga2/example.conf").display(),
        ),
    )
    .expect("write icinga2.conf");
    let defines = defines(dir.path());
    let (code, out) = run(
        &icinga2,
        &icinga_args("-C", &config.to_string_lossy(), &defines),
    );
    assert_eq!(code, 0, "icinga2 daemon -C:\n{out}");
    // rtmp-publish, rtmp-connect, rtmp-publish-keyed (the stream key from a file), rtmps-publish
    // and rtmp-publish-authenticated.
    assert!(out.contains("Instantiated 5 Services."), "{out}");
    assert!(!out.contains("warning/"), "warnings:\n{out}");
}

#[test]
fn icinga2_runs_the_rtmp_command_and_records_ok_with_the_probes_output_and_perfdata() {
    let icinga2 = require(ICINGA2);
    let nginx = Nginx::start();
    let dir = open_tempdir("rtmp-probe-icinga2-");
    let d = dir.path().display();
    let plugins = plugin_dir(dir.path());
    let secured = Secured::start(&nginx, dir.path());
    let config = dir.path().join("icinga2.conf");
    // Thresholds as an array (repeated -w) and as a string, the URL built from the host's address
    // by a macro as in nagios/icinga2/example.conf; for rtmp_connect, a timeout, a step timeout and
    // a boolean (set_if).
    fs::write(
        &config,
        format!(
            "const PluginDir = \"{plugins}\"
include <itl>
include <plugins>
include \"{rtmp_conf}\"
object CheckerComponent \"checker\" {{ }}
object PerfdataWriter \"perfdata\" {{
    service_perfdata_path = \"{d}/perfdata/service\"
    service_temp_path = \"{d}/perfdata/service.tmp\"
    host_perfdata_path = \"{d}/perfdata/host\"
    host_temp_path = \"{d}/perfdata/host.tmp\"
    service_format_template = \"SERVICE::$service.name$\\tSTATE::$service.state_id$\\tOUTPUT::$service.output$\\tPERFDATA::$service.perfdata$\"
    rotation_interval = 1s
}}
object Host \"rtmp-test\" {{
    check_command = \"dummy\"
    address = \"127.0.0.1\"
    enable_active_checks = false
}}
object Service \"rtmp-publish\" {{
    host_name = \"rtmp-test\"
    check_command = \"rtmp\"
    check_interval = 1s
    retry_interval = 1s
    vars.rtmp_url = \"rtmp://$host.address$:{port}/live/icinga-{{random}}\"
    vars.rtmp_warning = [ \"5s\", \"connect=4s\" ]
    vars.rtmp_critical = \"8s\"
}}
object Service \"rtmp-connect\" {{
    host_name = \"rtmp-test\"
    check_command = \"rtmp_connect\"
    check_interval = 1s
    retry_interval = 1s
    vars.rtmp_url = \"rtmp://$host.address$:{port}/live\"
    vars.rtmp_warning = \"6s\"
    vars.rtmp_timeout = \"9s\"
    vars.rtmp_step_timeout = \"7s\"
    vars.rtmp_ipv4 = true
}}
object Service \"rtmps-publish\" {{
    host_name = \"rtmp-test\"
    check_command = \"rtmp\"
    check_interval = 1s
    retry_interval = 1s
    vars.rtmp_url = \"rtmps://$host.address$:{tls_port}/live/icinga-tls-{{random}}\"
    vars.rtmp_ca_file = [ \"{ca}\" ]
    vars.rtmp_sni = \"localhost\"
    vars.rtmp_warning = [ \"5s\", \"cert_days=30:\" ]
}}
object Service \"rtmp-publish-authenticated\" {{
    host_name = \"rtmp-test\"
    check_command = \"rtmp\"
    check_interval = 1s
    retry_interval = 1s
    vars.rtmp_url = \"rtmp://$host.address$:{auth_port}/live/icinga-{{random}}\"
    vars.rtmp_user = \"{USER}\"
    vars.rtmp_password_file = \"{password}\"
}}
",
            plugins = plugins.display(),
            rtmp_conf = repo_file("nagios/icinga2/rtmp.conf").display(),
            port = nginx.rtmp_port(),
            tls_port = secured.tls_port(),
            ca = secured.ca(),
            auth_port = secured.auth_port(),
            password = secured.password(),
        ),
    )
    .expect("write icinga2.conf");
    let defines = defines(dir.path());
    let config = config.to_string_lossy().into_owned();
    let mut daemon = Daemon::start(
        &icinga2,
        &icinga_args("", &config, &defines),
        dir.path().join("icinga2.out"),
    );
    let perfdata_dir = dir.path().join("perfdata");
    // The writer moves its temporary file to service.TIMESTAMP every second.
    let rotated_line = |service: &str| {
        let mut entries: Vec<_> = fs::read_dir(&perfdata_dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("service.") && n != "service.tmp")
            })
            .collect();
        entries.sort();
        entries
            .iter()
            .filter_map(|p| fs::read_to_string(p).ok())
            .flat_map(|text| text.lines().map(str::to_string).collect::<Vec<_>>())
            .find(|line| line.starts_with(&format!("SERVICE::{service}\t")))
    };
    let line = daemon.wait_for("an rtmp-publish line in a rotated perfdata file", || {
        rotated_line("rtmp-publish")
    });
    let connect_line = daemon.wait_for("an rtmp-connect line in a rotated perfdata file", || {
        rotated_line("rtmp-connect")
    });
    let rtmps_line = daemon.wait_for("an rtmps-publish line in a rotated perfdata file", || {
        rotated_line("rtmps-publish")
    });
    let auth_line = daemon.wait_for("an authenticated line in a rotated perfdata file", || {
        rotated_line("rtmp-publish-authenticated")
    });
    let field = |line: &str, name: &str| {
        line.split('\t')
            .find_map(|f| f.strip_prefix(&format!("{name}::")))
            .unwrap_or_else(|| panic!("no {name} in {line:?}"))
            .trim()
            .to_string()
    };
    assert_eq!(field(&line, "STATE"), "0", "{line}\n{}", daemon.output());
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream icin***) in ",
        nginx.rtmp_port()
    );
    assert!(field(&line, "OUTPUT").starts_with(&expected), "{line}");
    // Icinga parses the perfdata and writes it back without the quotes.
    let perfdata = field(&line, "PERFDATA");
    let item = |name: &str| {
        perfdata
            .split(' ')
            .find(|i| i.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no perfdata item {name}: {line}"))
            .to_string()
    };
    assert!(item("total").ends_with("s;5;8;0;10"), "{line}");
    assert!(item("connect").ends_with("s;4;;0;10"), "{line}");
    assert!(
        nginx.error_log().contains("name='icinga-"),
        "nginx saw no publish of icinga-{{random}}:\n{}",
        nginx.error_log()
    );

    assert_eq!(field(&connect_line, "STATE"), "0", "{connect_line}");
    let expected = format!(
        "RTMP OK - connect accepted by 127.0.0.1:{} (app live) in ",
        nginx.rtmp_port()
    );
    assert!(
        field(&connect_line, "OUTPUT").starts_with(&expected),
        "{connect_line}"
    );
    let perfdata = field(&connect_line, "PERFDATA");
    assert!(
        perfdata
            .split(' ')
            .any(|i| i.starts_with("total=") && i.ends_with("s;6;;0;9")),
        "the rtmp_warning and rtmp_timeout of rtmp-connect: {connect_line}"
    );

    // rtmp_ca_file (an array) and rtmp_sni: verified, publish accepted, the cert_days warning
    // threshold of rtmp_warning on it.
    assert_eq!(
        field(&rtmps_line, "STATE"),
        "0",
        "{rtmps_line}\n{}",
        daemon.output()
    );
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream icin***) in ",
        secured.tls_port()
    );
    assert!(
        field(&rtmps_line, "OUTPUT").starts_with(&expected),
        "{rtmps_line}"
    );
    assert!(
        field(&rtmps_line, "PERFDATA")
            .split(' ')
            .any(|i| i.starts_with("cert_days=") && i.contains(";30:;")),
        "{rtmps_line}"
    );
    // rtmp_user and rtmp_password_file: the authentication, then the publish.
    assert_eq!(
        field(&auth_line, "STATE"),
        "0",
        "{auth_line}\n{}",
        daemon.output()
    );
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream icin***) in ",
        secured.auth_port()
    );
    assert!(
        field(&auth_line, "OUTPUT").starts_with(&expected),
        "{auth_line}"
    );
}
