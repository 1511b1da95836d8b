#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (apart from the main g++ build) and
# runs each for SECONDS seconds (default 30). Exits non-zero when a target
# fails to build or finds a crash; the crashing input is left in
# build-fuzz/artifacts/. Needs clang and libclang-rt-14-dev (.ci/run
# installs them).
#
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
seconds=${1:-30}
out=$root/build-fuzz
mkdir -p "$out/artifacts"

cxx=${CXX_FUZZ:-clang++}
flags=(-std=c++17 -g -O1 -I"$root" -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

# target: its sources besides tests/fuzz/<target>.cpp
declare -A sources=(
  [engineio_fuzz]="protocol/socketio/engineio.cpp"
  [socketio_fuzz]="protocol/socketio/packet.cpp protocol/json_limits.cpp protocol/json_writer.cpp"
  [ws_frame_fuzz]="net/ws_frame.cpp"
)

status=0
for target in engineio_fuzz socketio_fuzz ws_frame_fuzz; do
  echo "== $target: build"
  # shellcheck disable=SC2086 # the source lists are meant to split
  "$cxx" "${flags[@]}" -o "$out/$target" "tests/fuzz/$target.cpp" ${sources[$target]}
  # New inputs go to the build tree's corpus; the seeds stay read-only.
  mkdir -p "$out/corpus/$target"
  echo "== $target: ${seconds}s"
  if ! "$out/$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$target-" \
      -dict="tests/fuzz/$target.dict" \
      "$out/corpus/$target" "tests/fuzz/corpus/$target" 2>"$out/$target.log"; then
    tail -n 60 "$out/$target.log"
    echo "== $target: FAILED (log: $out/$target.log)"
    status=1
    continue
  fi
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|^Done ' \
    "$out/$target.log" || true
done
exit $status
