#!/usr/bin/env bash
# Runs this workspace's lint and breaking tests under Bazel (Debian's
# bazel-bootstrap 4.2.3, offline), first with protolith as the two protoc
# plugins, then, when they are on disk, with buf's own, and checks that every
# target passes or fails as it should and that both give the same findings.
#
#   examples/bazel/run.sh
#
# PROTOLITH     the protolith binary (default: cargo build --release, then
#               target/release/protolith)
# BUF_PLUGINS   directory holding buf's protoc-gen-buf-lint and
#               protoc-gen-buf-breaking (default: scripts/refs.sh's npm copy);
#               the comparison is skipped when they are not there
# BAZEL_SCRATCH where Bazel keeps its output (default: $TMPDIR/protolith-bazel)
#
# Exits 0 when everything behaved as expected, and also (with a message) when
# bazel is not installed. The Bazel server is shut down on exit.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v bazel >/dev/null; then
  echo "skipped: bazel is not installed (apt-get install bazel-bootstrap)"
  exit 0
fi
command -v protoc >/dev/null || { echo "protoc not found (apt-get install protobuf-compiler)" >&2; exit 2; }

if [[ -z "${PROTOLITH:-}" ]]; then
  (cd "$root" && cargo build --release)
  PROTOLITH="$root/target/release/protolith"
fi
PROTOLITH="$(realpath "$PROTOLITH")"
BUF_PLUGINS="${BUF_PLUGINS:-$root/.refs/npm/node_modules/@bufbuild/buf-linux-x64/bin}"
scratch="${BAZEL_SCRATCH:-${TMPDIR:-/tmp}/protolith-bazel}"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"

cd "$here"
bz() { bazel --output_user_root="$scratch/root" "$@"; }
trap 'bz shutdown >/dev/null 2>&1 || true' EXIT

# target, expected outcome, text its test.log must hold when it fails
expectations=(
  "lint_shop pass -"
  "breaking_item pass -"
  'lint_legacy fail Message name "legacy_record" should be PascalCase'
  'lint_legacy_json fail "type":"FIELD_LOWER_SNAKE_CASE"'
  'breaking_shop fail changed type from "int32" to "int64"'
)
failures=0
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
secs() { awk -v m="$1" 'BEGIN { printf "%.1fs", m / 1000 }'; }

# Runs every target with one pair of plugins; findings go to $scratch/<label>/.
run_with() { # label, lint plugin, breaking plugin
  local label=$1 start rc elapsed status
  export PROTOC_GEN_BUF_LINT=$2 PROTOC_GEN_BUF_BREAKING=$3
  rm -rf "${scratch:?}/$label"
  mkdir -p "$scratch/$label"

  # All targets at once: 2 fail, so bazel exits 3. The first call of the
  # run also starts the server and builds the descriptor sets.
  start=$(date +%s%N)
  rc=0
  bz test --nocache_test_results //... > "$scratch/$label/all.log" 2>&1 || rc=$?
  elapsed=$(ms "$start")
  echo "$label: bazel test //... rc $rc in $(secs "$elapsed") (first, with analysis)"
  [[ $rc -eq 3 ]] || { echo "  expected rc 3, see $scratch/$label/all.log"; failures=$((failures + 1)); }
  start=$(date +%s%N)
  rc=0
  bz test --nocache_test_results //... > "$scratch/$label/all-warm.log" 2>&1 || rc=$?
  echo "$label: bazel test //... rc $rc in $(secs "$(ms "$start")") (warm server)"

  local testlogs
  testlogs=$(bz info bazel-testlogs 2>/dev/null)
  local line target expect text want
  for line in "${expectations[@]}"; do
    read -r target expect text <<< "$line"
    want=0
    [[ $expect == fail ]] && want=3
    start=$(date +%s%N)
    rc=0
    bz test --nocache_test_results "//:$target" > "$scratch/$label/$target.out" 2>&1 || rc=$?
    elapsed=$(ms "$start")
    status=ok
    if [[ $rc -ne $want ]]; then
      status="UNEXPECTED rc $rc (see $scratch/$label/$target.out)"
    elif [[ $expect == fail ]] && ! grep -qF -- "$text" "$testlogs/$target/test.log"; then
      status="UNEXPECTED: test.log lacks $text"
    fi
    [[ $status == ok ]] || failures=$((failures + 1))
    # What the test printed, after Bazel's header.
    sed '1,/^-----/d' "$testlogs/$target/test.log" > "$scratch/$label/$target.findings"
    printf '  //:%-18s %-4s rc %s  %6s  %s\n' "$target" "$expect" "$rc" "$(secs "$elapsed")" "$status"
  done
}

echo "protolith: $PROTOLITH"
run_with protolith "$PROTOLITH" "$PROTOLITH"

if [[ -x "$BUF_PLUGINS/protoc-gen-buf-lint" && -x "$BUF_PLUGINS/protoc-gen-buf-breaking" ]]; then
  echo "buf's plugins: $BUF_PLUGINS"
  run_with buf "$BUF_PLUGINS/protoc-gen-buf-lint" "$BUF_PLUGINS/protoc-gen-buf-breaking"
  if diff -r "$scratch/protolith" "$scratch/buf" --exclude='*.log' --exclude='*.out' > "$scratch/findings.diff"; then
    echo "findings: protolith and buf agree on every target ($(cat "$scratch"/buf/*.findings | grep -c . ) lines)"
  else
    echo "findings: protolith and buf DIFFER:"
    cat "$scratch/findings.diff"
    failures=$((failures + 1))
  fi
else
  echo "buf's plugins not found in $BUF_PLUGINS: comparison skipped"
fi

if [[ $failures -ne 0 ]]; then
  echo "FAILED: $failures unexpected result(s); logs in $scratch"
  exit 1
fi
echo "ok: every target passed or failed as expected"
