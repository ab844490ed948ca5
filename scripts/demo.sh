#!/usr/bin/env bash
# Quick start in one command: installs nginx with the RTMP module (and a C compiler, which cargo
# links with) if missing, builds rtmp-probe in release mode, starts a private nginx-rtmp on a free
# loopback port (in a temporary directory, removed at the end), probes it, and exits with the
# probe's exit code (Nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Extra arguments go to
# rtmp-probe after the URL, e.g. `scripts/demo.sh --format text`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

begin_install
ensure_c_toolchain
ensure_nginx_rtmp
install_queued

say "building rtmp-probe (cargo build --release --locked; 1 to 2.5 minutes the first time on 2 idle cores)"
cargo build --release --locked
probe="${CARGO_TARGET_DIR:-target}/release/rtmp-probe"
[ -x "$probe" ] || die "the build did not produce $probe"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/rtmp-probe-demo.XXXXXX")

# shellcheck disable=SC2317 # (cleanup runs from the EXIT trap)
cleanup() {
  stop_private_nginx
  rm -rf "$workdir"
}
trap cleanup EXIT

say "starting a private nginx-rtmp (in $workdir)"
start_private_nginx "$workdir"
port=$NGINX_PORT
say "nginx-rtmp listens on 127.0.0.1:$port"

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
