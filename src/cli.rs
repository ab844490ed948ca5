//! The command line: clap's definition, and its translation into [`Options`] and a [`Plan`]. This
//! is the only module that knows clap; validation is the plan's.

use crate::metrics::parse_duration;
use crate::plan::options::{self, Choice, ExpectName, Family, Handshake, StateName};
use crate::plan::{read_targets, Format, Module, Options, Output, Plan, TargetInput, UsageError};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Parser, ValueEnum};
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  rtmp-probe rtmp://ingest.example.com/live/monitor-{random}
      publish check with Nagios output (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
  rtmp-probe -w 200ms -c 1s -w connect=50ms rtmp://10.0.0.5:1935/live/probe
      thresholds on the total time and on one step (a time above a threshold crosses it)
  rtmp-probe --mode connect rtmp://ingest.example.com/live
      stop after connect (no stream key needed)
  rtmp-probe --mode play --duration 10s -t 20s rtmp://edge.example.com/live/channel1
      play a live channel and watch 10 s of it: CRITICAL on no media, a stall over 2 s,
      timestamps going backwards, a broken codec configuration, the publisher leaving
  rtmp-probe --mode play --duration 10s -t 20s -c keyframe_interval=2s rtmp://edge/live/ch1
      keyframe compliance, for a platform that requires a keyframe every 2 s
  rtmp-probe --stream-file /etc/rtmp-probe/facebook.key rtmps://live-api-s.facebook.com:443/rtmp
      RTMPS, the certificate verified; -w cert_days=30: warns 30 days before it expires
  rtmp-probe --user monitor --password-file wowza.pw rtmp://wowza.example.com/live/probe-{random}
      challenge authentication (adobe or llnw), the password out of the process list
  rtmp-probe --format json 'rtmp://ingest.example.com/live/key?token=abc' | jq .
      JSON report; the key and token are masked unless --show-secrets
  rtmp-probe -v --format text --trace rtmp://127.0.0.1/live/test
      diagnose by hand: every step, what the server said, hex dumps on stderr
  rtmp-probe -f prometheus --targets targets.txt --output /var/lib/node-exporter/rtmp.prom
      many targets at once; the file is replaced atomically, failures included

Thresholds: -w/-c take [METRIC=]RANGE (no METRIC: total). RANGE is the Monitoring Plugins syntax:
10 alerts above 10, 10: below 10, ~:10 above 10, 10:20 outside 10..20, @10:20 inside it. Values
take units: 50ms, 2s (a bare number is seconds), 2500k, 1.5M (bit/s), 14d (days).
Stream name placeholders: {random} (8 hex digits), {unix} (seconds since 1970).";

/// The text after the options in --help: the examples, then every metric a threshold can name.
fn after_help() -> String {
    let mut out = format!("{EXAMPLES}\n\nMetrics (modes that measure them):\n");
    for d in crate::metrics::DEFINITIONS {
        out.push_str(&format!(
            "  {:<20} {} ({})\n",
            d.name,
            d.help,
            d.modes.join(", ")
        ));
    }
    out
}

/// Checks that an RTMP server really accepts a published stream, step by step.
#[derive(Debug, Parser)]
#[command(name = "rtmp-probe", version, about, after_help = after_help())]
pub struct Cli {
    /// rtmp[s]://[user:password@]host[:port]/app[/instance]/stream[?query]; several URLs are
    /// probed concurrently.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// Read more target URLs from FILE, one a line ('#' starts a comment; '-' is stdin).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<std::path::PathBuf>,

    /// With several targets, how many sessions run at once.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub concurrency: usize,

    /// publish: the whole publish session; connect: stop after connect; play: play the stream
    /// and watch its media.
    #[arg(long, default_value_t = options::Mode::Publish, value_parser = choice::<options::Mode>())]
    pub mode: options::Mode,

    /// --mode play: watch the media for this long after the first keyframe (default: stop at
    /// the first keyframe); must fit in --timeout.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub duration: Duration,

    /// --mode play: what must arrive. auto: what onMetaData announces (without it, the kinds
    /// the stream starts with); video, audio, or av for both.
    #[arg(long, default_value_t = ExpectName::Auto, value_parser = choice::<ExpectName>())]
    pub expect: ExpectName,

    /// --mode play: the start argument of play (-1000 live only, -2000 live or recorded, 0 and
    /// up a recorded stream from that point), as ffmpeg sends it.
    #[arg(long, value_name = "N", default_value_t = options::DEFAULT_PLAY_START, allow_negative_numbers = true)]
    pub play_start: i64,

    /// Application to connect to, instead of the one in the URL.
    #[arg(long)]
    pub app: Option<String>,

    /// Stream name to publish (with its ?query), instead of the one in the URL; also taken from
    /// the environment variable RTMP_PROBE_STREAM, which keeps it out of the process list.
    #[arg(long)]
    pub stream: Option<String>,

    /// Read the stream name (with its ?query) from the first line of FILE, instead of the URL.
    #[arg(long, value_name = "FILE", conflicts_with = "stream")]
    pub stream_file: Option<std::path::PathBuf>,

    /// User for challenge authentication, instead of the URL's user.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Read the password from the first line of FILE (or set RTMP_PROBE_PASSWORD), instead of
    /// writing it in the URL.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<std::path::PathBuf>,

    /// rtmps://: the name to send as SNI and verify the certificate against, instead of the
    /// URL's host (e.g. when the URL has an IP address).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,

    /// rtmps://: trust the CA certificates (PEM) in FILE too, besides the system store; repeat
    /// for more files.
    #[arg(long, value_name = "FILE", action = ArgAction::Append)]
    pub ca_file: Vec<std::path::PathBuf>,

    /// rtmps://: go on whatever certificate verification says; the output says it was not
    /// verified and what verification found.
    #[arg(long)]
    pub insecure: bool,

    /// Hard bound on the whole run, all targets included (e.g. 10s, 500ms; a bare number is
    /// seconds); a target whose turn comes after it is UNKNOWN, not checked.
    #[arg(short = 't', long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Bound on each step (within --timeout).
    #[arg(long, value_parser = parse_duration)]
    pub step_timeout: Option<Duration>,

    /// State to report when a step times out.
    #[arg(long, default_value_t = StateName::Critical, value_parser = choice::<StateName>())]
    pub timeout_state: StateName,

    /// Warning threshold: RANGE for the total, METRIC=RANGE for one metric (e.g. connect=50ms); repeat or separate with commas.
    #[arg(short = 'w', long = "warning", value_name = "[METRIC=]RANGE")]
    pub warning: Vec<String>,

    /// Critical threshold, like --warning.
    #[arg(short = 'c', long = "critical", value_name = "[METRIC=]RANGE")]
    pub critical: Vec<String>,

    /// Output format on stdout.
    #[arg(short = 'f', long, value_enum, default_value_t = CliFormat::Nagios)]
    pub format: CliFormat,

    /// Write the result to FILE instead of stdout, replacing it atomically (a temporary file
    /// renamed over it), whatever the state: for node_exporter's textfile collector.
    #[arg(long = "output", value_name = "FILE")]
    pub output_file: Option<std::path::PathBuf>,

    /// More detail: -v long output, and on stderr each step with what was sent and what came
    /// back; -vv every message; -vvv every read and housekeeping answer.
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbose: u8,

    /// Hex dump of every read and write on stderr (secrets masked unless --show-secrets).
    #[arg(long)]
    pub trace: bool,

    /// Show stream keys, passwords and tokens in output and logs.
    #[arg(long)]
    pub show_secrets: bool,

    /// Handshake to perform: digest (Flash Player 9, as ffmpeg and OBS do) or plain.
    #[arg(long, default_value_t = Handshake::Digest, value_parser = choice::<Handshake>())]
    pub handshake: Handshake,

    /// flashVer sent in connect.
    #[arg(long, value_name = "STRING")]
    pub flash_ver: Option<String>,

    /// tcUrl sent in connect (default: rtmp://host[:port]/app).
    #[arg(long, value_name = "URL")]
    pub tc_url: Option<String>,

    /// pageUrl sent in connect.
    #[arg(long, value_name = "URL")]
    pub page_url: Option<String>,

    /// swfUrl sent in connect.
    #[arg(long, value_name = "URL")]
    pub swf_url: Option<String>,

    /// The longest verify watches the connection after Publish.Start (it watches four times the
    /// slowest reply the server gave, at least 1ms).
    #[arg(long, default_value = "200ms", value_parser = parse_duration)]
    pub settle: Duration,

    /// How long the teardown waits for NetStream.Unpublish.Success.
    #[arg(long, default_value = "200ms", value_parser = parse_duration)]
    pub teardown_wait: Duration,

    /// Largest message accepted from the server, in bytes.
    #[arg(long, default_value_t = crate::protocol::limits::DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: u32,

    /// Connect over IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// Connect over IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliFormat {
    Nagios,
    Json,
    Text,
    Prometheus,
}

/// A clap value parser for one of the options' named choices: its names are the possible values
/// that --help and the completions list, so no other value reaches the parse.
fn choice<T: Choice + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::NAMES).map(|s: String| s.parse::<T>().unwrap_or_default())
}

/// An environment variable's value; unset and empty are the same (a monitoring system passes an
/// empty value for a custom variable that a host does not set).
fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Cli {
    /// The probe options this command line asks for.
    pub fn options(&self) -> Options {
        Options {
            mode: self.mode,
            timeout: self.timeout,
            step_timeout: self.step_timeout,
            timeout_state: self.timeout_state,
            warning: self.warning.clone(),
            critical: self.critical.clone(),
            handshake: self.handshake,
            app: self.app.clone(),
            stream: self.stream.clone().or_else(|| match self.stream_file {
                Some(_) => None,
                None => env_value("RTMP_PROBE_STREAM"),
            }),
            stream_file: self.stream_file.clone(),
            user: self.user.clone(),
            password_file: self.password_file.clone(),
            password: env_value("RTMP_PROBE_PASSWORD").map(options::Secret),
            sni: self.sni.clone(),
            ca_file: self.ca_file.clone(),
            insecure: self.insecure,
            flash_ver: self.flash_ver.clone(),
            tc_url: self.tc_url.clone(),
            page_url: self.page_url.clone(),
            swf_url: self.swf_url.clone(),
            settle: self.settle,
            teardown_wait: self.teardown_wait,
            max_message_size: self.max_message_size,
            duration: self.duration,
            expect: self.expect,
            play_start: self.play_start,
            ip_family: if self.ipv4 {
                Family::Ipv4
            } else if self.ipv6 {
                Family::Ipv6
            } else {
                Family::Any
            },
            show_secrets: self.show_secrets,
        }
    }

    /// The targets: the URLs given, then those of --targets.
    pub fn targets(&self) -> Result<Vec<TargetInput>, UsageError> {
        let mut targets: Vec<TargetInput> =
            self.urls.iter().map(|u| TargetInput::argument(u)).collect();
        if let Some(path) = &self.targets {
            targets.extend(read_targets(path)?);
        }
        Ok(targets)
    }

    pub fn output(&self) -> Output {
        Output {
            format: match self.format {
                CliFormat::Nagios => Format::Nagios,
                CliFormat::Json => Format::Json,
                CliFormat::Text => Format::Text,
                CliFormat::Prometheus => Format::Prometheus,
            },
            verbosity: self.verbose,
            trace: self.trace,
        }
    }

    /// Validates the arguments and builds the plan.
    pub fn into_plan(self) -> Result<Plan, UsageError> {
        let module = Module::new(self.options())?;
        Plan::new(&module, &self.targets()?, self.concurrency, self.output())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Range;

    fn plan(args: &[&str]) -> Result<Plan, UsageError> {
        let mut full = vec!["rtmp-probe"];
        full.extend_from_slice(args);
        Cli::try_parse_from(full)
            .map_err(|e| UsageError(e.to_string()))?
            .into_plan()
    }

    #[test]
    fn thresholds_take_totals_and_steps_in_any_mix() {
        let p = plan(&[
            "-w",
            "200ms,connect=50ms",
            "-w",
            "handshake=1",
            "-c",
            "1s",
            "rtmp://h/a/s",
        ])
        .unwrap();
        let t = &p.probes[0].thresholds;
        assert_eq!(t.warning.for_metric("total"), Some(&Range::above(0.2)));
        assert_eq!(t.warning.for_metric("connect"), Some(&Range::above(0.05)));
        assert_eq!(t.warning.for_metric("handshake"), Some(&Range::above(1.0)));
        assert_eq!(t.critical.for_metric("total"), Some(&Range::above(1.0)));
    }

    #[test]
    fn bad_thresholds_name_the_flag_and_the_fix() {
        let e = plan(&["-w", "bogus=1s", "rtmp://h/a/s"]).unwrap_err();
        assert!(
            e.0.starts_with("--warning: unknown metric \"bogus\""),
            "{e}"
        );
        let e = plan(&["-c", "fast", "rtmp://h/a/s"]).unwrap_err();
        assert!(e.0.contains("--critical") && e.0.contains("10s"), "{e}");
    }

    #[test]
    fn every_option_reaches_the_options() {
        let cli = Cli::try_parse_from([
            "rtmp-probe",
            "--mode",
            "connect",
            "-t",
            "3",
            "--step-timeout",
            "1s",
            "--timeout-state",
            "unknown",
            "--handshake",
            "plain",
            "-6",
            "--show-secrets",
            "rtmp://h/a",
        ])
        .unwrap();
        let o = cli.options();
        assert_eq!(o.mode, options::Mode::Connect);
        assert_eq!(o.timeout, Duration::from_secs(3));
        assert_eq!(o.step_timeout, Some(Duration::from_secs(1)));
        assert_eq!(o.timeout_state, StateName::Unknown);
        assert_eq!(o.handshake, Handshake::Plain);
        assert_eq!(o.ip_family, Family::Ipv6);
        assert!(o.show_secrets);
    }

    #[test]
    fn the_defaults_of_the_command_line_are_the_defaults_of_the_options() {
        let cli = Cli::try_parse_from(["rtmp-probe", "rtmp://h/a/s"]).unwrap();
        assert_eq!(cli.options(), Options::default());
    }

    #[test]
    fn help_and_the_man_page_list_every_metric_with_its_modes() {
        let help = after_help();
        let page = String::from_utf8(crate::assets::man_page()).unwrap();
        for d in crate::metrics::DEFINITIONS {
            let line = format!("  {:<20} {} ({})", d.name, d.help, d.modes.join(", "));
            assert!(help.contains(&line), "{line} in\n{help}");
            assert!(page.contains(d.name), "{} in the man page", d.name);
        }
        assert!(page.contains("keyframe_interval=2s"), "the play example");
    }

    #[test]
    fn the_play_options_reach_the_options() {
        let cli = Cli::try_parse_from([
            "rtmp-probe",
            "--mode",
            "play",
            "--duration",
            "5s",
            "--expect",
            "av",
            "--play-start",
            "-2000",
            "-t",
            "20s",
            "rtmp://h/live/s",
        ])
        .unwrap();
        let o = cli.options();
        assert_eq!(o.mode, options::Mode::Play);
        assert_eq!(o.duration, Duration::from_secs(5));
        assert_eq!(o.expect, ExpectName::Av);
        assert_eq!(o.play_start, -2000);
        let e = Cli::try_parse_from(["rtmp-probe", "--expect", "both", "rtmp://h/a/s"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("auto") && e.contains("av"), "{e}");
    }

    #[test]
    fn a_choice_outside_the_list_is_a_usage_error_listing_the_choices() {
        let e = Cli::try_parse_from(["rtmp-probe", "--mode", "pull", "rtmp://h/a/s"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("publish") && e.contains("connect"), "{e}");
    }
}
