#!/usr/bin/env bash
# The constant-time check (docs/constant-time.md): builds the pqwire-ct harness once with
# the `ct` cargo profile (the ci settings plus line tables), then runs every case under
# valgrind's memcheck with the reviewed suppressions of crates/pqwire-ct/ct.supp.
#
#   bash scripts/ct.sh [--jobs N] [--no-origins] [FILTER...]     (npm run ct -- ...)
#
# FILTER selects cases whose name contains it (`pqwire-ct list` shows them). Logs are in
# target/ct-logs/. The last line is `ct: N passed, N failed`; the exit code is non-zero
# when any case failed, valgrind is missing or the build failed.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
  echo "ct: valgrind not found (Debian/Ubuntu: apt-get install -y valgrind)" >&2
  echo "ct: 0 passed, 1 failed"
  exit 1
fi
HOST=$(rustc -vV | sed -n 's/^host: //p')
# Same --target as the addon and test builds, so that the harness shares their layout.
if ! cargo build -p pqwire-ct --profile ct --target "$HOST" --locked; then
  echo "ct: the harness did not build" >&2
  echo "ct: 0 passed, 1 failed"
  exit 1
fi
exec "target/$HOST/ct/pqwire-ct" check "$@"
