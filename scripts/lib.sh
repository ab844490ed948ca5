# shellcheck shell=bash
# Shared by the scripts under scripts/ and packaging/, .ci/run and bench/ (sourced, not run):
# messages, the install of what the tests, the demo and the packaging need (Debian packages, and
# the pinned cargo tools of the packaging), private nginx-rtmp servers, the host triple.

RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so

# The packaging tools, pinned: scripts/ci-ecosystem.sh installs these versions and
# packaging/build.sh's hint names them.
# shellcheck disable=SC2034 # (read by the scripts that source this file)
CARGO_DEB_VERSION=3.8.0
# shellcheck disable=SC2034
CARGO_GENERATE_RPM_VERSION=0.21.1

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The nginx binary: Debian's /usr/sbin/nginx (not on every user's PATH), else nginx on PATH.
nginx_path() {
  if [ -x /usr/sbin/nginx ]; then
    echo /usr/sbin/nginx
  else
    command -v nginx
  fi
}

have_nginx_rtmp() {
  nginx_path >/dev/null 2>&1 && [ -f "$RTMP_MODULE" ]
}

# ---------------------------------------------------------------------------------------------
# What the scripts need, installed with apt-get (Debian, Ubuntu) as root or through sudo.
#
# Each ensure_* function checks one group of programs and files (one line of README's list) and
# queues the Debian packages of what is missing; install_queued installs the queue in one apt-get
# run: one `apt-get update` (once per run of .ci/run, whatever the number of scripts), one dpkg
# transaction, `--no-install-recommends`, no service started (a policy-rc.d refuses starts during
# the install) and none left enabled (units and init scripts that the install enabled are disabled
# again: see disable_new_services). Outside begin_install ... install_queued an ensure_* installs
# its group at once. Such blocks nest: the outermost install_queued installs.

INSTALL_BATCH=0
INSTALL_PACKAGES=()
INSTALL_CHECKS=()

# Runs "$@" as root: directly, or through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# Succeeds when $1 is there: an absolute path that exists; `fn:NAME`, a function that succeeds;
# else a program on PATH or in /usr/sbin or /sbin (not on every user's PATH).
have_thing() {
  case $1 in
    /*) [ -e "$1" ] ;;
    fn:*) "${1#fn:}" ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
  esac
}

# The static C library that scripts/build-release.sh links in (libc6-dev's libc.a), found the way
# the linker finds it.
have_static_libc() {
  local path
  path=$(cc -print-file-name=libc.a 2>/dev/null) && [ "$path" != libc.a ] && [ -e "$path" ]
}

# need GROUP THING=PACKAGE...: queues PACKAGE for each THING (see have_thing) that is missing, or
# says that GROUP is installed. Installs at once outside a batch.
need() {
  local group=$1 entry thing package missing=()
  shift
  for entry in "$@"; do
    thing=${entry%%=*} package=${entry#*=}
    if ! have_thing "$thing"; then
      missing+=("$thing")
      case " ${INSTALL_PACKAGES[*]} " in
        *" $package "*) ;;
        *) INSTALL_PACKAGES+=("$package") ;;
      esac
      INSTALL_CHECKS+=("$thing")
    fi
  done
  if [ "${#missing[@]}" = 0 ]; then
    say "$group: installed"
  else
    say "$group: missing ${missing[*]}"
  fi
  [ "$INSTALL_BATCH" -gt 0 ] || install_queued
}

# Starts a batch: the ensure_* calls that follow only queue, install_queued installs.
begin_install() {
  INSTALL_BATCH=$((INSTALL_BATCH + 1))
}

# Ends a batch: the outermost installs the queued packages (if any) in one apt-get run, then checks
# again that everything that was missing is there.
install_queued() {
  [ "$INSTALL_BATCH" -eq 0 ] || INSTALL_BATCH=$((INSTALL_BATCH - 1))
  [ "$INSTALL_BATCH" -eq 0 ] || return 0
  [ "${#INSTALL_PACKAGES[@]}" -gt 0 ] || return 0
  local packages=("${INSTALL_PACKAGES[@]}") checks=("${INSTALL_CHECKS[@]}") thing
  INSTALL_PACKAGES=() INSTALL_CHECKS=()
  apt_install "${packages[@]}"
  for thing in "${checks[@]}"; do
    have_thing "$thing" || die "apt-get installed ${packages[*]} but ${thing#fn:} is still missing"
  done
}

# The links that make a service start at boot, one path a line, sorted: systemd's (under
# /etc/systemd/system, masks left out) and SysV init's for the multi-user runlevels (/etc/rc[2-5].d/S*;
# rcS.d holds boot-time helpers that are no services, such as procps' sysctl or x11-common's
# socket directory, which systemd masks or aliases anyway).
service_links() {
  local link
  for link in /etc/systemd/system/* /etc/systemd/system/*/* /etc/rc[2-5].d/S*; do
    [ -L "$link" ] || continue
    [ "$(readlink "$link")" = /dev/null ] && continue
    printf '%s\n' "$link"
  done | sort
}

# Disables the services whose links appear in $2 (service_links after an install) and not in $1
# (before it), as an administrator would: update-rc.d NAME disable for an init script (which also
# disables its systemd unit), systemctl disable for a unit (offline, with --root=/, when systemd is
# not running, as in containers and CI), or removing the link when systemctl is not installed at all.
# Package upgrades keep them disabled (deb-systemd-helper enables a unit again only if it was).
# Prints what systemctl is-enabled says afterwards.
disable_new_services() {
  local before=$1 after=$2 link name units=() scripts=() own=() unit
  while IFS= read -r link; do
    [ -n "$link" ] || continue
    case $link in
      /etc/rc*.d/S*)
        name=${link##*/}
        name=${name#S[0-9][0-9]}
        case " ${scripts[*]} " in *" $name "*) ;; *) scripts+=("$name") ;; esac
        ;;
      *)
        # A wants/requires link is named after its unit; an alias points to its unit. The init
        # system's own units (getty@tty1, remote-fs.target... when this install brought systemd
        # itself, into a container that lacked it) stay as systemd's package set them.
        case $link in
          /etc/systemd/system/*/*) name=${link##*/} ;;
          *) name=$(basename "$(readlink "$link")") ;;
        esac
        if [ "$(dpkg-query -S "$(readlink "$link")" 2>/dev/null | cut -d: -f1)" = systemd ]; then
          own+=("$name")
          continue
        fi
        case " ${units[*]} " in *" $name "*) ;; *) units+=("$name") ;; esac
        ;;
    esac
  done < <(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after"))
  [ "${#own[@]}" = 0 ] || say "left as the systemd package set them: ${own[*]}"
  [ "${#scripts[@]}" -gt 0 ] || [ "${#units[@]}" -gt 0 ] || {
    say "the install enabled no service"
    return 0
  }
  say "disabling what the install enabled: ${scripts[*]} ${units[*]}"
  for name in "${scripts[@]}"; do
    as_root update-rc.d "$name" disable >/dev/null 2>&1 || say "update-rc.d $name disable failed"
  done
  for unit in "${units[@]}"; do
    if ! command -v systemctl >/dev/null 2>&1; then
      # No systemd here: the links are inert, and removing them is all that disabling does.
      while IFS= read -r link; do
        [ -L "$link" ] && [ "$(basename "$link")" = "$unit" ] && as_root rm -f "$link"
      done <<<"$after"
    elif [ -d /run/systemd/system ]; then
      # systemd runs: also stop it, in case the system's own policy-rc.d let it start.
      as_root systemctl disable --now --quiet "$unit" || say "systemctl disable --now $unit failed"
    else
      # No systemd running (a container, CI): systemctl edits the links offline.
      as_root systemctl --root=/ disable --quiet "$unit" || say "systemctl --root=/ disable $unit failed"
    fi
  done
  local left
  left=$(comm -13 <(printf '%s\n' "$before") <(service_links) | while IFS= read -r link; do
    [ "$(dpkg-query -S "$(readlink "$link")" 2>/dev/null | cut -d: -f1)" = systemd ] || printf '%s\n' "$link"
  done)
  [ -z "$left" ] || say "warning: still enabled after disabling: $left"
  if command -v systemctl >/dev/null 2>&1; then
    for name in "${scripts[@]}"; do
      case " ${units[*]} " in *" $name.service "*) ;; *) units+=("$name.service") ;; esac
    done
    for unit in "${units[@]}"; do
      say "systemctl is-enabled $unit: $(systemctl is-enabled "$unit" 2>/dev/null || true)"
    done
  fi
}

# The packages' services must not start during the install and stay disabled after it. A
# policy-rc.d (unless the system has its own) refuses every service start for the length of the
# install, and disable_new_services undoes what postinst scripts enabled.
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing: $*; this system has no apt-get: install them by hand"
  fi
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    die "missing: $*; run as root or install sudo, or install them yourself: apt-get install --no-install-recommends $*"
  fi
  local sudo=''
  [ "$(id -u)" -eq 0 ] || sudo=' (through sudo)'
  say "installing with apt-get --no-install-recommends$sudo: $*"
  local before
  before=$(service_links)
  # A subshell, so that its EXIT trap removes our policy-rc.d even on failure or Ctrl-C.
  (
    set -euo pipefail
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      trap 'as_root rm -f "$policy"' EXIT
      as_root sh -c "printf '#!/bin/sh\n# rtmp-probe install: start no service now\nexit 101\n' > '$policy' && chmod 755 '$policy'"
    fi
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
    # One `apt-get update` a run: .ci/run, scripts/ci-ecosystem.sh and scripts/test.sh share it
    # through the environment.
    if [ -z "${RTMP_PROBE_APT_UPDATED:-}" ]; then
      as_root "${apt[@]}" update
    fi
    # --no-remove: never take away something of the system's to make room (an MTA, say).
    as_root "${apt[@]}" install -y --no-install-recommends --no-remove "$@"
  ) || die "apt-get could not install $* (see above)"
  export RTMP_PROBE_APT_UPDATED=1
  disable_new_services "$before" "$(service_links)"
  case " $* " in *" nginx "*) stop_packaged_nginx ;; esac
}

# ---------------------------------------------------------------------------------------------
# The groups, one line each in README.md's list of what scripts/test.sh installs.

# A C compiler and libc6-dev: cargo links with cc, and the static release build
# (scripts/build-release.sh) links libc.a in.
ensure_c_toolchain() {
  need "C compiler and static libc" cc=gcc fn:have_static_libc=libc6-dev
}

# nginx and its RTMP module: the integration tests, the demo and the benchmarks run private
# nginx-rtmp servers. The packaged nginx service is never started nor left enabled, and one that
# the install started anyway is stopped (port 80 is not ours).
ensure_nginx_rtmp() {
  need "nginx with the RTMP module" nginx=nginx "$RTMP_MODULE=libnginx-mod-rtmp"
}

# nginx's stream module: TLS in front of nginx-rtmp for the RTMPS tests.
ensure_nginx_stream() {
  need "nginx stream module" "$STREAM_MODULE=libnginx-mod-stream"
}

# ffmpeg and ffprobe: a real publisher and player in the tests.
ensure_media_tools() {
  need "ffmpeg and ffprobe" ffmpeg=ffmpeg ffprobe=ffmpeg
}

# The Prometheus server (a test has it scrape the exporter) and promtool (checks expositions).
ensure_prometheus() {
  need "Prometheus and promtool" prometheus=prometheus promtool=prometheus
}

# openssl: the tests make their certificates.
ensure_openssl() {
  need "openssl" openssl=openssl
}

# systemd-analyze (Debian's systemd package): `systemd-analyze verify` checks the unit file. It
# works without a running systemd.
ensure_systemd_analyze() {
  need "systemd-analyze" systemd-analyze=systemd
}

# What the ecosystem tests (tests/ecosystem) and scripts/ci-ecosystem.sh run, as thing=package:
# Nagios 4, Icinga 2, NRPE and check_nrpe (the daemons that load nagios/), zsh, fish and
# bash-completion (they load the generated completions), man, rpm (CI inspects the RPM) and
# readelf (CI checks that the packaged binary is static).
ECOSYSTEM_TOOLS=(
  /usr/sbin/nagios4=nagios4-core
  /usr/sbin/icinga2=icinga2-bin
  /usr/sbin/nrpe=nagios-nrpe-server
  /usr/lib/nagios/plugins/check_nrpe=nagios-nrpe-plugin
  /usr/bin/zsh=zsh
  /usr/bin/fish=fish
  /usr/share/bash-completion/bash_completion=bash-completion
  /usr/bin/man=man-db
  /usr/bin/rpm=rpm
  /usr/bin/readelf=binutils
)

# nagios4-core depends on a mailx, whose bsd-mailx depends on a mail transport agent, which apt
# would satisfy with the exim4 mail server (a daemon, and a queue-runner timer). Where the system
# has no MTA (no /usr/sbin/sendmail), msmtp-mta stands in: a sendmail that only relays to an SMTP
# server one configures (none is), with no queue, and its one daemon (msmtpd) shipped disabled.
# (ssmtp, smaller, fails to install where `hostname --fqdn` does not resolve.) A system's own MTA
# stays: apt-get --no-remove would refuse to replace it anyway.
ensure_ecosystem_tools() {
  local extra=()
  if ! have_thing /usr/sbin/nagios4 && [ ! -e /usr/sbin/sendmail ]; then
    extra=(/usr/bin/msmtp=msmtp-mta)
  fi
  need "ecosystem tools (nagios4, icinga2, nrpe, check_nrpe, zsh, fish, bash-completion, man, rpm, readelf)" \
    "${ECOSYSTEM_TOOLS[@]}" "${extra[@]}"
}

# The shellcheck linter: .ci/run checks the scripts with it.
ensure_shellcheck() {
  need "shellcheck" shellcheck=shellcheck
}

# Everything the tests need (scripts/test.sh, .ci/run), in one apt-get run.
ensure_test_prerequisites() {
  begin_install
  ensure_c_toolchain
  ensure_nginx_rtmp
  ensure_nginx_stream
  ensure_media_tools
  ensure_prometheus
  ensure_openssl
  ensure_systemd_analyze
  ensure_ecosystem_tools
  install_queued
  # As another user than root, the Icinga 2 tests need to read Debian's stock templates, which
  # /etc/icinga2 keeps for root and the nagios group.
  local templates=/etc/icinga2/conf.d/templates.conf
  if [ "$(id -u)" -ne 0 ] && [ "$INSTALL_BATCH" -eq 0 ] && ! [ -r "$templates" ]; then
    say "warning: $(id -un) cannot read $templates, so the Icinga 2 tests will fail: sudo adduser $(id -un) nagios, and log in again (or run as root)"
  fi
}

# Stops the system nginx service if the package install started it after all (port 80 is not ours):
# where the system has its own policy-rc.d that lets services start.
stop_packaged_nginx() {
  [ -s /run/nginx.pid ] || return 0
  local pid
  pid=$(cat /run/nginx.pid 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  say "stopping the packaged nginx service that the install started (pid $pid)"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl stop nginx || true
  elif command -v service >/dev/null 2>&1; then
    as_root service nginx stop || true
  fi
  if kill -0 "$pid" 2>/dev/null; then
    as_root kill -QUIT "$pid" || true
  fi
}

# The host's target triple (rustc -vV): scripts/build-release.sh builds for it explicitly, so the
# shipped binary is target/<triple>/release/rtmp-probe.
host_triple() {
  local triple
  triple=$(rustc -vV | sed -n 's/^host: //p')
  [ -n "$triple" ] || die "rustc -vV printed no host triple"
  printf '%s\n' "$triple"
}

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_accepts() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts a private nginx-rtmp (one application, `live`, that accepts any stream) with its config,
# pid file and logs in directory $1, on a free loopback port below Linux's ephemeral range
# (32768-60999). Sets NGINX_PORT and NGINX_PID; stop it with stop_private_nginx. Retries on
# another port when nginx loses its port to another process. The error log (at info: it shows each
# connect and publish) is $1/error.log.
start_private_nginx() {
  local dir=$1 nginx candidate _
  nginx=$(nginx_path) || die "nginx is not installed"
  NGINX_PORT='' NGINX_PID=''
  for _ in 1 2 3 4 5; do
    candidate=$((20000 + RANDOM % 12000))
    port_accepts "$candidate" && continue
    cat >"$dir/nginx.conf" <<CONF
# A private nginx-rtmp started by rtmp-probe's scripts.
load_module $RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid "$dir/nginx.pid";
error_log "$dir/error.log" info;

events {
    worker_connections 256;
}

rtmp {
    access_log "$dir/rtmp-access.log";
    server {
        listen 127.0.0.1:$candidate;
        application live {
            live on;
            allow publish all;
            allow play all;
        }
    }
}
CONF
    : >"$dir/error.log"
    rm -f "$dir/nginx.pid"
    "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" </dev/null >"$dir/nginx.out" 2>&1 &
    NGINX_PID=$!
    for _ in $(seq 200); do
      kill -0 "$NGINX_PID" 2>/dev/null || break
      # The pid file appears once nginx has bound its port, so a port taken by another process
      # cannot pass for ours.
      if [ -s "$dir/nginx.pid" ] && port_accepts "$candidate"; then
        # shellcheck disable=SC2034 # (read by the callers)
        NGINX_PORT=$candidate
        return 0
      fi
      sleep 0.05
    done
    if kill -0 "$NGINX_PID" 2>/dev/null; then
      stop_private_nginx
      die "nginx did not accept connections on 127.0.0.1:$candidate within 10 s: $(cat "$dir/error.log")"
    fi
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=''
    grep -q 'Address already in use' "$dir/error.log" "$dir/nginx.out" ||
      die "nginx exited at start: $(cat "$dir/error.log" "$dir/nginx.out")"
    say "port $candidate was taken; trying another"
  done
  die "could not start nginx on a free port in 5 attempts"
}

# Stops the nginx of start_private_nginx: SIGQUIT, up to 2 s, then SIGKILL; reaps it.
stop_private_nginx() {
  [ -n "${NGINX_PID:-}" ] || return 0
  if kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    local _
    for _ in $(seq 40); do
      kill -0 "$NGINX_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=''
}
