#!/usr/bin/env bash
# The pre-commit loop, N times over: edit one file of a copy of the corpus
# (a field renamed, or an enum value added, by scripts/bench-edit.py; a
# random file each time, and now and then google/api/field_behavior.proto,
# which most files import), re-lint with the cache, lint again cold
# (PROTOLITH_NO_CACHE=1), and check that the two answers are byte-identical
# (stdout, stderr, exit code) and that the cache directory stays within
# PROTOLITH_CACHE_MAX_MB.
#
#   scripts/relint-edits.sh [-n N] [--max-mb MB] [CORPUS_DIR]
#
# Defaults: N=200, the cache's default bound (256 MB), .refs/googleapis-6.0.1.
# Prints one line per edit and a summary; exits 1 on any difference.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n=200
max_mb=256
corpus=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) n="$2"; shift ;;
        --max-mb) max_mb="$2"; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) corpus="$1" ;;
    esac
    shift
done
corpus="${corpus:-$ROOT/.refs/googleapis-6.0.1}"
P="${PROTOLITH:-$ROOT/target/release/protolith}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/relint-edits.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp -R "$corpus"/. "$WORK/m"
export PROTOLITH_CACHE_DIR="$WORK/cache" PROTOLITH_CACHE_MAX_MB="$max_mb"
cd "$WORK/m"
mapfile -t files < <(find . -name '*.proto' | sed 's|^\./||' | sort)
# Only files with something to edit: a message field or an enum.
differ=0 over=0 incremental=0 max_seen=0
"$P" lint . >/dev/null 2>&1 || true
RANDOM=42
for ((i = 1; i <= n; i++)); do
    if ((i % 20 == 0)); then
        f=google/api/field_behavior.proto
    else
        f="${files[RANDOM % ${#files[@]}]}"
    fi
    cp "$f" "$WORK/orig"
    python3 "$ROOT/scripts/bench-edit.py" "$WORK/orig" "$f" "$i" 2>/dev/null || { echo "edit $i: $f has nothing to edit"; continue; }
    start=$(date +%s.%N)
    rc=0; PROTOLITH_TIMING=1 "$P" lint . >"$WORK/cached.out" 2>"$WORK/cached.err" || rc=$?
    t=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
    grep -q "^timing: incremental:" "$WORK/cached.err" && incremental=$((incremental + 1))
    how="$(grep -o 'incremental: [0-9]* of [0-9]*' "$WORK/cached.err" || echo 'whole compile')"
    grep -v '^timing: ' "$WORK/cached.err" >"$WORK/cached.err2" || true
    crc=0; PROTOLITH_NO_CACHE=1 "$P" lint . >"$WORK/cold.out" 2>"$WORK/cold.err" || crc=$?
    same=yes
    if [[ $rc != "$crc" ]] || ! cmp -s "$WORK/cached.out" "$WORK/cold.out" || ! cmp -s "$WORK/cached.err2" "$WORK/cold.err"; then
        same=NO; differ=$((differ + 1))
    fi
    size_kb=$(du -sk "$WORK/cache" | cut -f1)
    ((size_kb > max_seen)) && max_seen=$size_kb
    ((size_kb > max_mb * 1024)) && over=$((over + 1))
    echo "edit $i: $f ($how) ${t}s, equal to cold: $same, cache ${size_kb} KB"
done
echo "SUMMARY edits=$n differ=$differ incremental=$incremental cache_max_kb=$max_seen bound_kb=$((max_mb * 1024)) over_bound=$over"
[[ $differ == 0 && $over == 0 ]]
