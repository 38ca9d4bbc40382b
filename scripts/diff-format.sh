#!/usr/bin/env bash
# Format a tree with buf and protolith side by side and compare what they write.
#
#   scripts/diff-format.sh [--input DIR] [-n N]
#
# Default input: .refs/googleapis-6.0.1. Each tool runs, from the input's parent
# directory with the input's name as the argument (so -d headers read
# `googleapis-6.0.1/...` for both):
#   TOOL format INPUT -o TMP/TOOL.out     the formatted tree
#   TOOL format INPUT -d                  the diff, timestamps masked
# and the script prints
#   files: N equal, M different, K missing   (per-file sha256 of the -o trees)
#   -d:    SAME or DIFF (sections that differ, and the first lines that do)
#   times: wall seconds of each run
# listing up to N (default 10) differing paths. Exit 1 if anything differs.
# Environment: BUF (default .refs/bin/buf), PROTOLITH (target/release/protolith,
# built if missing), KEEP=1 keeps the temporary directory.
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUF="${BUF:-$ROOT/.refs/bin/buf}"
PROTOLITH="${PROTOLITH:-$ROOT/target/release/protolith}"
input="$ROOT/.refs/googleapis-6.0.1"
shown=10
while [[ $# -gt 0 ]]; do
    case "$1" in
        --input) input="$2"; shift ;;
        -n) shown="$2"; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "diff-format.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ -x "$BUF" && -d "$ROOT/.refs/googleapis-6.0.1" ]] || "$ROOT/scripts/refs.sh" >/dev/null
[[ -x "$PROTOLITH" ]] || (cd "$ROOT" && cargo build --release >&2)
[[ -d "$input" ]] || { echo "diff-format.sh: no directory $input" >&2; exit 2; }
input="$(cd "$input" && pwd)"
parent="$(dirname "$input")"
name="$(basename "$input")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/difffmt.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $WORK" >&2; else trap 'rm -rf "$WORK"' EXIT; fi

# The masking rule of buf-format.md §7.2, as tests/format_googleapis.rs applies it.
mask() { sed -E $'s/\t[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [+-][0-9]{4}$/\t<timestamp>/'; }
now() { date +%s.%N; }

declare -A took
for tool in buf protolith; do
    bin="$BUF"; [[ $tool == protolith ]] && bin="$PROTOLITH"
    start=$(now)
    (cd "$parent" && "$bin" format "$name" -o "$WORK/$tool.out" 2>"$WORK/$tool.o.err") \
        || echo "$tool format -o exited $?" >>"$WORK/$tool.o.err"
    took[$tool-o]=$(echo "$(now) - $start" | bc)
    start=$(now)
    rc=0
    (cd "$parent" && "$bin" format "$name" -d 2>"$WORK/$tool.d.err") >"$WORK/$tool.diff.raw" || rc=$?
    took[$tool-d]=$(echo "$(now) - $start" | bc)
    [[ $rc == 0 ]] || echo "$tool format -d exited $rc" >>"$WORK/$tool.d.err"
    mask <"$WORK/$tool.diff.raw" >"$WORK/$tool.diff"
    (cd "$WORK/$tool.out" 2>/dev/null && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) \
        >"$WORK/$tool.manifest" || true
done

status=0
for tool in buf protolith; do
    for e in o d; do
        if [[ -s "$WORK/$tool.$e.err" ]]; then
            status=1
            echo "$tool format -$e wrote to stderr:"
            head -5 "$WORK/$tool.$e.err"
        fi
    done
done

# files: join the manifests by path
join -t $'\t' -a 1 -a 2 -e MISSING -o 0,1.2,2.2 \
    <(awk '{ print $2 "\t" $1 }' "$WORK/buf.manifest" | sort) \
    <(awk '{ print $2 "\t" $1 }' "$WORK/protolith.manifest" | sort) >"$WORK/joined"
equal=$(awk -F'\t' '$2 == $3' "$WORK/joined" | wc -l)
missing=$(awk -F'\t' '$2 == "MISSING" || $3 == "MISSING"' "$WORK/joined" | wc -l)
different=$(awk -F'\t' '$2 != $3 && $2 != "MISSING" && $3 != "MISSING"' "$WORK/joined" | wc -l)
unchanged=$(cd "$input" && find . -name '*.proto' -type f | wc -l)
echo "input: $input ($unchanged .proto files)"
echo "files: $equal equal, $different different, $missing missing on one side"
if [[ $different -gt 0 || $missing -gt 0 ]]; then
    status=1
    awk -F'\t' '$2 != $3 { sub(/^\.\//, "", $1); print "  " $1 ($2 == "MISSING" ? " (only protolith)" : $3 == "MISSING" ? " (only buf)" : "") }' \
        "$WORK/joined" | head -"$shown"
fi

# -d: compare the masked diffs section by section (a section per file)
if cmp -s "$WORK/buf.diff" "$WORK/protolith.diff"; then
    echo "-d:    SAME ($(grep -c '^diff -u ' "$WORK/buf.diff" || true) files, $(wc -l <"$WORK/buf.diff") lines)"
else
    status=1
    nb=$(grep -c '^diff -u ' "$WORK/buf.diff" || true)
    np=$(grep -c '^diff -u ' "$WORK/protolith.diff" || true)
    # per-file sha of each section, to count the files whose sections differ
    persec() { awk '/^diff -u / { if (name) close(cmd); name = $NF; cmd = "sha256sum | sed \"s|-$|" name "|\"" }
        name { print | cmd } END { if (name) close(cmd) }' "$1" | sort -k2; }
    persec "$WORK/buf.diff" >"$WORK/buf.sections"
    persec "$WORK/protolith.diff" >"$WORK/protolith.sections"
    nd=$(join -j 2 -a 1 -a 2 -e MISSING -o 0,1.1,2.1 "$WORK/buf.sections" "$WORK/protolith.sections" \
        | awk '$2 != $3' | tee "$WORK/sections.diff" | wc -l)
    echo "-d:    DIFF: buf $nb files / $(wc -l <"$WORK/buf.diff") lines, protolith $np files / $(wc -l <"$WORK/protolith.diff") lines; $nd files' sections differ:"
    awk '{ print "  " $1 ($2 == "MISSING" ? " (only protolith)" : $3 == "MISSING" ? " (only buf)" : "") }' \
        "$WORK/sections.diff" | head -"$shown"
    echo "first difference (buf -> protolith):"
    diff "$WORK/buf.diff" "$WORK/protolith.diff" | head -20 || true
fi

printf 'times: buf -o %.2fs, -d %.2fs; protolith -o %.2fs, -d %.2fs\n' \
    "${took[buf-o]}" "${took[buf-d]}" "${took[protolith-o]}" "${took[protolith-d]}"
exit $status
