#!/usr/bin/env bash
# Regenerates the expected outputs of every broken-input case in this folder
# (or only the cases named as arguments) by running real buf.
#
#   BUF=/path/to/buf testdata/errors/regen.sh [case...]
#
# For each case directory containing input/, buf is run from inside the case
# directory with "input" as the input:
#   expected.txt        stderr of `buf build input`
#   expected_exit       its exit code
#   expected.json       stderr of `buf build input --error-format json`
#                       (buf prints nothing on stdout for a failed build)
#   expected.FORMAT.txt stderr with --error-format FORMAT, for msvs, junit,
#                       github-actions and gitlab-code-quality
#   expected_lint.txt   stdout of `buf lint input` (compile errors go to stdout),
#   expected_lint_exit  and its exit code; only for the cases in LINT_CASES
# A case whose build succeeds (exit 0) is reported as a failure of this script:
# every input here is meant to be rejected.
set -uo pipefail

BUF=${BUF:-buf}
if [[ "$BUF" == */* && "$BUF" != /* ]]; then
  BUF="$(cd "$(dirname "$BUF")" && pwd)/$(basename "$BUF")"
fi
command -v "$BUF" >/dev/null || { echo "buf not found: $BUF (set BUF=...)" >&2; exit 2; }

# Cases for which `buf lint` output is recorded as well.
LINT_CASES=" duplicate_field_number unknown_type unknown_import missing_semicolon
  multiple_errors_one_file errors_several_files syntax_and_link_errors import_cycle
  proto3_required unterminated_string_go_package "

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if [[ $# -gt 0 ]]; then cases=("$@"); else cases=(); for d in */; do cases+=("${d%/}"); done; fi

status=0
for c in "${cases[@]}"; do
  c=${c%/}
  [[ -d "$c/input" ]] || continue
  (
    cd "$c"
    out=$(mktemp)
    "$BUF" build input >"$out" 2>expected.txt
    code=$?
    echo "$code" >expected_exit
    if [[ -s "$out" ]]; then echo "warning: $c: buf build wrote to stdout" >&2; fi
    "$BUF" build input --error-format json >"$out" 2>expected.json
    for f in msvs junit github-actions gitlab-code-quality; do
      "$BUF" build input --error-format "$f" >"$out" 2>"expected.$f.txt"
    done
    rm -f expected_lint.txt expected_lint_exit
    if [[ " $(echo $LINT_CASES) " == *" $c "* ]]; then
      "$BUF" lint input >expected_lint.txt 2>"$out"
      echo $? >expected_lint_exit
    fi
    rm -f "$out"
    echo "== $c: exit $code" >&2
    [[ "$code" != 0 ]]
  ) || { echo "UNEXPECTED SUCCESS: $c" >&2; status=1; }
done
exit $status
