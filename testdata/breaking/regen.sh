#!/usr/bin/env bash
# Regenerates expected.stdout / expected.stderr / expected.exit of every
# breaking case in this folder (or only the cases named as arguments) by
# running real buf.
#
#   BUF=/path/to/buf testdata/breaking/regen.sh [case...]
#   (BUF defaults to buf on PATH, else .refs/bin/buf; goldens come from buf 1.75.0)
#
# Each case directory holds:
#   input/           the current module / workspace (the working directory of
#                    the run; optional: when absent buf is run in a fresh empty
#                    temporary directory)
#   against/         the baseline module / workspace, named ../against in args
#                    (optional)
#   image/           pre-built baseline images (optional; committed, made once
#                    with `buf build`, see README.md)
#   args             one line: the arguments after `buf breaking`
# buf is run as   cd input && BUF_LOG_FORMAT=text eval "buf breaking $(cat ../args)"
# and its stdout, stderr and exit code are written to
#   expected.stdout  expected.stderr  expected.exit
set -uo pipefail

if [[ -z "${BUF:-}" ]]; then
  # default: buf on PATH, else the pinned reference binary of this repo
  if command -v buf >/dev/null; then BUF=buf
  else BUF="$(cd "$(dirname "$0")/../.." && pwd)/.refs/bin/buf"; fi
fi
if [[ "$BUF" == */* && "$BUF" != /* ]]; then
  BUF="$(cd "$(dirname "$BUF")" && pwd)/$(basename "$BUF")"
fi
command -v "$BUF" >/dev/null || { echo "buf not found: $BUF (set BUF=...)" >&2; exit 2; }

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if [[ $# -gt 0 ]]; then cases=("$@"); else cases=(); for d in */; do cases+=("${d%/}"); done; fi

for c in "${cases[@]}"; do
  c=${c%/}
  [[ -f "$c/args" ]] || { echo "skip $c: no args file" >&2; continue; }
  casedir="$here/$c"
  args=$(cat "$casedir/args")
  tmp=""
  if [[ -d "$casedir/input" ]]; then
    rundir="$casedir/input"
  else
    tmp=$(mktemp -d)
    rundir="$tmp"
  fi
  (
    cd "$rundir" || exit 2
    BUF_LOG_FORMAT=text eval "\"\$BUF\" breaking $args" \
      >"$casedir/expected.stdout" 2>"$casedir/expected.stderr"
    echo $? >"$casedir/expected.exit"
  )
  [[ -n "$tmp" ]] && rm -rf "$tmp"
  echo "== $c: exit $(cat "$casedir/expected.exit")" >&2
done
