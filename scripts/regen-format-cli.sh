#!/usr/bin/env bash
# Records the expected answers of the `format` command-line cases
# (testdata/format-cli/<case>/expected/) by running real buf through the
# harness the tests use (tests/format_cli.rs), then runs buf again in
# compare mode: a second run that differs fails the script. Then records
# protolith's own answers (expected-protolith/) for the cases where it
# differs from buf on purpose (those with NOTES; a case that needs the
# printer is left as it is until the printer prints buf's layout).
#
#   scripts/regen-format-cli.sh                    # every case
#   scripts/regen-format-cli.sh output_dir help    # only these cases
#
# BUF defaults to .refs/bin/buf (scripts/refs.sh), else buf on PATH.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

BUF=${BUF:-}
if [[ -z "$BUF" ]]; then
  if [[ -x .refs/bin/buf ]]; then BUF=.refs/bin/buf; else BUF=buf; fi
fi
if [[ "$BUF" == */* && "$BUF" != /* ]]; then
  BUF="$(cd "$(dirname "$BUF")" && pwd)/$(basename "$BUF")"
fi
if [[ "$BUF" != */* ]]; then BUF="$(command -v "$BUF" || true)"; fi
[[ -x "$BUF" ]] || { echo "buf not found (set BUF=...)" >&2; exit 2; }
echo "buf: $BUF ($("$BUF" --version))" >&2

cargo build --release --bins

cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
  for d in testdata/format-cli/*/; do cases+=("$(basename "$d")"); done
fi
filters=()
for c in "${cases[@]}"; do c=${c%/}; filters+=("case::${c##*/}"); done
run() {
  cargo test --release --test format_cli -- --test-threads 2 --exact "$@"
}

echo "== recording buf" >&2
FORMAT_TOOL="$BUF" FORMAT_RECORD=1 run "${filters[@]}"
echo "== checking a second buf run gives the same results" >&2
FORMAT_TOOL="$BUF" run "${filters[@]}"

ours=()
for c in "${cases[@]}"; do
  c=${c%/}; c=${c##*/}
  d=testdata/format-cli/$c
  [[ -f $d/NOTES ]] && ours+=("case::$c")
done
if [[ ${#ours[@]} -gt 0 ]]; then
  echo "== recording protolith's answers where it differs on purpose" >&2
  FORMAT_RECORD=protolith run "${ours[@]}"
fi
echo "== checking protolith" >&2
run "${filters[@]}"
