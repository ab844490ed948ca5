#!/usr/bin/env bash
# Quick start in one command: installs nginx with the RTMP module if missing, builds rtmp-probe in
# release mode, starts a private nginx-rtmp on a free loopback port (in a temporary directory, removed
# at the end), probes it, and exits with the probe's exit code (Nagios: 0 OK, 1 WARNING, 2 CRITICAL,
# 3 UNKNOWN). Extra arguments go to rtmp-probe after the URL, e.g. `scripts/demo.sh --format text`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_nginx_rtmp
nginx=$(nginx_path)

say "building rtmp-probe (cargo build --release --locked)"
cargo build --release --locked
probe="${CARGO_TARGET_DIR:-target}/release/rtmp-probe"
[ -x "$probe" ] || die "the build did not produce $probe"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/rtmp-probe-demo.XXXXXX")
nginx_pid=''

# shellcheck disable=SC2317 # (stop_nginx and cleanup run from the EXIT trap)
stop_nginx() {
  [ -n "$nginx_pid" ] || return 0
  if kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 40); do
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$nginx_pid" 2>/dev/null || true
  fi
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=''
}

# shellcheck disable=SC2317
cleanup() {
  stop_nginx
  rm -rf "$workdir"
}
trap cleanup EXIT

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
accepts() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_config() {
  local port=$1
  cat >"$workdir/nginx.conf" <<CONF
# A private nginx-rtmp for the rtmp-probe demo.
load_module $RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid "$workdir/nginx.pid";
error_log "$workdir/error.log" info;

events {
    worker_connections 64;
}

rtmp {
    access_log "$workdir/rtmp-access.log";
    server {
        listen 127.0.0.1:$port;
        application live {
            live on;
            allow publish all;
            allow play all;
        }
    }
}
CONF
}

# Starts nginx on port $1; returns 0 once it accepts, 2 if the port was taken, dies otherwise.
start_nginx() {
  local port=$1
  write_config "$port"
  : >"$workdir/error.log"
  rm -f "$workdir/nginx.pid"
  "$nginx" -p "$workdir" -c "$workdir/nginx.conf" -e "$workdir/error.log" \
    </dev/null >"$workdir/nginx.out" 2>&1 &
  nginx_pid=$!
  local _
  for _ in $(seq 200); do
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
      wait "$nginx_pid" 2>/dev/null || true
      nginx_pid=''
      if grep -q 'Address already in use' "$workdir/error.log" "$workdir/nginx.out"; then
        return 2
      fi
      cat "$workdir/error.log" "$workdir/nginx.out" >&2
      die "nginx exited at start (its error log is above)"
    fi
    # The pid file appears once nginx has bound its port, so a port taken by another process
    # cannot pass for ours.
    if [ -s "$workdir/nginx.pid" ] && accepts "$port"; then
      return 0
    fi
    sleep 0.05
  done
  cat "$workdir/error.log" >&2
  die "nginx did not accept connections on 127.0.0.1:$port within 10 s"
}

# A port below Linux's ephemeral range (32768-60999) that nothing listens on now; nginx may still
# lose it to another process, hence the retries.
port=''
for _ in 1 2 3 4 5; do
  candidate=$((20000 + RANDOM % 12000))
  accepts "$candidate" && continue
  say "starting a private nginx-rtmp on 127.0.0.1:$candidate (in $workdir)"
  status=0
  start_nginx "$candidate" || status=$?
  if [ "$status" = 0 ]; then
    port=$candidate
    break
  fi
  say "port $candidate was taken; trying another"
done
[ -n "$port" ] || die "could not start nginx on a free port in 5 attempts"

stream="demo-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
url="rtmp://127.0.0.1:$port/live/$stream"
say "$probe $url $*"
set +e
"$probe" "$url" "$@"
code=$?
set -e

case $code in
  0) state=OK ;;
  1) state=WARNING ;;
  2) state=CRITICAL ;;
  3) state=UNKNOWN ;;
  *) state='not a Nagios exit code' ;;
esac
say "rtmp-probe exited with code $code ($state)"
exit "$code"
