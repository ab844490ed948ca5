#!/usr/bin/env bash
# Builds the Debian package and the RPM of rtmp-probe into target/debian/ and
# target/generate-rpm/:
#   1. the man page and the bash, zsh and fish completions, generated from the clap definition
#      (`cargo run --example gen-assets -- target/assets`), the man page gzipped;
#   2. the release binary as shipped (scripts/build-release.sh: statically linked on Linux with glibc,
#      in target/<host triple>/release/);
#   3. cargo deb --no-build, then cargo generate-rpm, both told that triple so that they find it.
# Needs cargo-deb and cargo-generate-rpm (`cargo install --locked cargo-deb cargo-generate-rpm`;
# scripts/ci-ecosystem.sh installs them). Prints the paths of the two packages on stdout.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

for tool in cargo-deb cargo-generate-rpm; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing: cargo install --locked $tool (or run scripts/ci-ecosystem.sh)"
done

# cargo-deb and cargo-generate-rpm read the assets from these paths of Cargo.toml, whatever
# CARGO_TARGET_DIR says; the binary they find through cargo's own target directory.
assets=target/assets
say "generating the man page and completions into $assets"
rm -rf "$assets"
cargo run --quiet --locked --example gen-assets -- "$assets" >/dev/null
gzip -9 -n -f "$assets/rtmp-probe.1"

bin=$(scripts/build-release.sh)
host=$(host_triple)
say "packaging $bin"

say "building the Debian package (cargo deb)"
deb=$(cargo deb --no-build --locked --target "$host" --output target/debian/ | tail -n 1)
[ -f "$deb" ] || die "cargo deb did not report a .deb (it printed: $deb)"

say "building the RPM (cargo generate-rpm)"
rm -rf target/generate-rpm
mkdir -p target/generate-rpm
cargo generate-rpm --target "$host" --output target/generate-rpm/
rpm_file=$(find target/generate-rpm -maxdepth 1 -name '*.rpm' | head -n 1)
[ -n "$rpm_file" ] || die "cargo generate-rpm wrote no .rpm into target/generate-rpm"

printf '%s\n' "$deb" "$rpm_file"
