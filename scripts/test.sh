#!/usr/bin/env bash
# The test command of rtmp-probe (README and CI): installs with apt-get whatever the tests need and
# is missing (ensure_test_prerequisites in scripts/lib.sh, one apt-get run, no recommends, no
# service started or left enabled; README.md lists each package and why), then runs
# `cargo test --locked` with any arguments given, e.g. `scripts/test.sh harness::`,
# `scripts/test.sh -- --nocapture`, or `scripts/test.sh --no-run` to install and build only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_test_prerequisites
say "cargo test --locked $*"
exec cargo test --locked "$@"
