#!/usr/bin/env bash
# Regenerates the expected outputs of every valid-module case in this folder
# (or only the cases named as arguments) by running real buf.
#
#   BUF=/path/to/buf testdata/build/regen.sh [case...]
#
# For each case directory containing input/, buf is run from inside the case
# directory with "input" as the input so that paths in the outputs are stable:
#   expected.binpb      buf build input -o expected.binpb          (full image)
#   expected.fds.binpb  buf build input --as-file-descriptor-set -o ...
#   expected.txtpb      buf build input -o expected.txtpb          (readable)
#   expected.no-source-retention.binpb   (only where it exists already)
#                       buf build input --exclude-source-retention-options -o ...
# Every case must build: a non-zero exit from buf aborts the script.
set -euo pipefail

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
  [[ -d "$c/input" ]] || continue
  echo "== $c" >&2
  (
    cd "$c"
    rm -f expected.binpb expected.fds.binpb expected.txtpb
    "$BUF" build input -o expected.binpb
    "$BUF" build input --as-file-descriptor-set -o expected.fds.binpb
    "$BUF" build input -o expected.txtpb
    # Cases tests/build_fixtures.rs also builds with --exclude-source-retention-options.
    if [[ -f expected.no-source-retention.binpb ]]; then
      "$BUF" build input --exclude-source-retention-options -o expected.no-source-retention.binpb
    fi
  ) || { echo "FAILED: $c" >&2; status=1; }
done
exit $status
