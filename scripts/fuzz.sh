#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ once, then runs each for a fixed time against a
# fresh copy of its seed corpus (fuzz/corpus/<target>/ is never written to).
#
#   bash scripts/fuzz.sh [seconds-per-target] [target...]
#
# seconds-per-target defaults to 30; 0 only replays the seed corpus (a quick regression
# check, no mutation). No target names means every target in fuzz/fuzz_targets/.
#
# Toolchain: `cargo +nightly` when rustup lists a nightly toolchain, otherwise the default
# (stable) toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags). Force one route
# with FUZZ_TOOLCHAIN=nightly or FUZZ_TOOLCHAIN=stable.
#
# Other settings (environment):
#   FUZZ_SANITIZER     address (default, as cargo-fuzz), none, leak, memory, thread
#   FUZZ_KEEP_CORPUS   1 keeps fuzz/work/corpus/<target>/ between runs instead of
#                      starting again from the seeds
#   FUZZ_TIMEOUT       seconds one input may take before it counts as a hang (default 10)
#
# A crash, hang or out-of-memory makes its target fail: the input is written to
# fuzz/artifacts/<target>/ and its path is printed. Full libFuzzer logs are in
# fuzz/work/logs/<target>.log. The last line is `fuzz: N passed, M failed` (one per
# target); the exit code is non-zero when any target failed or the build failed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
[ $# -gt 0 ] && shift
case "$seconds" in
  '' | *[!0-9]*)
    echo "usage: bash scripts/fuzz.sh [seconds-per-target] [target...]" >&2
    echo "fuzz: 0 passed, 1 failed"
    exit 2
    ;;
esac

CARGO_FUZZ_VERSION=0.13.2
FUZZ_DIR=fuzz
WORK=$FUZZ_DIR/work
sanitizer=${FUZZ_SANITIZER:-address}
timeout=${FUZZ_TIMEOUT:-10}
# The fuzz project's own target dir (fuzz/target), whatever the environment says.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

mapfile -t all_targets < <(find "$FUZZ_DIR/fuzz_targets" -maxdepth 1 -name '*.rs' -printf '%f\n' | sed 's/\.rs$//' | sort)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

summary() {
  echo
  echo "fuzz: $1 passed, $2 failed"
}

# --- cargo-fuzz ------------------------------------------------------------------------
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install --locked)"
  start=$(date +%s)
  if ! cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"; then
    echo "fuzz: could not install cargo-fuzz" >&2
    summary 0 "${#targets[@]}"
    exit 1
  fi
  echo "fuzz: cargo-fuzz installed in $(($(date +%s) - start)) s"
fi

# --- toolchain -------------------------------------------------------------------------
route=${FUZZ_TOOLCHAIN:-}
if [ -z "$route" ]; then
  if command -v rustup >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    route=nightly
  else
    route=stable
  fi
fi
case "$route" in
  nightly)
    cargo=(cargo +nightly)
    shown="cargo +nightly"
    ;;
  stable)
    # cargo-fuzz passes -Zsanitizer and other unstable flags: let the stable compiler take them.
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
    shown="RUSTC_BOOTSTRAP=1 cargo"
    ;;
  *)
    echo "fuzz: FUZZ_TOOLCHAIN must be nightly or stable, not '$route'" >&2
    summary 0 "${#targets[@]}"
    exit 2
    ;;
esac
echo "fuzz: toolchain route '$route' ($("${cargo[@]}" --version), $(cargo fuzz --version 2>/dev/null | head -n 1))"

# Build and run share these options so that `cargo fuzz run` finds the build up to date.
opts=(--fuzz-dir "$FUZZ_DIR" --sanitizer "$sanitizer")

# --- build once ------------------------------------------------------------------------
echo "fuzz: building ${#all_targets[@]} targets (sanitizer $sanitizer)"
start=$(date +%s)
if ! "${cargo[@]}" fuzz build "${opts[@]}"; then
  echo "fuzz: build failed" >&2
  summary 0 "${#targets[@]}"
  exit 1
fi
echo "fuzz: built in $(($(date +%s) - start)) s"

# --- run each target -------------------------------------------------------------------
passed=0
failed=0
failures=()
mkdir -p "$WORK/corpus" "$WORK/logs"
for target in "${targets[@]}"; do
  if [ ! -f "$FUZZ_DIR/fuzz_targets/$target.rs" ]; then
    echo "fuzz: $target FAILED: no such target (have: ${all_targets[*]})"
    failed=$((failed + 1))
    failures+=("$target")
    continue
  fi
  corpus=$WORK/corpus/$target
  artifacts=$FUZZ_DIR/artifacts/$target
  log=$WORK/logs/$target.log
  if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ] || [ ! -d "$corpus" ]; then
    rm -rf "$corpus"
    mkdir -p "$corpus"
    if [ -d "$FUZZ_DIR/corpus/$target" ]; then
      cp -R "$FUZZ_DIR/corpus/$target/." "$corpus/"
    fi
  fi
  mkdir -p "$artifacts"
  before=$(find "$artifacts" -type f | sort)
  if [ "$seconds" -eq 0 ]; then
    budget=(-runs=0)
  else
    budget=(-max_total_time="$seconds")
  fi
  echo
  echo "=== fuzz $target (${seconds}s, $(find "$corpus" -type f | wc -l) inputs in $corpus)"
  "${cargo[@]}" fuzz run "${opts[@]}" "$target" "$corpus" -- \
    "${budget[@]}" -timeout="$timeout" -print_final_stats=1 >"$log" 2>&1
  status=$?
  new=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | sed '/^$/d')
  if [ "$status" -eq 0 ] && [ -z "$new" ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
    echo "fuzz: $target passed (${runs:-?} inputs run, ${cov:-cov: ?}, corpus now $(find "$corpus" -type f | wc -l) inputs)"
    passed=$((passed + 1))
  else
    # The panic message or sanitizer report, else the end of the log (a build error).
    echo "--- from $log"
    details=$( { grep -E -m1 -A3 'panicked at' "$log"
      grep -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|^SUMMARY:|Test unit written to' "$log" | head -n 10; } )
    if [ -n "$details" ]; then echo "$details"; else tail -n 40 "$log"; fi
    echo "---"
    echo "fuzz: $target FAILED (exit $status)"
    if [ -n "$new" ]; then
      while IFS= read -r artifact; do
        echo "fuzz: crash artifact: $artifact ($(wc -c <"$artifact") bytes)"
        if [ "$(wc -c <"$artifact")" -le 512 ]; then
          echo "fuzz:   input hex: $(od -An -v -tx1 "$artifact" | tr -d ' \n')"
        fi
        echo "fuzz:   reproduce: $shown fuzz run --fuzz-dir $FUZZ_DIR --sanitizer $sanitizer $target $artifact"
        echo "fuzz:   minimize:  $shown fuzz tmin --fuzz-dir $FUZZ_DIR --sanitizer $sanitizer $target $artifact"
      done <<<"$new"
    else
      echo "fuzz: no artifact written (see $log)"
    fi
    failed=$((failed + 1))
    failures+=("$target")
  fi
done

[ "$failed" -eq 0 ] || echo "fuzz: failed targets: ${failures[*]}"
summary "$passed" "$failed"
[ "$failed" -eq 0 ]
