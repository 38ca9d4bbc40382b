#!/usr/bin/env bash
# Records buf 1.75.0's answers for the check-plugins cases (expected/ of each
# case) through the harness the tests use (tests/check_plugins.rs), runs buf
# again to check the recordings are stable, then checks protolith.
#
#   testdata/check-plugins/regen.sh                    # every case
#   testdata/check-plugins/regen.sh lint_defaults ...  # only these cases
#
# BUF defaults to .refs/bin/buf (scripts/refs.sh). Debug builds: the
# harness builds buf-plugin-fixture with the test, and buf runs that binary.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
BUF=${BUF:-$root/.refs/bin/buf}
[[ -x "$BUF" ]] || { echo "buf not found at $BUF (set BUF=...)" >&2; exit 2; }
echo "buf: $BUF ($("$BUF" --version))" >&2
filters=()
for c in "$@"; do c=${c%/}; filters+=("case::${c##*/}"); done
run() { cargo nextest run --test check_plugins --no-fail-fast "$@"; }
echo "== recording buf" >&2
CLI_TOOL="$BUF" CLI_RECORD=1 run "${filters[@]}" || { echo "recording failed" >&2; exit 1; }
echo "== checking a second buf run gives the same results" >&2
CLI_TOOL="$BUF" run "${filters[@]}"
stable=$?
echo "== checking protolith" >&2
run "${filters[@]}"
ours=$?
echo "buf stable: $([[ $stable == 0 ]] && echo yes || echo NO); protolith matches: $([[ $ours == 0 ]] && echo yes || echo no)" >&2
exit $((stable != 0 || ours != 0))
