#!/usr/bin/env bash
# Regenerate the goldens of the breaking-rule fixtures with the reference buf.
#
#   rules/breaking/regen.sh                     # every case folder
#   rules/breaking/regen.sh FIELD_NO_DELETE     # every case of one rule
#   rules/breaking/regen.sh FIELD_NO_DELETE/ok_renamed ...   # single cases
#
# A case folder is rules/breaking/<RULE_ID>/<case>/ holding previous/ and current/.
# For each case this runs, from inside current/:
#   BUF_LOG_FORMAT=text buf breaking --against ../previous --error-format json
# and writes expected.json (stdout), expected.exit (exit code) and expected.stderr
# (stderr, removed when empty).
#
# BUF overrides the binary (default: buf on PATH, else /work/main/.refs/bin/buf).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ -z "${BUF:-}" ]]; then
  if command -v buf >/dev/null 2>&1; then
    BUF="$(command -v buf)"
  else
    BUF=/work/main/.refs/bin/buf
  fi
fi
# Make a relative BUF usable after the cd into current/.
if [[ "$BUF" == */* && "$BUF" != /* ]]; then
  BUF="$PWD/$BUF"
fi

cases=()
if [[ $# -eq 0 ]]; then
  while IFS= read -r d; do cases+=("$(dirname "$d")"); done \
    < <(cd "$here" && find . -mindepth 3 -maxdepth 3 -type d -name current | sed 's|^\./||' | LC_ALL=C sort)
else
  for arg in "$@"; do
    arg="${arg%/}"
    # Accept paths relative to the current directory as well as to this folder.
    if [[ -d "$arg" && "$(cd "$arg" && pwd)" == "$here"/* ]]; then
      arg="$(cd "$arg" && pwd)"
    fi
    arg="${arg#"$here"/}"
    if [[ -d "$here/$arg/current" ]]; then
      cases+=("$arg")
    elif [[ -d "$here/$arg" ]]; then
      while IFS= read -r d; do cases+=("$arg/$(basename "$(dirname "$d")")"); done \
        < <(find "$here/$arg" -mindepth 2 -maxdepth 2 -type d -name current | LC_ALL=C sort)
    else
      echo "regen.sh: no such case or rule: $arg" >&2
      exit 2
    fi
  done
fi

for c in "${cases[@]}"; do
  dir="$here/$c"
  set +e
  (cd "$dir/current" && BUF_LOG_FORMAT=text "$BUF" breaking --against ../previous --error-format json \
    >../expected.json 2>../expected.stderr)
  rc=$?
  set -e
  echo "$rc" >"$dir/expected.exit"
  [[ -s "$dir/expected.stderr" ]] || rm -f "$dir/expected.stderr"
  printf '%-70s exit=%s findings=%s\n' "$c" "$rc" "$(wc -l <"$dir/expected.json" | tr -d ' ')"
done
