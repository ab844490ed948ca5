//! Nagios 4 (Debian's nagios4) with the project's nagios/commands.cfg and nagios/example.cfg: the
//! configuration check, and Nagios itself scheduling check_rtmp_publish against a private
//! nginx-rtmp and recording the probe's result in its status file.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::daemon::{open_tempdir, plugin_dir, repo_file, require, run, Daemon};
use super::secured::{Secured, USER};
use crate::support::nginx::Nginx;

const NAGIOS: &str = "/usr/sbin/nagios4";

/// Debian's sample object files, which define the generic-host and generic-service templates, the
/// 24x7 period and the admins contact group that nagios/example.cfg uses.
const DEBIAN_OBJECTS: [&str; 4] = [
    "/etc/nagios4/objects/commands.cfg",
    "/etc/nagios4/objects/contacts.cfg",
    "/etc/nagios4/objects/timeperiods.cfg",
    "/etc/nagios4/objects/templates.cfg",
];

/// A main configuration with every path inside `dir`, reading `object_files`. Nagios runs as root
/// here (nagios_user=root: Nagios 4.4 accepts it), so that it can write into the temporary
/// directory and run the copy of the probe.
fn main_config(dir: &Path, object_files: &[&Path]) -> std::path::PathBuf {
    let d = dir.display();
    let plugins = plugin_dir(dir);
    fs::create_dir_all(dir.join("checkresults")).expect("create the check result directory");
    fs::write(
        dir.join("resource.cfg"),
        format!("$USER1$={}\n", plugins.display()),
    )
    .expect("write resource.cfg");
    let mut config = format!(
        "log_file={d}/nagios.log
resource_file={d}/resource.cfg
status_file={d}/status.dat
status_update_interval=1
object_cache_file={d}/objects.cache
precached_object_file={d}/objects.precache
lock_file={d}/nagios.lock
temp_file={d}/nagios.tmp
temp_path={d}
check_result_path={d}/checkresults
query_socket={d}/nagios.qh
state_retention_file={d}/retention.dat
retain_state_information=0
nagios_user=root
nagios_group=root
check_external_commands=0
use_syslog=0
log_initial_states=1
interval_length=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
check_result_reaper_frequency=1
enable_notifications=0
check_for_updates=0
illegal_macro_output_chars=`~$&|'\"<>
"
    );
    for file in object_files {
        config.push_str(&format!("cfg_file={}\n", file.display()));
    }
    let path = dir.join("nagios.cfg");
    fs::write(&path, config).expect("write nagios.cfg");
    path
}

#[test]
fn nagios_accepts_the_commands_and_the_example_with_debians_templates() {
    let nagios = require(NAGIOS);
    let dir = open_tempdir("rtmp-probe-nagios-");
    let mut files: Vec<std::path::PathBuf> = DEBIAN_OBJECTS.iter().map(|f| require(f)).collect();
    files.push(repo_file("nagios/commands.cfg"));
    files.push(repo_file("nagios/example.cfg"));
    let files: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    let config = main_config(dir.path(), &files);
    let (code, out) = run(&nagios, &["-v", &config.to_string_lossy()]);
    assert_eq!(code, 0, "nagios4 -v:\n{out}");
    assert!(out.contains("Total Warnings: 0"), "{out}");
    assert!(out.contains("Total Errors:   0"), "{out}");
    assert!(
        out.contains("Checked 4 services."),
        "the example's four services (publish, connect, RTMPS, authenticated):\n{out}"
    );
}

#[test]
fn nagios_refuses_the_commands_defined_twice() {
    // commands.cfg says: use /etc/nagios-plugins/config/rtmp.cfg (the Debian package) or
    // /usr/share/rtmp-probe/nagios/commands.cfg, not both. This is why.
    let nagios = require(NAGIOS);
    let dir = open_tempdir("rtmp-probe-nagios-");
    let commands = repo_file("nagios/commands.cfg");
    let copy = dir.path().join("rtmp.cfg");
    fs::copy(&commands, &copy).expect("copy commands.cfg");
    let objects = write_objects(dir.path(), 1, &[]);
    let config = main_config(dir.path(), &[&commands, &copy, &objects]);
    let (code, out) = run(&nagios, &["-v", &config.to_string_lossy()]);
    assert_ne!(code, 0, "nagios4 -v accepted the commands twice:\n{out}");
    assert!(
        out.contains("Duplicate definition found for command 'check_rtmp_publish'"),
        "{out}"
    );
}

/// A 24x7 period, a contact that is never notified, host `rtmp-test` at 127.0.0.1 (never checked
/// itself), and two services on it checked every second, with the URL built from $HOSTADDRESS$ as
/// in nagios/example.cfg: `RTMP publish` ([`publish_command`]) and `RTMP connect`
/// ([`connect_command`], with the optional fifth argument); and `more` services (name, command).
fn write_objects(dir: &Path, rtmp_port: u16, more: &[(&str, String)]) -> std::path::PathBuf {
    let mut services = String::new();
    let first = [
        ("RTMP publish", publish_command(rtmp_port)),
        ("RTMP connect", connect_command(rtmp_port)),
    ];
    for (name, command) in first.iter().chain(more) {
        services.push_str(&format!(
            "define service {{
    host_name           rtmp-test
    service_description {name}
    check_command       {command}
    check_interval      1
    retry_interval      1
    max_check_attempts  1
    check_period        24x7
    contacts            nobody
    notification_period 24x7
}}
"
        ));
    }
    let objects = format!(
        "define timeperiod {{
    timeperiod_name     24x7
    alias               always
    sunday              00:00-24:00
    monday              00:00-24:00
    tuesday             00:00-24:00
    wednesday           00:00-24:00
    thursday            00:00-24:00
    friday              00:00-24:00
    saturday            00:00-24:00
}}
define command {{
    command_name        notify-nobody
    command_line        /bin/true
}}
define contact {{
    contact_name                    nobody
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      notify-nobody
    service_notification_commands   notify-nobody
}}
define host {{
    host_name           rtmp-test
    address             127.0.0.1
    max_check_attempts  1
    check_period        24x7
    active_checks_enabled 0
    contacts            nobody
    notification_period 24x7
}}
{services}"
    );
    let path = dir.join("objects.cfg");
    fs::write(&path, objects).expect("write objects.cfg");
    path
}

/// A publish to nginx's `live` application; WARNING above 5 s in all or 4 s for connect, CRITICAL
/// above 8 s, a 10 s timeout.
fn publish_command(rtmp_port: u16) -> String {
    format!("check_rtmp_publish!rtmp://$HOSTADDRESS$:{rtmp_port}/live/nagios-{{random}}!5s,connect=4s!8s!10s")
}

/// A connect to nginx's `live` application; WARNING above 6 s, no CRITICAL threshold (an empty
/// argument), a 9 s timeout, and a bound of 7 s on each step through the optional fifth argument.
fn connect_command(rtmp_port: u16) -> String {
    format!("check_rtmp_connect!rtmp://$HOSTADDRESS$:{rtmp_port}/live!6s!!9s!--step-timeout 7s")
}

/// RTMPS through the TLS front, the CA and the name to verify in the fifth argument; the default
/// cert_days warning and a threshold of the command's own on it.
fn rtmps_command(secured: &Secured) -> String {
    format!(
        "check_rtmp_publish!rtmps://$HOSTADDRESS$:{}/live/nagios-tls-{{random}}!5s,cert_days=30:!8s,cert_days=7:!10s!--ca-file {} --sni localhost",
        secured.tls_port(),
        secured.ca()
    )
}

/// A publish to the authenticating server, the user and the password's file in the fifth
/// argument.
fn auth_command(secured: &Secured) -> String {
    format!(
        "check_rtmp_publish!rtmp://$HOSTADDRESS$:{}/live/nagios-{{random}}!5s!8s!10s!--user {USER} --password-file {}",
        secured.auth_port(),
        secured.password()
    )
}

/// The `servicestatus` blocks of a Nagios status file, as key=value maps.
fn service_statuses(status: &str) -> Vec<BTreeMap<String, String>> {
    let mut blocks = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in status.lines() {
        let line = line.trim();
        if line == "servicestatus {" {
            current = Some(BTreeMap::new());
        } else if line == "}" {
            if let Some(block) = current.take() {
                blocks.push(block);
            }
        } else if let (Some(block), Some((key, value))) = (current.as_mut(), line.split_once('=')) {
            block.insert(key.to_string(), value.to_string());
        }
    }
    blocks
}

#[test]
fn nagios_runs_both_commands_and_records_ok_with_the_probes_output_and_perfdata() {
    let nagios = require(NAGIOS);
    let nginx = Nginx::start();
    let port = nginx.rtmp_port();
    let dir = open_tempdir("rtmp-probe-nagios-");
    let commands = repo_file("nagios/commands.cfg");
    let secured = Secured::start(&nginx, dir.path());
    let more = [
        ("RTMPS publish", rtmps_command(&secured)),
        ("RTMP publish authenticated", auth_command(&secured)),
    ];
    let objects = write_objects(dir.path(), port, &more);
    let config = main_config(dir.path(), &[&commands, &objects]);
    let (code, out) = run(&nagios, &["-v", &config.to_string_lossy()]);
    assert_eq!(code, 0, "nagios4 -v:\n{out}");

    let mut daemon = Daemon::start(
        &nagios,
        &[&config.to_string_lossy()],
        dir.path().join("nagios.out"),
    );
    let status_file = dir.path().join("status.dat");
    let checked = |name: &'static str| {
        let status = fs::read_to_string(&status_file).ok()?;
        service_statuses(&status).into_iter().find(|s| {
            s.get("service_description").map(String::as_str) == Some(name)
                && s.get("has_been_checked").map(String::as_str) == Some("1")
        })
    };
    let publish = daemon.wait_for("a checked RTMP publish service in status.dat", || {
        checked("RTMP publish")
    });
    let connect = daemon.wait_for("a checked RTMP connect service in status.dat", || {
        checked("RTMP connect")
    });
    let rtmps = daemon.wait_for("a checked RTMPS publish service in status.dat", || {
        checked("RTMPS publish")
    });
    let authenticated = daemon.wait_for("a checked authenticated service in status.dat", || {
        checked("RTMP publish authenticated")
    });
    let log = fs::read_to_string(dir.path().join("nagios.log")).unwrap_or_default();

    let context = format!("{publish:#?}\n--- nagios.log ---\n{log}");
    assert_eq!(publish["check_command"], publish_command(port), "{context}");
    assert_eq!(publish["current_state"], "0", "{context}");
    let expected =
        format!("RTMP OK - publish accepted by 127.0.0.1:{port} (app live, stream nagi***) in ");
    assert!(publish["plugin_output"].starts_with(&expected), "{context}");
    assert!(publish["plugin_output"].ends_with(" ms"), "{context}");
    let perfdata = &publish["performance_data"];
    for step in [
        "dns",
        "tcp_connect",
        "handshake",
        "create_stream",
        "publish",
        "verify",
        "unpublish",
    ] {
        assert!(
            perfdata.contains(&format!("'{step}'=")),
            "no {step}: {context}"
        );
    }
    // The thresholds and the timeout of the command's arguments, as the probe printed them.
    assert!(
        perfdata_item(perfdata, "total").ends_with("s;5;8;0;10"),
        "{context}"
    );
    assert!(
        perfdata_item(perfdata, "connect").ends_with("s;4;;0;10"),
        "{context}"
    );
    assert!(
        nginx.error_log().contains("name='nagios-"),
        "nginx saw no publish of nagios-{{random}}:\n{}",
        nginx.error_log()
    );

    let context = format!("{connect:#?}\n--- nagios.log ---\n{log}");
    assert_eq!(connect["check_command"], connect_command(port), "{context}");
    assert_eq!(connect["current_state"], "0", "{context}");
    let expected = format!("RTMP OK - connect accepted by 127.0.0.1:{port} (app live) in ");
    assert!(connect["plugin_output"].starts_with(&expected), "{context}");
    let perfdata = &connect["performance_data"];
    assert!(
        perfdata_item(perfdata, "total").ends_with("s;6;;0;9"),
        "{context}"
    );
    assert!(!perfdata.contains("'publish'="), "{context}");

    // --ca-file and --sni through the fifth argument: verified, publish accepted.
    let context = format!("{rtmps:#?}\n--- nagios.log ---\n{log}");
    assert_eq!(rtmps["current_state"], "0", "{context}");
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream nagi***) in ",
        secured.tls_port()
    );
    assert!(rtmps["plugin_output"].starts_with(&expected), "{context}");
    assert!(
        perfdata_item(&rtmps["performance_data"], "cert_days").ends_with(";30:;7:;;"),
        "{context}"
    );
    assert!(
        perfdata_item(&rtmps["performance_data"], "tls").ends_with("s;;;0;10"),
        "{context}"
    );
    // --user and --password-file: the three connects of the authentication, then the publish.
    let context = format!("{authenticated:#?}\n--- nagios.log ---\n{log}");
    assert_eq!(authenticated["current_state"], "0", "{context}");
    let expected = format!(
        "RTMP OK - publish accepted by 127.0.0.1:{} (app live, stream nagi***) in ",
        secured.auth_port()
    );
    assert!(
        authenticated["plugin_output"].starts_with(&expected),
        "{context}"
    );
}

/// The item `'name'=...` of a perfdata string.
fn perfdata_item(perfdata: &str, name: &str) -> String {
    perfdata
        .split(' ')
        .find(|i| i.starts_with(&format!("'{name}'=")))
        .unwrap_or_else(|| panic!("no perfdata item {name} in {perfdata}"))
        .to_string()
}
