#!/usr/bin/env bash
# The test command of rtmp-probe (README and CI): makes sure nginx with the RTMP module is installed
# (the integration tests start private instances of it), promtool (checks the Prometheus output),
# and the monitoring daemons and shells of the ecosystem tests (nagios4, icinga2, nrpe, zsh,
# fish...), then runs `cargo test --locked` with any arguments given, e.g.
# `scripts/test.sh harness::` or `scripts/test.sh -- --nocapture`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_nginx_rtmp
ensure_promtool
ensure_ecosystem_tools
say "cargo test --locked $*"
exec cargo test --locked "$@"
