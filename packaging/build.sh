#!/usr/bin/env bash
# Builds the Debian package and the RPM of rtmp-probe into target/debian/ and
# target/generate-rpm/:
#   1. the man page and the bash, zsh and fish completions, generated from the clap definition
#      (`cargo run --example gen-assets -- target/assets`), the man page gzipped;
#   2. the release binary as shipped (scripts/build-release.sh: statically linked on Linux with glibc,
#      in target/<host triple>/release/);
#   3. cargo deb --no-build, then cargo generate-rpm, both told that triple so that they find it.
# Needs cargo-deb and cargo-generate-rpm at the versions CI pins (CARGO_DEB_VERSION and
# CARGO_GENERATE_RPM_VERSION in scripts/lib.sh; scripts/ci-ecosystem.sh installs them), a C compiler
# and libc6-dev (installed with apt-get if missing). Prints the paths of the two packages on stdout;
# everything else, cargo's own progress included, goes to stderr. The first run takes about 3 minutes
# on 2 idle cores (a debug build for gen-assets, then the release build: fat LTO, one codegen unit);
# each step says when it starts and how long it took.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

started=$SECONDS
step_start=$SECONDS
# Says how long the step that just ended took.
done_step() {
  say "$1 ($((SECONDS - step_start)) s)"
  step_start=$SECONDS
}

missing=()
for entry in "cargo-deb=$CARGO_DEB_VERSION" "cargo-generate-rpm=$CARGO_GENERATE_RPM_VERSION"; do
  tool=${entry%%=*} version=${entry#*=}
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing+=("$tool $version")
  elif ! "$tool" --version 2>/dev/null | grep -qF "$version"; then
    say "warning: $($tool --version 2>/dev/null | head -n 1) is not the version CI uses ($version)"
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  what='' hint=''
  for entry in "${missing[@]}"; do
    what+="${what:+ and }$entry"
    hint+="${hint:+ && }cargo install --locked ${entry% *} --version ${entry#* }"
  done
  die "$what missing; install with: $hint (or run scripts/ci-ecosystem.sh, which does it)"
fi
ensure_c_toolchain

# cargo-deb and cargo-generate-rpm read the assets from these paths of Cargo.toml, whatever
# CARGO_TARGET_DIR says; the binary they find through cargo's own target directory.
assets=target/assets
say "generating the man page and completions into $assets (cargo run --example gen-assets: a debug build, about a minute the first time)"
rm -rf "$assets"
# gen-assets prints the files it wrote: on stderr, as stdout is for the packages' paths.
cargo run --locked --example gen-assets -- "$assets" >&2
gzip -9 -n -f "$assets/rtmp-probe.1"
done_step "generated the man page and completions"

say "building the release binary (scripts/build-release.sh: about 1.5 minutes the first time on 2 idle cores)"
bin=$(scripts/build-release.sh)
host=$(host_triple)
done_step "built $bin"

say "building the Debian package (cargo deb)"
deb=$(cargo deb --no-build --locked --target "$host" --output target/debian/ | tail -n 1)
[ -f "$deb" ] || die "cargo deb did not report a .deb (it printed: $deb)"
done_step "built $deb"

say "building the RPM (cargo generate-rpm)"
rm -rf target/generate-rpm
mkdir -p target/generate-rpm
cargo generate-rpm --target "$host" --output target/generate-rpm/ >&2
rpm_file=$(find target/generate-rpm -maxdepth 1 -name '*.rpm' | head -n 1)
[ -n "$rpm_file" ] || die "cargo generate-rpm wrote no .rpm into target/generate-rpm"
done_step "built $rpm_file"

say "packaging/build.sh done in $((SECONDS - started)) s"
printf '%s\n' "$deb" "$rpm_file"
