//! The command line: clap's definition, and its translation into [`Options`] and a [`Plan`]. This
//! is the only module that knows clap; validation is the plan's.
// The doc comments of the options are their --help text, which writes URLs as rtmp[s]://host[:port]:
// rustdoc would read the brackets as links.
#![allow(rustdoc::broken_intra_doc_links)]

use crate::metrics::parse_duration;
use crate::plan::options::{
    self, Audio, Choice, ExpectName, Family, Fps, Handshake, StateName, Video, VideoSize,
};
use crate::plan::{read_targets, Format, Module, Options, Output, Plan, TargetInput, UsageError};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, ValueEnum};
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
  rtmp-probe --duration 5s -t 15s --size 1280x720 rtmp://ingest.example.com/live/monitor-{random}
      publish 5 s of synthetic H.264 and AAC (no encoder needed), watched for drops
  rtmp-probe --mode roundtrip rtmp://ingest.example.com/live/monitor-{random}
      publish 3 s of synthetic media and play it back: every frame counted, its latency
  rtmp-probe --mode roundtrip --play-url rtmp://edge/live rtmp://origin/live/monitor-{random}
      through an edge: published to the origin, played back from the edge that relays it
  rtmp-probe --video hevc --format text rtmp://ingest.example.com/live/monitor-{random}
      before moving encoders to HEVC: does the server keep an Enhanced RTMP HEVC publish?
  rtmp-probe -f prometheus --targets targets.txt --output /var/lib/node-exporter/rtmp.prom
      many targets at once; the file is replaced atomically, failures included
  rtmp-probe serve --config /etc/rtmp-probe/rtmp-probe.yml
      the Prometheus exporter (blackbox_exporter's /probe API; rtmp-probe serve --help)

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
#[command(name = "rtmp-probe", version, about)]
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
    /// and watch its media; roundtrip: publish synthetic media and play it back.
    #[arg(long, default_value_t = options::Mode::Publish, value_parser = choice::<options::Mode>())]
    pub mode: options::Mode,

    /// --mode play: what must arrive. auto: what onMetaData announces (without it, the kinds
    /// the stream starts with); video, audio, or av for both.
    #[arg(long, default_value_t = ExpectName::Auto, value_parser = choice::<ExpectName>())]
    pub expect: ExpectName,

    /// --mode play: the start argument of play (-1000 live only, -2000 live or recorded, 0 and
    /// up a recorded stream from that point), as ffmpeg sends it.
    #[arg(long, value_name = "N", default_value_t = options::DEFAULT_PLAY_START, allow_negative_numbers = true)]
    pub play_start: i64,

    /// --mode roundtrip: play the stream back from this URL (an edge or relay of the origin,
    /// with its own credentials) instead of the publish target; without a stream name in it,
    /// the published one.
    #[arg(long, value_name = "URL")]
    pub play_url: Option<String>,

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

    /// publish: after verify, send live-paced synthetic media for this long (e.g. 3s), watched
    /// for drops and error statuses. play: watch the media for this long after the first
    /// keyframe (default: stop at the first keyframe). roundtrip: the media played back
    /// (default 3s). --timeout must be longer.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// Video codec of the synthetic media: h264 (a stream players decode; the default), or hevc
    /// or av1 in Enhanced RTMP.
    #[arg(long, value_parser = choice::<Video>())]
    pub video: Option<Video>,

    /// Audio codec of the synthetic media: aac (the default), opus (Enhanced RTMP) or none.
    #[arg(long, value_parser = choice::<Audio>())]
    pub audio: Option<Audio>,

    /// Picture size of the synthetic video, WIDTHxHEIGHT (default 320x180).
    #[arg(long, value_name = "WxH")]
    pub size: Option<VideoSize>,

    /// Frame rate of the synthetic video, N or N/D frames per second (default 30; e.g.
    /// 30000/1001).
    #[arg(long, value_name = "N[/D]")]
    pub fps: Option<Fps>,

    /// Time between key frames of the synthetic video (default 2s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub keyframe_interval: Option<Duration>,

    /// Send the Enhanced RTMP properties in connect (fourCcList, videoFourCcInfoMap, capsEx) and
    /// report what the server advertises back; always on with hevc, av1 or opus.
    #[arg(long)]
    pub enhanced: bool,

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

/// Whether an argument may ask clap for help: `--help`, `-h`, or `-h` among short flags (`-vh`).
/// A stream name with `-h` in it only costs the help text's making.
fn may_ask_for_help(args: &[std::ffi::OsString]) -> bool {
    args.iter().skip(1).any(|a| {
        let a = a.to_string_lossy();
        a == "--help" || (a.starts_with('-') && !a.starts_with("--") && a.contains('h'))
    })
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
    /// The whole command definition, with the examples and metrics after the options (what
    /// `--help`, the man page and the completions show).
    pub fn command_with_help() -> clap::Command {
        Cli::command().after_help(after_help())
    }

    /// Parses the arguments (the first is the program's name). The text after the options is
    /// built only when help may be asked for: formatting it cost every check more than all of
    /// its own option handling.
    pub fn parse_args(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
        let mut command = if may_ask_for_help(args) {
            Cli::command_with_help()
        } else {
            Cli::command()
        };
        let mut matches = command.try_get_matches_from_mut(args)?;
        Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut command))
    }

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
            duration: self.duration,
            // No clap defaults for these: clap would parse each default on every run (they are
            // the options' own defaults, which --help names).
            video: self.video.unwrap_or_default(),
            audio: self.audio.unwrap_or_default(),
            size: self.size.unwrap_or_default(),
            fps: self.fps.unwrap_or_default(),
            keyframe_interval: self
                .keyframe_interval
                .unwrap_or(options::DEFAULT_KEYFRAME_INTERVAL),
            enhanced: self.enhanced,
            max_message_size: self.max_message_size,
            expect: self.expect,
            play_start: self.play_start,
            play_url: self.play_url.clone(),
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
    fn the_media_options_reach_the_options_and_bad_forms_are_refused_naming_the_flag() {
        let cli = Cli::try_parse_from([
            "rtmp-probe",
            "--duration",
            "3s",
            "--video",
            "hevc",
            "--audio",
            "none",
            "--size",
            "1280x720",
            "--fps",
            "30000/1001",
            "--keyframe-interval",
            "1s",
            "--enhanced",
            "rtmp://h/a/s",
        ])
        .unwrap();
        let o = cli.options();
        assert_eq!(o.duration, Some(Duration::from_secs(3)));
        assert_eq!(o.video, Video::Hevc);
        assert_eq!(o.audio, Audio::None);
        assert_eq!(
            o.size,
            VideoSize {
                width: 1280,
                height: 720
            }
        );
        assert_eq!(
            o.fps,
            Fps {
                num: 30000,
                den: 1001
            }
        );
        assert_eq!(o.keyframe_interval, Duration::from_secs(1));
        assert!(o.enhanced);
        for (flag, value, says) in [
            ("--size", "1280*720", "is not a size"),
            ("--fps", "29.97", "is not a frame rate"),
            ("--video", "vp9", "h264"),
            ("--duration", "soon", "not a duration"),
        ] {
            let e = Cli::try_parse_from(["rtmp-probe", flag, value, "rtmp://h/a/s"])
                .unwrap_err()
                .to_string();
            assert!(e.contains(flag) && e.contains(says), "{e}");
        }
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
        assert_eq!(o.duration, Some(Duration::from_secs(5)));
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
