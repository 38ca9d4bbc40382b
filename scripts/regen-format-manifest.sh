#!/usr/bin/env bash
# Record buf 1.75.0's `format` of googleapis 6.0.1 and 4.2.0 as hashes, for
# tests/format_googleapis.rs (which then needs no buf):
#
#   testdata/format-googleapis/manifest-VERSION.tsv
#       one line per .proto file, sorted bytewise by path:
#       path <TAB> sha256(input) <TAB> sha256(buf format output)
#   testdata/format-googleapis/diff-masked.tsv
#       per corpus: sha256 of `buf format googleapis-VERSION -d` (run in .refs/)
#       with the two timestamps of every header masked, its line count and the
#       number of files in it
#
#   scripts/regen-format-manifest.sh [VERSION...]     # default: 6.0.1 4.2.0
#
# Run it again when refs.sh installs a different corpus (the test then says
# "corpus changed"). buf's -d output comes from the system `diff -u` (GNU
# diffutils 3.8 when these were recorded), so the diff hash depends on it.
# Environment: BUF (default .refs/bin/buf). Takes about a minute per corpus.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/testdata/format-googleapis"
BUF="${BUF:-$ROOT/.refs/bin/buf}"
versions=("$@")
[[ ${#versions[@]} -gt 0 ]] || versions=(6.0.1 4.2.0)
[[ -x "$BUF" && -d "$ROOT/.refs/googleapis-6.0.1" ]] || "$ROOT/scripts/refs.sh" >/dev/null
[[ "$("$BUF" --version)" == 1.75.0 ]] || { echo "regen-format-manifest.sh: $BUF is not buf 1.75.0" >&2; exit 2; }
mkdir -p "$HERE"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fmtmanifest.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The masking rule of buf-format.md §7.2; tests/format_googleapis.rs applies the same one.
mask() { sed -E $'s/\t[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [+-][0-9]{4}$/\t<timestamp>/'; }
# hashes FILE-LIST in DIR, one per line, in list order
hashes() { (cd "$1" && tr '\n' '\0' <"$2" | xargs -0 sha256sum | cut -c1-64); }

diffs="$WORK/diff-masked.tsv"
: >"$diffs"
[[ -f "$HERE/diff-masked.tsv" ]] && grep -v '^#' "$HERE/diff-masked.tsv" >"$diffs" || true
for v in "${versions[@]}"; do
    corpus="$ROOT/.refs/googleapis-$v"
    [[ -d "$corpus" ]] || { echo "regen-format-manifest.sh: no $corpus" >&2; exit 2; }
    echo "[regen] buf format googleapis-$v -o" >&2
    "$BUF" format "$corpus" -o "$WORK/$v"
    (cd "$corpus" && find . -name '*.proto' -type f | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/$v.list"
    missing="$(cd "$WORK/$v" && tr '\n' '\0' <"$WORK/$v.list" | xargs -0 ls 2>&1 >/dev/null || true)"
    [[ -z "$missing" ]] || { echo "regen-format-manifest.sh: buf did not write every file: $missing" >&2; exit 1; }
    paste "$WORK/$v.list" <(hashes "$corpus" "$WORK/$v.list") <(hashes "$WORK/$v" "$WORK/$v.list") \
        >"$HERE/manifest-$v.tsv"
    changed="$(awk -F'\t' '$2 != $3' "$HERE/manifest-$v.tsv" | wc -l)"
    echo "[regen] manifest-$v.tsv: $(wc -l <"$HERE/manifest-$v.tsv") files, $changed changed by buf" >&2

    echo "[regen] buf format googleapis-$v -d" >&2
    (cd "$ROOT/.refs" && "$BUF" format "googleapis-$v" -d) | mask >"$WORK/$v.diff"
    grep -v "^$v	" "$diffs" >"$diffs.new" || true
    printf '%s\t%s\t%s\t%s\n' "$v" "$(sha256sum <"$WORK/$v.diff" | cut -c1-64)" \
        "$(wc -l <"$WORK/$v.diff")" "$(grep -c '^diff -u ' "$WORK/$v.diff" || true)" >>"$diffs.new"
    mv "$diffs.new" "$diffs"
done
{
    printf '# corpus\tsha256 of `buf format googleapis-CORPUS -d` run in .refs/, timestamps masked\tlines\tfiles\n'
    LC_ALL=C sort "$diffs"
} >"$HERE/diff-masked.tsv"
cat "$HERE/diff-masked.tsv" >&2
