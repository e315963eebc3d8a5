#!/usr/bin/env bash
# Builds the fuzzers (debug, `swift build --sanitize=fuzzer`) and runs each target for SECONDS
# (default FUZZ_SECONDS or 60) from its seeds in Corpus/<target>/, after replaying every input in
# Regressions/<target>/ (each a crash found once, fixed, and kept). New inputs go to a temporary
# folder, so the committed corpus does not change; a crash fails the run and its input is kept in
# .build/fuzz-findings/ — make it a regression case and fix the bug. Called by compose/test.
#   Tests/Fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
seconds="${1:-${FUZZ_SECONDS:-60}}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frames multipart range sniffer names image-headers)
swift build --sanitize=fuzzer 2>&1 | tail -n 1
bin="$(swift build --sanitize=fuzzer --show-bin-path)/ImageSwissFuzz"
work="$(mktemp -d)"
findings="$here/.build/fuzz-findings"
mkdir -p "$findings"
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
  [ -d "Corpus/$target" ] || { echo "no corpus for $target"; exit 2; }
  mkdir -p "$work/$target"
  if compgen -G "Regressions/$target/*" >/dev/null; then
    FUZZ_TARGET="$target" "$bin" Regressions/"$target"/* >"$work/$target.regressions.log" 2>&1 \
      || { tail -n 40 "$work/$target.regressions.log"; echo "fuzz $target: a regression case fails"; exit 1; }
  fi
  # -timeout: an input taking longer is a finding (a loop, or a decoder reading what it should not).
  if ! FUZZ_TARGET="$target" "$bin" "$work/$target" "Corpus/$target" -max_total_time="$seconds" -max_len=65536 \
      -timeout=20 -rss_limit_mb=3072 -artifact_prefix="$findings/$target-" -print_final_stats=1 >"$work/$target.log" 2>&1; then
    tail -n 60 "$work/$target.log"
    echo "fuzz $target: FOUND A CRASH (input in $findings)"
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")"
  echo "fuzz $target: ${runs:-?} inputs in ${seconds}s, no crash ($(ls "$work/$target" | wc -l) in the corpus)"
done
