#!/usr/bin/env bash
# Builds the release binary as it is shipped (in the packages of packaging/build.sh, and measured
# by bench/) and prints its path on stdout: target/<host triple>/release/rtmp-probe.
#
# On Linux with glibc the binary is linked statically (-C target-feature=+crt-static): without the
# dynamic loader a whole check starts and ends about 0.5 ms sooner, about a fifth of its cost on a
# loopback server (docs/BENCHMARKS.md, section 5), and one binary runs on any Linux of its
# architecture. What that changes for name lookups is a decision written in docs/DECISIONS.md
# ("The shipped binary is static"). On other systems it is a plain release build.
#
# crt-static needs an explicit --target: with one, RUSTFLAGS reach only the crates built for the
# target, not the proc-macros (clap's derive, serde's...), which cannot be built static. Hence the
# triple in the path. A plain `cargo build --release` still works and gives a dynamic binary in
# target/release/. Extra arguments go to cargo build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

host=$(host_triple)
case $host in
  *-linux-gnu*)
    # getrandom looks up glibc's getrandom() with dlsym, which finds nothing in a static binary,
    # and would then read /dev/urandom (after polling /dev/random): call it directly instead.
    static='-C target-feature=+crt-static --cfg getrandom_backend="linux_getrandom"'
    export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$static"
    say "building the release binary for $host, statically linked"
    ;;
  *)
    say "building the release binary for $host"
    ;;
esac
cargo build --release --locked --target "$host" "$@" >&2
bin="${CARGO_TARGET_DIR:-target}/$host/release/rtmp-probe"
[ -x "$bin" ] || die "the build did not produce $bin"
printf '%s\n' "$bin"
