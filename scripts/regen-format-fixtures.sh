#!/usr/bin/env bash
# Regenerates the goldens of testdata/format/ from buf 1.75.0.
#
# For every testdata/format/<case>.proto it writes
#   <case>.golden       buf format of the file's bytes
#   <case>.crlf.golden  buf format of the same bytes with every LF not already
#                       after a CR turned into CRLF (buf keeps \r inside
#                       comments, so these are stored byte for byte)
# and checks that buf is idempotent on both outputs; if it is not, the script
# fails loudly and names the case (such a case does not belong in the set).
# Goldens whose .proto no longer exists are removed. divergent/ is left alone:
# its expected outputs are protolith's own, not buf's.
#
# Usage: scripts/regen-format-fixtures.sh [case.proto ...]
#   BUF=/path/to/buf overrides the buf binary (default: .refs/bin/buf, see
#   scripts/refs.sh). With arguments, only those cases are regenerated.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/testdata/format"
buf="${BUF:-$root/.refs/bin/buf}"

if [ ! -x "$buf" ]; then
  echo "error: no buf binary at $buf (run scripts/refs.sh, or set BUF)" >&2
  exit 1
fi
version="$("$buf" --version 2>&1)"
if [ "$version" != "1.75.0" ]; then
  echo "error: $buf is buf $version; the goldens pin buf 1.75.0" >&2
  exit 1
fi

# buf runs in an empty directory so no buf.yaml around the repository applies.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fmt IN OUT: buf format of IN's bytes into OUT; fails on a non-zero exit.
fmt() {
  if ! (cd "$work" && "$buf" format --stdin-filepath x.proto <"$1" >"$2" 2>"$work/stderr"); then
    echo "error: buf format failed on $case:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
}

# check_fixpoint GOLDEN LABEL: buf must leave its own output unchanged.
check_fixpoint() {
  fmt "$1" "$work/second"
  if ! cmp -s "$1" "$work/second"; then
    echo "error: buf is not idempotent on $case ($2); second pass differs:" >&2
    diff -u "$1" "$work/second" >&2 || true
    exit 1
  fi
}

if [ "$#" -gt 0 ]; then
  cases=("$@")
else
  shopt -s nullglob
  cases=("$dir"/*.proto)
fi

n=0
for proto in "${cases[@]}"; do
  case="$(basename "$proto" .proto)"
  proto="$dir/$case.proto"
  [ -f "$proto" ] || { echo "error: no such fixture: $proto" >&2; exit 1; }

  fmt "$proto" "$dir/$case.golden"
  check_fixpoint "$dir/$case.golden" "LF"

  perl -pe 's/(?<!\r)\n/\r\n/g' <"$proto" >"$work/crlf.proto"
  fmt "$work/crlf.proto" "$dir/$case.crlf.golden"
  check_fixpoint "$dir/$case.crlf.golden" "CRLF"
  n=$((n + 1))
done

# Goldens left behind by renamed or deleted fixtures.
for golden in "$dir"/*.golden; do
  [ -e "$golden" ] || continue
  stem="$(basename "$golden")"
  stem="${stem%.golden}"
  stem="${stem%.crlf}"
  if [ ! -f "$dir/$stem.proto" ]; then
    echo "removed stale $(basename "$golden")"
    rm -f "$golden"
  fi
done

echo "regenerated $n case(s) with buf $version"
