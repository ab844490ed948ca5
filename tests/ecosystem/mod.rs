//! rtmp-probe among the tools operators run it with: the man page and completions against `--help`,
//! and the Nagios, Icinga 2 and NRPE definitions of `nagios/` loaded by the real daemons (Debian's
//! nagios4, icinga2 and nagios-nrpe-server), which then run the built probe against a private
//! nginx-rtmp and record what it printed.
//!
//! The daemons come from Debian packages that `scripts/test.sh` installs (see `ensure_ecosystem_tools`
//! in scripts/lib.sh); a missing one is a panic with the install command, never a skipped test.

pub(crate) mod assets;
mod daemon;
mod icinga2;
mod nagios;
mod nrpe;
mod secured;
