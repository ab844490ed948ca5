# shellcheck shell=bash
# Shared by scripts/test.sh, scripts/demo.sh and .ci/run (sourced, not run): messages and the install
# of what the integration tests and the demo need, nginx with the RTMP module (Debian packages nginx
# and libnginx-mod-rtmp).

RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so

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

# Installs Debian packages with apt-get, as root or with sudo. Services are never started: a
# policy-rc.d refuses service starts during the install (unless the system already has one).
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing: $*; this system has no apt-get: install them by hand"
  fi
  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=sudo
    else
      die "missing: $*; run as root or install sudo, or install them yourself: apt-get install $*"
    fi
  fi
  say "installing $* with apt-get${sudo:+ (through sudo)}"
  # A subshell, so that its EXIT trap removes our policy-rc.d even on failure or Ctrl-C.
  (
    set -euo pipefail
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      trap '$sudo rm -f "$policy"' EXIT
      $sudo sh -c "printf '#!/bin/sh\n# rtmp-probe install: start no service now\nexit 101\n' > '$policy' && chmod 755 '$policy'"
    fi
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
    $sudo "${apt[@]}" update
    $sudo "${apt[@]}" install -y --no-install-recommends "$@"
  ) || die "apt-get could not install $* (see above)"
}

# Installs nginx and libnginx-mod-rtmp when either is missing. The packaged nginx service is never
# started (see apt_install), and a system nginx that the install started anyway is stopped. The
# tests and the demo run private instances on their own ports.
ensure_nginx_rtmp() {
  if have_nginx_rtmp; then
    say "nginx and the RTMP module are installed ($(nginx_path), $RTMP_MODULE)"
    return 0
  fi
  local had_nginx=0
  if nginx_path >/dev/null 2>&1; then had_nginx=1; fi
  apt_install nginx libnginx-mod-rtmp
  if [ "$had_nginx" = 0 ]; then
    local sudo=''
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    stop_packaged_nginx "$sudo"
  fi
  have_nginx_rtmp || die "apt-get finished but nginx or $RTMP_MODULE is still missing"
  say "installed $(nginx_path) and $RTMP_MODULE"
}

# promtool (Debian package prometheus) validates the Prometheus output in the tests.
ensure_promtool() {
  if command -v promtool >/dev/null 2>&1; then
    say "promtool is installed ($(command -v promtool))"
    return 0
  fi
  apt_install prometheus
  command -v promtool >/dev/null 2>&1 || die "apt-get finished but promtool is still missing"
}

# Stops the system nginx service if the package install started it after all (port 80 is not ours).
stop_packaged_nginx() {
  local sudo=$1
  [ -s /run/nginx.pid ] || return 0
  local pid
  pid=$(cat /run/nginx.pid 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  say "stopping the packaged nginx service that the install started (pid $pid)"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $sudo systemctl stop nginx || true
  elif command -v service >/dev/null 2>&1; then
    $sudo service nginx stop || true
  fi
  if kill -0 "$pid" 2>/dev/null; then
    $sudo kill -QUIT "$pid" || true
  fi
}

# What the ecosystem tests (tests/ecosystem) and scripts/ci-ecosystem.sh run, as file=package:
# Nagios 4, Icinga 2, NRPE and check_nrpe (the daemons that load nagios/), zsh, fish and
# bash-completion (they load the generated completions), man, and rpm (CI inspects the RPM).
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

# Installs the packages of ECOSYSTEM_TOOLS whose program is missing (apt-get, as root or through
# sudo, without recommends), with the same policy-rc.d guard as ensure_nginx_rtmp: the daemons'
# services are never started; the tests run private instances.
ensure_ecosystem_tools() {
  local entry missing=()
  for entry in "${ECOSYSTEM_TOOLS[@]}"; do
    [ -e "${entry%%=*}" ] || missing+=("${entry#*=}")
  done
  if [ "${#missing[@]}" = 0 ]; then
    say "the ecosystem tools are installed (nagios4, icinga2, nrpe, check_nrpe, zsh, fish, bash-completion, man, rpm, readelf)"
    return 0
  fi
  apt_install "${missing[@]}"
  for entry in "${ECOSYSTEM_TOOLS[@]}"; do
    [ -e "${entry%%=*}" ] || die "apt-get finished but ${entry%%=*} is still missing"
  done
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
