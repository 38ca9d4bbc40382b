#!/usr/bin/env bash
# Times `lint` with a check plugin on googleapis, protolith against buf
# (scripts/bench.sh underneath): a module of googleapis 6.0.1 (linked, not
# copied) whose buf.yaml adds the test plugin (tests/bin/buf_plugin_fixture.rs)
# with two of its rules beside STANDARD. Both tools run the same plugin, so
# its own Check time (about 2 s here, decoding a request of every file) is in
# both totals. The outputs are compared before timing.
#
#   scripts/bench-check-plugins.sh [-r RUNS]
#
# PROTOLITH and BUF as for bench.sh; FIXTURE_DIR is where buf-plugin-fixture
# is (default: built with cargo build --release).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
BUF=${BUF:-$root/.refs/bin/buf}
PROTOLITH=${PROTOLITH:-$root/target/release/protolith}
if [[ -z "${FIXTURE_DIR:-}" ]]; then
  cargo build --release --bin protolith --bin buf-plugin-fixture >&2
  FIXTURE_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release"
fi
export PATH="$FIXTURE_DIR:$PATH"
corpus=$root/.refs/googleapis-6.0.1
[[ -d $corpus ]] || { echo "run scripts/refs.sh first" >&2; exit 2; }
mod=$(mktemp -d)
trap 'rm -rf "$mod"' EXIT
for d in "$corpus"/*/; do ln -s "${d%/}" "$mod/$(basename "$d")"; done
cat > "$mod/buf.yaml" <<'YAML'
version: v2
plugins:
  - plugin: buf-plugin-fixture
    options: {message_prefix: G}
lint:
  use: [STANDARD, FIX_STYLE, FIX_FILE_NOTE]
YAML
(cd "$mod" && "$BUF" lint > "$mod.buf.out" || true)
(cd "$mod" && PROTOLITH_NO_CACHE=1 "$PROTOLITH" lint > "$mod.protolith.out" || true)
if cmp -s "$mod.buf.out" "$mod.protolith.out"; then
  echo "outputs identical ($(wc -l < "$mod.buf.out") findings)"
else
  echo "outputs differ: diff $mod.buf.out $mod.protolith.out" >&2
  exit 1
fi
rm -f "$mod.buf.out" "$mod.protolith.out"
PROTOLITH=$PROTOLITH BUF=$BUF "$root/scripts/bench.sh" --cmd lint "$@" "$mod"
