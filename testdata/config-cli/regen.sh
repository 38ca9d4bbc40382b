#!/usr/bin/env bash
# Records buf 1.75.0's answers for the config-cli cases (expected/ of each
# case) through the harness the tests use (tests/config_cli.rs), runs buf
# again to check the recordings are stable, then checks protolith.
#
#   testdata/config-cli/regen.sh                 # every case
#   testdata/config-cli/regen.sh init_plain ...  # only these cases
#
# BUF defaults to .refs/bin/buf (scripts/refs.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
BUF=${BUF:-$root/.refs/bin/buf}
[[ -x "$BUF" ]] || { echo "buf not found at $BUF (set BUF=...)" >&2; exit 2; }
echo "buf: $BUF ($("$BUF" --version))" >&2
filters=()
for c in "$@"; do c=${c%/}; filters+=("case::${c##*/}"); done
run() { cargo nextest run --release --test config_cli --no-fail-fast "$@"; }
echo "== recording buf" >&2
CLI_TOOL="$BUF" CLI_RECORD=1 run "${filters[@]}"
echo "== checking a second buf run gives the same results" >&2
CLI_TOOL="$BUF" run "${filters[@]}"
echo "== checking protolith" >&2
run "${filters[@]}"
