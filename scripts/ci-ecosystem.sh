#!/usr/bin/env bash
# CI of the packages (called by .ci/run): builds the Debian package and the RPM with
# packaging/build.sh, installs the .deb with dpkg -i and checks what a user gets from it — the
# installed check_rtmp against a private nginx-rtmp (as the user running this and as the nagios
# user), the man page through man, the completions through each shell's own loader, the commands in
# Debian's nagios4 and the Icinga 2 file in icinga2 — then purges it; lists the RPM with rpm -qlp
# against the expected layout and runs what it carries. Prints how long each part took.
#
# Runs as root (CI) or as a user with sudo: installing and purging a package, reading Debian's
# nagios4 and icinga2 configurations (readable by root and their groups only) and running a command
# as the nagios user need root, and go through as_root (scripts/lib.sh), i.e. sudo. NOTE: it installs
# the .deb system-wide for the length of the run, and purges any rtmp-probe package it finds first
# (an earlier run's): do not run it on a machine where rtmp-probe is installed for real.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# The packaging tools, pinned in scripts/lib.sh (CARGO_DEB_VERSION, CARGO_GENERATE_RPM_VERSION). cargo
# install compiles them once per machine, with --debug: that halves the compile (measured here in
# CPU seconds, user + sys: cargo-deb 145 -> 77, cargo-generate-rpm 458 -> 237, the latter pulls in
# OpenPGP crates it cannot leave out) and costs about 5 s when packaging (cargo generate-rpm 8 s
# instead of 3 s); the packages' contents are the same (rpm --dump identical).

started=$SECONDS
lap_start=$SECONDS
lap() {
  say "[time] $1: $((SECONDS - lap_start)) s"
  lap_start=$SECONDS
}

fail() {
  printf 'FAILED: %s\n' "$*" >&2
  exit 1
}

# Installs crate $1 at version $2 with cargo install --locked, unless that version is on PATH.
ensure_cargo_tool() {
  local tool=$1 version=$2
  if command -v "$tool" >/dev/null 2>&1 && "$tool" --version 2>/dev/null | grep -qF "$version"; then
    say "$tool $version is installed"
    return 0
  fi
  say "installing $tool $version (cargo install --locked --debug; compiles it)"
  cargo install --locked --debug "$tool" --version "$version"
}

bash -n packaging/build.sh packaging/rpm/check_rtmp

begin_install
ensure_c_toolchain
ensure_nginx_rtmp
ensure_ecosystem_tools
install_queued
ensure_cargo_tool cargo-deb "$CARGO_DEB_VERSION"
ensure_cargo_tool cargo-generate-rpm "$CARGO_GENERATE_RPM_VERSION"
lap "prerequisites"

mapfile -t packages < <(packaging/build.sh)
[ "${#packages[@]}" = 2 ] || fail "packaging/build.sh printed ${#packages[@]} paths, not 2: ${packages[*]}"
deb=${packages[0]}
rpm_file=${packages[1]}
say "built $deb ($(stat -c %s "$deb") bytes) and $rpm_file ($(stat -c %s "$rpm_file") bytes)"
lap "packaging/build.sh (assets, release build, cargo deb, cargo generate-rpm)"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/rtmp-probe-ci-ecosystem.XXXXXX")
chmod 755 "$workdir"
installed=0
# shellcheck disable=SC2317 # (runs from the EXIT trap)
cleanup() {
  stop_private_nginx
  rm -rf "$workdir"
  # A run that failed half-way does not leave the package installed.
  if [ "$installed" = 1 ]; then
    say "purging the rtmp-probe package this run installed"
    as_root dpkg --purge rtmp-probe >/dev/null || true
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# The Debian package: contents, install, what the installed files do, purge.

contents=$(dpkg-deb --contents "$deb")
for path in ./usr/bin/rtmp-probe ./usr/lib/nagios/plugins/check_rtmp \
  ./usr/share/man/man1/rtmp-probe.1.gz ./usr/share/bash-completion/completions/rtmp-probe \
  ./usr/share/zsh/vendor-completions/_rtmp-probe ./usr/share/fish/vendor_completions.d/rtmp-probe.fish \
  ./etc/nagios-plugins/config/rtmp.cfg ./usr/share/rtmp-probe/nagios/commands.cfg \
  ./usr/share/rtmp-probe/nagios/example.cfg ./usr/share/rtmp-probe/icinga2/rtmp.conf \
  ./usr/share/rtmp-probe/icinga2/example.conf ./usr/share/rtmp-probe/nrpe/rtmp.cfg \
  ./usr/share/doc/rtmp-probe/README.md ./usr/share/doc/rtmp-probe/copyright \
  ./usr/share/doc/rtmp-probe/LICENSE-MIT ./usr/share/doc/rtmp-probe/LICENSE-APACHE \
  ./lib/systemd/system/rtmp-probe.service ./etc/rtmp-probe/rtmp-probe.yml \
  ./usr/share/doc/rtmp-probe/EXPORTER.md ./usr/share/rtmp-probe/exporter/rtmp-probe.yml \
  ./usr/share/rtmp-probe/exporter/prometheus.yml ./usr/share/rtmp-probe/exporter/prometheus-sharded.yml \
  ./usr/share/rtmp-probe/exporter/rtmp-probe-alerts.yml; do
  grep -qE " ${path//./\\.}( |$)" <<<"$contents" || fail "the .deb has no $path:
$contents"
done
grep -qF './usr/lib/nagios/plugins/check_rtmp -> ../../../bin/rtmp-probe' <<<"$contents" ||
  fail "check_rtmp is not a link to ../../../bin/rtmp-probe in the .deb"
say "the .deb holds the binary, the check_rtmp link, the man page, 3 completions, the Nagios, Icinga 2 and NRPE files, the docs and licences"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

commands_before=$(as_root nagios4 -v /etc/nagios4/nagios.cfg | sed -n 's/^[[:space:]]*Checked \([0-9]*\) commands\./\1/p')
[ -n "$commands_before" ] || fail "nagios4 -v /etc/nagios4/nagios.cfg failed before the install"

if dpkg-query -W -f '${Status}' rtmp-probe 2>/dev/null | grep -q 'install ok installed'; then
  say "purging the rtmp-probe package that an earlier run left"
  as_root dpkg --purge rtmp-probe
fi
installed=1
as_root dpkg -i "$deb"
dpkg -s rtmp-probe | grep -E '^(Package|Version|Depends):'
[ "$(readlink /usr/lib/nagios/plugins/check_rtmp)" = ../../../bin/rtmp-probe ] ||
  fail "the installed /usr/lib/nagios/plugins/check_rtmp is not the link"
dpkg-query -W -f '${Conffiles}\n' rtmp-probe | grep -q '/etc/nagios-plugins/config/rtmp.cfg' ||
  fail "/etc/nagios-plugins/config/rtmp.cfg is not a conffile"
dpkg-query -W -f '${Conffiles}\n' rtmp-probe | grep -q '/etc/rtmp-probe/rtmp-probe.yml' ||
  fail "/etc/rtmp-probe/rtmp-probe.yml is not a conffile"
# The exporter as installed: its packaged config checks, and its unit verifies with the installed
# binary (the unit is installed, not enabled or started).
/usr/bin/rtmp-probe serve --check-config /etc/rtmp-probe/rtmp-probe.yml ||
  fail "the packaged /etc/rtmp-probe/rtmp-probe.yml does not pass rtmp-probe serve --check-config"
systemd-analyze verify --man=no /lib/systemd/system/rtmp-probe.service ||
  fail "systemd-analyze verify rejects the installed rtmp-probe.service"
say "the installed exporter config checks and its systemd unit verifies"

# A private nginx-rtmp on a free loopback port, in the work directory.
start_private_nginx "$workdir"
port=$NGINX_PORT
say "private nginx-rtmp on 127.0.0.1:$port"

# Runs the installed check as Nagios would ($1: a user to run as, or empty) and checks OK.
check_installed() {
  local user=$1 stream=$2 out code=0
  local command=(/usr/lib/nagios/plugins/check_rtmp -w 5s -c 8s -t 10s "rtmp://127.0.0.1:$port/live/$stream-{random}")
  if [ -n "$user" ]; then
    out=$(as_root runuser -u "$user" -- "${command[@]}") || code=$?
  else
    out=$("${command[@]}") || code=$?
  fi
  printf '%s\n' "$out"
  [ "$code" = 0 ] || fail "the installed check_rtmp${user:+ (as $user)} exited $code, not 0"
  case $out in
    "RTMP OK - publish accepted by 127.0.0.1:$port "*"'total'="*";5;8;0;10") ;;
    *) fail "the installed check_rtmp${user:+ (as $user)} printed something else than RTMP OK with the total's perfdata" ;;
  esac
  grep -q "publish: name='$stream-" "$workdir/error.log" || fail "nginx saw no publish of $stream-{random}"
}
check_installed '' ci-deb
check_installed nagios ci-deb-nagios
say "the installed /usr/lib/nagios/plugins/check_rtmp said RTMP OK, as $(id -un) and as the nagios user"

# The packaged binary is linked statically (scripts/build-release.sh): no program interpreter, no
# library to find. Name lookups still read /etc/hosts (glibc's files service is inside the static
# binary; docs/DECISIONS.md), so a check of localhost must say OK too.
if readelf -lW /usr/bin/rtmp-probe | grep -q 'Requesting program interpreter'; then
  fail "the installed /usr/bin/rtmp-probe is dynamically linked; scripts/build-release.sh links it statically"
fi
code=0
out=$(/usr/bin/rtmp-probe -t 10s "rtmp://localhost:$port/live/ci-static-{random}") || code=$?
printf '%s\n' "$out"
if [ "$code" != 0 ] || [[ $out != "RTMP OK - publish accepted by "* ]]; then
  fail "the static binary did not say RTMP OK for localhost (exit $code)"
fi
say "the installed binary is static and resolves localhost from /etc/hosts"

man_text=$(MANPAGER=cat MANWIDTH=100 man rtmp-probe 2>&1) || fail "man rtmp-probe failed: $man_text"
for word in --timeout --warning --critical 'EXIT STATUS' check_rtmp; do
  grep -qF -- "$word" <<<"$man_text" || fail "man rtmp-probe does not mention $word"
done
say "man rtmp-probe finds the installed page, which documents --timeout, --warning, --critical and the exit codes"

# Each shell finds the completion where the package put it, by its own loading mechanism.
bash_spec=$(bash --norc -c '. /usr/share/bash-completion/bash_completion && __load_completion rtmp-probe && complete -p rtmp-probe') ||
  fail "bash-completion did not load a completion for rtmp-probe"
say "bash-completion loads: $bash_spec"
# fish with its system configuration (which puts vendor_completions.d in fish_complete_path) and
# no user configuration.
fish_out=$(env HOME="$workdir" XDG_CONFIG_HOME="$workdir/config" XDG_DATA_HOME="$workdir/data" \
  fish -c 'complete --do-complete "rtmp-probe --time"') || fail "fish failed"
grep -q -- '^--timeout' <<<"$fish_out" || fail "fish does not complete --time to --timeout: $fish_out"
say "fish completes --time: $(tr '\n' ' ' <<<"$fish_out")"
# zsh -f: no startup file, Debian's built-in fpath (which has /usr/share/zsh/vendor-completions).
zsh_out=$(zsh -f -c 'autoload -U compinit && compinit -u -D && print -r -- "$_comps[rtmp-probe]"') ||
  fail "zsh failed"
[ "$zsh_out" = _rtmp-probe ] || fail "zsh's compinit did not register _rtmp-probe (got '$zsh_out')"
say "zsh's compinit registers _rtmp-probe from /usr/share/zsh/vendor-completions (in Debian's default fpath)"

commands_after=$(as_root nagios4 -v /etc/nagios4/nagios.cfg | sed -n 's/^[[:space:]]*Checked \([0-9]*\) commands\./\1/p')
# As many as the shipped file defines (check_rtmp, check_rtmp_play, check_rtmp_roundtrip...).
shipped=$(grep -c '^[[:space:]]*define command' nagios/commands.cfg)
[ "$commands_after" = $((commands_before + shipped)) ] ||
  fail "Debian's nagios4 configuration has $commands_after commands after the install, not $commands_before + $shipped (nagios/commands.cfg)"
say "Debian's stock nagios4 configuration reads the $shipped commands of /etc/nagios-plugins/config/rtmp.cfg ($commands_before -> $commands_after commands, no error)"

cat >"$workdir/icinga2.conf" <<'CONF'
include "/etc/icinga2/icinga2.conf"
include "/usr/share/rtmp-probe/icinga2/rtmp.conf"
include "/usr/share/rtmp-probe/icinga2/example.conf"
CONF
icinga_out=$(as_root icinga2 daemon -C -c "$workdir/icinga2.conf" 2>&1) || fail "icinga2 daemon -C with the installed files failed:
$icinga_out"
say "icinga2 daemon -C accepts Debian's stock icinga2.conf with the installed rtmp.conf and example.conf"

as_root dpkg --purge rtmp-probe
installed=0
for path in /usr/bin/rtmp-probe /usr/lib/nagios/plugins/check_rtmp /etc/nagios-plugins/config/rtmp.cfg /usr/share/rtmp-probe /etc/rtmp-probe/rtmp-probe.yml /lib/systemd/system/rtmp-probe.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is still there after dpkg --purge"; fi
done
say "dpkg --purge removed everything, the conffile too"
lap "the Debian package: install, installed check, man, completions, nagios4, icinga2, purge"

# ---------------------------------------------------------------------------------------------
# The RPM: its file list, and what it carries.

cat >"$workdir/rpm-expected" <<'LIST'
/etc/rtmp-probe/rtmp-probe.yml
/usr/bin/rtmp-probe
/usr/lib/systemd/system/rtmp-probe.service
/usr/lib64/nagios/plugins/check_rtmp
/usr/share/bash-completion/completions/rtmp-probe
/usr/share/doc/rtmp-probe/EXPORTER.md
/usr/share/doc/rtmp-probe/README.md
/usr/share/doc/rtmp-probe/README.monitoring.md
/usr/share/doc/rtmp-probe/report.schema.json
/usr/share/fish/vendor_completions.d/rtmp-probe.fish
/usr/share/licenses/rtmp-probe/LICENSE-APACHE
/usr/share/licenses/rtmp-probe/LICENSE-MIT
/usr/share/man/man1/rtmp-probe.1.gz
/usr/share/rtmp-probe/exporter/prometheus-sharded.yml
/usr/share/rtmp-probe/exporter/prometheus.yml
/usr/share/rtmp-probe/exporter/rtmp-probe-alerts.yml
/usr/share/rtmp-probe/exporter/rtmp-probe.yml
/usr/share/rtmp-probe/icinga2/example.conf
/usr/share/rtmp-probe/icinga2/rtmp.conf
/usr/share/rtmp-probe/nagios/commands.cfg
/usr/share/rtmp-probe/nagios/example.cfg
/usr/share/rtmp-probe/nrpe/rtmp.cfg
/usr/share/zsh/site-functions/_rtmp-probe
LIST
rpm -qlp "$rpm_file" | sort >"$workdir/rpm-listed"
diff -u <(sort "$workdir/rpm-expected") "$workdir/rpm-listed" || fail "rpm -qlp lists other files than expected (diff above)"
say "rpm -qlp lists exactly the expected $(wc -l <"$workdir/rpm-listed") files"
rpm -qip "$rpm_file" | grep -E '^(Name|Version|Release|Architecture|License|Summary)'
say "the RPM requires: $(rpm -qp --requires "$rpm_file" | tr '\n' ' ')"
rpm -qlvp "$rpm_file" | grep -E ' /usr/(bin/rtmp-probe|lib64/nagios/plugins/check_rtmp)$'

root=$workdir/rpm-root
mkdir "$root"
rpm_path=$(realpath "$rpm_file")
rpm2archive - <"$rpm_path" | tar -xzf - -C "$root" || fail "could not unpack the RPM"
[ -x "$root/usr/lib64/nagios/plugins/check_rtmp" ] || fail "the RPM's check_rtmp is not executable"
grep -qx 'exec /usr/bin/rtmp-probe "$@"' "$root/usr/lib64/nagios/plugins/check_rtmp" ||
  fail "the RPM's check_rtmp does not exec /usr/bin/rtmp-probe"
version_out=$("$root/usr/bin/rtmp-probe" --version)
[ "$version_out" = "$("target/$(host_triple)/release/rtmp-probe" --version)" ] || fail "the RPM's binary says $version_out"
code=0
out=$("$root/usr/bin/rtmp-probe" -t 10s "rtmp://127.0.0.1:$port/live/ci-rpm-{random}") || code=$?
printf '%s\n' "$out"
if [ "$code" != 0 ] || [[ $out != "RTMP OK - publish accepted by "* ]]; then
  fail "the RPM's binary did not say RTMP OK (exit $code)"
fi
zcat "$root/usr/share/man/man1/rtmp-probe.1.gz" | grep -q -- '\\-\\-timeout' || fail "the RPM's man page has no --timeout"
say "the RPM's binary says RTMP OK, its check_rtmp runs /usr/bin/rtmp-probe, its man page documents --timeout"
lap "the RPM: rpm -qlp and its contents"

say "[time] scripts/ci-ecosystem.sh in all: $((SECONDS - started)) s"
