#!/usr/bin/env bash
# Records the expected outputs of the generate cases (testdata/generate/<case>/
# and testdata/generate-real/<case>/) by running real buf through the same
# harness the tests use (tests/generate.rs), then runs buf again in compare
# mode: a second run that differs (requests, stderr, tree) fails the script.
#
#   BUF=/path/to/buf testdata/generate/regen.sh            # every case
#   BUF=... testdata/generate/regen.sh zip clean_stale     # only these cases
#   BUF=... testdata/generate/regen.sh real::go_managed    # a tier-2 case
#
# BUF defaults to .refs/bin/buf (scripts/refs.sh), else buf on PATH.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
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

# Test filters: `case::NAME` for tier 1, `real::NAME` for tier 2; none = all.
filters=()
for c in "$@"; do
  c=${c%/}; c=${c##*/}
  case "$c" in
    real::*|case::*) filters+=("$c") ;;
    *) if [[ -d "$root/testdata/generate-real/$c" ]]; then filters+=("real::$c"); else filters+=("case::$c"); fi ;;
  esac
done
run() {
  if [[ ${#filters[@]} -eq 0 ]]; then
    cargo test --release --test generate -- --test-threads 2 "$@"
  else
    cargo test --release --test generate -- --test-threads 2 --exact "${filters[@]}" "$@"
  fi
}

echo "== recording" >&2
GENERATE_TOOL="$BUF" GENERATE_RECORD=1 run
echo "== checking a second buf run gives the same results" >&2
GENERATE_TOOL="$BUF" run
