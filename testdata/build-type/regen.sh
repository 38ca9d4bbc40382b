#!/usr/bin/env bash
# Regenerates the expected outputs of every `buf build --type` case in this
# folder (or only the cases named as arguments) by running real buf.
#
#   BUF=/path/to/buf testdata/build-type/regen.sh [case...]
#
# Each case directory holds input/ (a buf module or workspace) and args (the
# extra buf arguments, one per line, e.g. "--type" then "pkg.Foo"). buf is run
# from inside the case directory with "input" as the input:
#   expected.exit    exit code of: buf build input ARGS -o expected.binpb
#   expected.stderr  its stderr (usually empty)
#   expected.binpb   the image (only when the exit code is 0)
#   expected.txtpb   the same image in text format (only when the exit is 0)
# Each build is run twice and the script fails if the two images differ.
set -uo pipefail

BUF=${BUF:-buf}
# Make a relative path to buf usable after cd.
if [[ "$BUF" == */* && "$BUF" != /* ]]; then
  BUF="$(cd "$(dirname "$BUF")" && pwd)/$(basename "$BUF")"
fi
command -v "$BUF" >/dev/null || { echo "buf not found: $BUF (set BUF=...)" >&2; exit 2; }

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if [[ $# -gt 0 ]]; then cases=("$@"); else cases=(); for d in */; do cases+=("${d%/}"); done; fi

status=0
for c in "${cases[@]}"; do
  c=${c%/}
  [[ -d "$c/input" && -f "$c/args" ]] || { echo "skipping $c: no input/ or args" >&2; continue; }
  (
    set -e
    cd "$c"
    mapfile -t extra <args
    rm -f expected.binpb expected.txtpb expected.exit expected.stderr
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    code=0
    "$BUF" build input "${extra[@]}" -o expected.binpb 2>expected.stderr || code=$?
    echo "$code" >expected.exit
    echo "== $c: exit $code" >&2
    if [[ "$code" == 0 ]]; then
      "$BUF" build input "${extra[@]}" -o expected.txtpb
      # Determinism: a second run must give the same bytes and stderr.
      "$BUF" build input "${extra[@]}" -o "$tmp/again.binpb" 2>"$tmp/again.stderr"
      cmp -s expected.binpb "$tmp/again.binpb" || { echo "NONDETERMINISTIC image: $c" >&2; exit 1; }
      cmp -s expected.stderr "$tmp/again.stderr" || { echo "NONDETERMINISTIC stderr: $c" >&2; exit 1; }
    else
      rm -f expected.binpb
      code2=0
      "$BUF" build input "${extra[@]}" -o "$tmp/again.binpb" 2>"$tmp/again.stderr" || code2=$?
      [[ "$code2" == "$code" ]] || { echo "NONDETERMINISTIC exit: $c" >&2; exit 1; }
      cmp -s expected.stderr "$tmp/again.stderr" || { echo "NONDETERMINISTIC stderr: $c" >&2; exit 1; }
    fi
  ) || { echo "FAILED: $c" >&2; status=1; }
done
exit $status
