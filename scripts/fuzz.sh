#!/usr/bin/env bash
# Seeds and runs the cargo-fuzz targets in fuzz/ (see fuzz/README.md).
#
#   scripts/fuzz.sh seed                 (re)create fuzz/corpus/<target>/ from tests/fixtures/*.bin
#   scripts/fuzz.sh run TARGET [SECONDS] seed if needed, then fuzz TARGET for SECONDS (default 600)
#   scripts/fuzz.sh all [SECONDS]        run every target in turn, one at a time
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz`). On a stable toolchain RUSTC_BOOTSTRAP=1 is set for
# it, since cargo-fuzz passes nightly-only flags (-Zsanitizer=address). Fuzzing runs under
# `nice -n 19` with one job and a 2 GiB memory limit; libFuzzer's log goes to fuzz/logs/TARGET.log
# and the corpus it grows stays in fuzz/corpus/TARGET/ (both ignored by git), crashes go to
# fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGETS=(amf0_decode auth_refusal chunk_decode handshake media_parse message_decode)
FIX=tests/fixtures
CORPUS=fuzz/corpus

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# bytes FILE START [END]: bytes START..END (END exclusive; default: to the end) of FILE.
bytes() {
  local file=$1 start=$2 end=${3:-}
  if [ -n "$end" ]; then
    tail -c +"$((start + 1))" "$file" | head -c "$((end - start))"
  else
    tail -c +"$((start + 1))" "$file"
  fi
}

# seed TARGET NAME PREFIX: writes PREFIX (printf format, e.g. '\x10') followed by stdin to
# fuzz/corpus/TARGET/NAME.
seed() {
  local target=$1 name=$2 prefix=$3
  # shellcheck disable=SC2059 # the prefix is a printf format on purpose
  { printf "$prefix"; cat; } >"$CORPUS/$target/$name"
}

# The 245-byte payload of the Perl client's connect to FMS: the fixture is one 12-byte chunk
# header, 128 payload bytes, the continuation header 0xc3 at offset 140, 117 payload bytes.
perl_connect_payload() {
  bytes "$FIX/chunk-perl-connect.bin" 12 140
  bytes "$FIX/chunk-perl-connect.bin" 141
}

seed_all() {
  local t f name
  for t in "${TARGETS[@]}"; do
    mkdir -p "$CORPUS/$t"
  done

  # amf0_decode: bare AMF0 bodies (the *-packet.bin files carry chunk headers: chunk_decode).
  for f in "$FIX"/amf0-*.bin; do
    name=$(basename "$f" .bin)
    case $name in *-packet) continue ;; esac
    seed amf0_decode "$name" '' <"$f"
  done
  perl_connect_payload | seed amf0_decode perl-fms-connect ''

  # chunk_decode: flags byte (low nibble: number of piece sizes; 0x10: 1000-byte message limit),
  # piece sizes, then a chunk stream. The captures' chunk streams start at 3073, after S2.
  for f in "$FIX"/ffmpeg-*-s2c.bin "$FIX"/ffmpeg-*-c2s.bin; do
    name=$(basename "$f" .bin)
    bytes "$f" 3073 | seed chunk_decode "$name-bytewise" '\x00'
    bytes "$f" 3073 | seed chunk_decode "$name-pieces" '\x03\x07\x80\xff'
    bytes "$f" 3073 | seed chunk_decode "$name-small-limit" '\x12\x00\x0d'
  done
  for f in "$FIX"/chunk-perl-*.bin; do
    name=$(basename "$f" .bin)
    seed chunk_decode "$name" '\x01\x05' <"$f"
  done

  # handshake: flags byte (0x10: digest mode, else plain), piece sizes, then the server's bytes
  # (S0+S1+S2 = 0..3073, or the whole stream with the chunk stream behind S2).
  for f in "$FIX"/ffmpeg-*-s2c.bin; do
    name=$(basename "$f" .bin)
    bytes "$f" 0 3073 | seed handshake "$name-digest-bytewise" '\x10'
    bytes "$f" 0 3073 | seed handshake "$name-plain-bytewise" '\x00'
    seed handshake "$name-digest-pieces-whole" '\x12\x00\xff' <"$f"
    seed handshake "$name-plain-pieces-whole" '\x02\x01\xff' <"$f"
  done

  # message_decode: message type id, then the payload.
  for f in "$FIX"/amf0-*.bin; do
    name=$(basename "$f" .bin)
    case $name in
      *-packet) ;;
      *setdataframe) seed message_decode "$name" '\x12' <"$f" ;;
      *) seed message_decode "$name" '\x14' <"$f" ;;
    esac
  done
  perl_connect_payload | seed message_decode perl-fms-connect '\x14'
  seed message_decode ffmpeg-connect-as-type-17 '\x11\x00' <"$FIX/amf0-ffmpeg-connect.bin"
  seed message_decode ffmpeg-setdataframe-as-type-15 '\x0f\x00' <"$FIX/amf0-ffmpeg-setdataframe.bin"
  # nginx-rtmp's first control messages (12-byte fmt 0 headers at 3073, 3089, 3106).
  bytes "$FIX/ffmpeg-nginx-s2c.bin" 3085 3089 | seed message_decode nginx-window-ack-size '\x05'
  bytes "$FIX/ffmpeg-nginx-s2c.bin" 3101 3106 | seed message_decode nginx-set-peer-bandwidth '\x06'
  bytes "$FIX/ffmpeg-nginx-s2c.bin" 3118 3122 | seed message_decode nginx-set-chunk-size '\x01'

  # auth_refusal: flags byte (bit 0: the flow has credentials), then the descriptions of one
  # authentication's refusals, separated by 0x00, as Wowza (adobe) and Limelight (llnw) word them.
  local reject='[ AccessManager.Reject ] : '
  printf '%s\0%s\0%s' \
    "${reject}[ code=403 need auth; authmod=adobe ] : " \
    "${reject}[ authmod=adobe ] : ?reason=needauth&user=bob&salt=Kx9sAA==&challenge=4lmAAA==&opaque=vgoAAA==" \
    "${reject}[ authmod=adobe ] : ?reason=authfailed&opaque=vgoAAA==" | seed auth_refusal adobe-rounds '\x01'
  printf '%s\0%s\0%s' \
    "${reject}[ code=403 need auth; authmod=llnw ] : " \
    "${reject}[ authmod=llnw ] : ?reason=needauth&user=bob&nonce=MTIzNDU2Nzg5" \
    "${reject}[ authmod=llnw ] : ?reason=nosuchuser" | seed auth_refusal llnw-rounds '\x01'
  printf '%s' "${reject}[ code=403 need auth; authmod=adobe ] : " | seed auth_refusal no-credentials '\x00'
  # media_parse: the media fixtures as they are (tag bodies, configuration records, onMetaData),
  # and x264's SPS without its NAL header byte (the target also tries the input behind one).
  for f in "$FIX"/media/*; do
    name=$(basename "$f")
    case $name in *.md | *.sh) continue ;; esac
    seed media_parse "$name" '' <"$f"
  done
  bytes "$FIX/media/x264-main30-640x360-seq.bin" 14 37 | seed media_parse x264-main30-sps-rbsp ''
  bytes "$FIX/media/x264-high40-642x362-seq.bin" 14 40 | seed media_parse x264-high40-sps-rbsp ''

  for t in "${TARGETS[@]}"; do
    say "$CORPUS/$t: $(find "$CORPUS/$t" -type f | wc -l) files"
  done
}

run_target() {
  local target=$1 seconds=${2:-600}
  [[ " ${TARGETS[*]} " == *" $target "* ]] || die "unknown target '$target' (${TARGETS[*]})"
  command -v cargo-fuzz >/dev/null || die "cargo-fuzz is not installed: cargo install --locked cargo-fuzz"
  [ -d "$CORPUS/$target" ] || seed_all
  mkdir -p fuzz/logs
  local log=fuzz/logs/$target.log
  say "fuzzing $target for $seconds s (log: $log)"
  # -jobs=1 makes libFuzzer run one worker process that writes to fuzz-0.log in the current
  # directory; it is moved to the log file afterwards.
  local status=0
  RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run "$target" -- \
    -max_total_time="$seconds" -jobs=1 -rss_limit_mb=2048 -print_final_stats=1 || status=$?
  mv -f fuzz-0.log "$log" 2>/dev/null || true
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::|==ERROR|panicked|SUMMARY|Test unit written' "$log" >&2 || true
  return "$status"
}

case ${1:-} in
  seed) seed_all ;;
  run) [ $# -ge 2 ] || die "usage: scripts/fuzz.sh run TARGET [SECONDS]"; run_target "$2" "${3:-600}" ;;
  all)
    for t in "${TARGETS[@]}"; do
      run_target "$t" "${2:-600}"
    done
    ;;
  *) die "usage: scripts/fuzz.sh seed | run TARGET [SECONDS] | all [SECONDS]" ;;
esac
