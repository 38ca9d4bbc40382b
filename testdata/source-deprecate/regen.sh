#!/bin/bash
# Records buf 1.75.0's `source edit deprecate` on each case: the rewritten
# tree goes to <case>/expected/. Cases with expected-protolith/ are our
# deliberate differences and are not overwritten.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
buf=${BUF:-$here/../../.refs/bin/buf}
for c in "$here"/*/; do
  [ -d "$c/expected-protolith" ] && continue
  rm -rf "$c/expected" && cp -r "$c/input" "$c/expected"
  (cd "$c/expected" && "$buf" source edit deprecate $(cat "$c/args"))
done
