#!/usr/bin/env bash
# Differential test: build the same input with buf (the oracle) and with protolith,
# then compare the two images file by file with scripts/fdsdiff.py.
#
#   scripts/diff-buf.sh [options] [CORPUS_DIR]   one module (default .refs/googleapis-6.0.1)
#   scripts/diff-buf.sh [options] --fixtures     every case in testdata/build/*/
#
# Options:
#   --fixtures          walk testdata/build/*/ (a case is CASE/input/ when present, else
#                       CASE/ itself); prints "N passed, M failed" at the end
#   --variants LIST     comma-separated build variants to compare:
#                         image  plain `build -o x.binpb` (buf Image)
#                         fds    `--as-file-descriptor-set`
#                         nosci  `--exclude-source-info`
#                       default: image (corpus), image,fds (fixtures)
#   --strict            also require byte-identical images (source-location order,
#                       field placement); by default those are reported, and a
#                       case passes when every fdsdiff category matches
#   --no-strict         the default
#   --no-determinism    skip the second protolith build
#   -n N                explain at most N mismatching files (default 10; 3 for fixtures)
#
# Environment:
#   PROTOLITH   binary under test (default target/release/protolith, built with
#               `cargo build --release` if missing). PROTOLITH=.refs/bin/buf
#               checks the harness itself: everything must come out identical.
#   BUF         oracle (default .refs/bin/buf; scripts/refs.sh installs it)
#   OURS_ARGS   extra arguments for protolith only (e.g. to test the harness:
#               OURS_ARGS=--exclude-source-info must make it fail)
#   KEEP=1      keep the work directory with the images
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FDSDIFF=(python3 "$ROOT/scripts/fdsdiff.py")

mode=corpus
variants=""
strict=--strict  # images must be byte-identical; --no-strict compares content only
determinism=1
nexplain=""
corpus=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --fixtures)        mode=fixtures ;;
        --variants)        variants="$2"; shift ;;
        --variants=*)      variants="${1#*=}" ;;
        --no-strict)       strict="" ;;
        --strict)          strict=--strict ;;
        --no-determinism)  determinism=0 ;;
        -n)                nexplain="$2"; shift ;;
        -h|--help)         sed -n '2,32p' "$0"; exit 0 ;;
        -*)                echo "diff-buf.sh: unknown option $1" >&2; exit 2 ;;
        *)                 corpus="$1" ;;
    esac
    shift
done
if [[ -z "$variants" ]]; then
    if [[ $mode == fixtures ]]; then variants=image,fds; else variants=image; fi
fi
if [[ -z "$nexplain" ]]; then
    if [[ $mode == fixtures ]]; then nexplain=3; else nexplain=10; fi
fi

abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }

# ------------------------------------------------------------------ the two tools
BUF="${BUF:-$ROOT/.refs/bin/buf}"
if [[ ! -x "$BUF" && "$BUF" == "$ROOT/.refs/bin/buf" ]]; then
    "$ROOT/scripts/refs.sh" >/dev/null
fi
[[ -x "$BUF" ]] || BUF="$(command -v "$BUF" || true)"
[[ -n "$BUF" && -x "$BUF" ]] || { echo "diff-buf.sh: buf not found (run scripts/refs.sh or set BUF)" >&2; exit 2; }
BUF="$(abspath "$BUF")"

if [[ -z "${PROTOLITH:-}" ]]; then
    PROTOLITH="$ROOT/target/release/protolith"
    if [[ ! -x "$PROTOLITH" ]]; then
        echo "[diff-buf] $PROTOLITH missing: cargo build --release" >&2
        (cd "$ROOT" && cargo build --release >&2)
    fi
fi
if [[ "$PROTOLITH" != */* ]]; then PROTOLITH="$(command -v "$PROTOLITH" || echo "$PROTOLITH")"; fi
[[ -x "$PROTOLITH" ]] || { echo "diff-buf.sh: PROTOLITH=$PROTOLITH is not executable" >&2; exit 2; }
PROTOLITH="$(abspath "$PROTOLITH")"
read -r -a ours_extra <<<"${OURS_ARGS:-}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/diff-buf.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "[diff-buf] keeping work directory $WORK" >&2
else
    trap 'rm -rf "$WORK"' EXIT
fi

variant_args() {
    case "$1" in
        image) ;;
        fds)   echo --as-file-descriptor-set ;;
        nosci) echo --exclude-source-info ;;
        *)     echo "diff-buf.sh: unknown variant $1" >&2; exit 2 ;;
    esac
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }

# compare_one DIR INPUT OUTDIR VERBOSE
#   runs both tools in DIR on INPUT for every variant; returns 0 if all match.
#   Appends a one-line reason per failure to $OUTDIR/reasons.
compare_one() {
    local dir="$1" input="$2" out="$3" verbose="$4"
    local ok=0 v t rc_buf rc_ours
    mkdir -p "$out"
    : >"$out/reasons"
    IFS=, read -r -a vlist <<<"$variants"
    for v in "${vlist[@]}"; do
        local va
        read -r -a va <<<"$(variant_args "$v")"
        local b="$out/$v.buf.binpb" o="$out/$v.ours.binpb" o2="$out/$v.ours2.binpb"

        t=$(now)
        rc_buf=0
        (cd "$dir" && "$BUF" build "$input" "${va[@]}" -o "$b") >"$out/$v.buf.out" 2>"$out/$v.buf.err" || rc_buf=$?
        [[ $verbose == 1 ]] && echo "== [$v] buf build $input${va[*]:+ ${va[*]}}: exit $rc_buf in $(elapsed "$t")"

        t=$(now)
        rc_ours=0
        (cd "$dir" && "$PROTOLITH" build "$input" "${va[@]}" "${ours_extra[@]}" -o "$o") \
            >"$out/$v.ours.out" 2>"$out/$v.ours.err" || rc_ours=$?
        [[ $verbose == 1 ]] && echo "== [$v] protolith build $input${va[*]:+ ${va[*]}}${ours_extra[*]:+ ${ours_extra[*]}}: exit $rc_ours in $(elapsed "$t")"

        if [[ $rc_buf -ne 0 || $rc_ours -ne 0 ]]; then
            if [[ $rc_buf -eq $rc_ours ]] && cmp -s "$out/$v.buf.err" "$out/$v.ours.err"; then
                [[ $verbose == 1 ]] && echo "   both failed with exit $rc_buf and the same stderr"
                continue
            fi
            ok=1
            echo "[$v] exit codes buf=$rc_buf protolith=$rc_ours" >>"$out/reasons"
            echo "   [$v] exit codes differ or stderr differs: buf=$rc_buf protolith=$rc_ours"
            if ! cmp -s "$out/$v.buf.err" "$out/$v.ours.err"; then
                echo "   --- stderr diff (buf vs protolith, first 20 lines):"
                diff "$out/$v.buf.err" "$out/$v.ours.err" | head -20 | sed 's/^/   /' || true
            fi
            continue
        fi

        local rc_diff=0
        "${FDSDIFF[@]}" "$b" "$o" --labels buf,ours -n "$nexplain" $strict >"$out/$v.fdsdiff" || rc_diff=$?
        if [[ $verbose == 1 || $rc_diff -ne 0 ]]; then
            [[ $verbose == 1 ]] || echo "   [$v] fdsdiff:"
            sed 's/^/   /' "$out/$v.fdsdiff"
        fi
        if [[ $rc_diff -ne 0 ]]; then
            ok=1
            echo "[$v] images differ" >>"$out/reasons"
        fi

        if [[ $determinism == 1 ]]; then
            rc_ours=0
            (cd "$dir" && "$PROTOLITH" build "$input" "${va[@]}" "${ours_extra[@]}" -o "$o2") \
                >/dev/null 2>&1 || rc_ours=$?
            if [[ $rc_ours -eq 0 ]] && cmp -s "$o" "$o2"; then
                [[ $verbose == 1 ]] && echo "== [$v] determinism: second protolith build is byte-identical"
            else
                ok=1
                echo "[$v] nondeterministic" >>"$out/reasons"
                echo "   [$v] determinism: second protolith build differs (exit $rc_ours)"
                "${FDSDIFF[@]}" "$o" "$o2" --labels first,second -n 3 --strict | sed 's/^/   /' || true
            fi
        fi
    done
    return $ok
}

# ----------------------------------------------------------------------- corpus
if [[ $mode == corpus ]]; then
    if [[ -z "$corpus" ]]; then
        corpus="$ROOT/.refs/googleapis-6.0.1"
        [[ -d "$corpus" ]] || "$ROOT/scripts/refs.sh" >/dev/null
    fi
    [[ -d "$corpus" ]] || { echo "diff-buf.sh: no such directory $corpus" >&2; exit 2; }
    corpus="$(cd "$corpus" && pwd)"
    echo "buf:       $BUF"
    echo "protolith: $PROTOLITH"
    echo "corpus:    $corpus ($(find "$corpus" -name '*.proto' | wc -l) .proto files)"
    if compare_one "$(dirname "$corpus")" "$(basename "$corpus")" "$WORK/corpus" 1; then
        echo "PASS"
        exit 0
    else
        echo "FAIL: $(paste -sd';' "$WORK/corpus/reasons")"
        exit 1
    fi
fi

# --------------------------------------------------------------------- fixtures
FIXTURES="$ROOT/testdata/build"
passed=0
failed=0
failed_names=()
shopt -s nullglob
cases=("$FIXTURES"/*/)
if [[ ${#cases[@]} -eq 0 ]]; then
    echo "no fixtures under $FIXTURES"
fi
for c in "${cases[@]}"; do
    c="${c%/}"
    name="$(basename "$c")"
    if [[ -d "$c/input" ]]; then
        dir="$c"; input=input          # same invocation as testdata/build/regen.sh
    else
        dir="$(dirname "$c")"; input="$name"
    fi
    if compare_one "$dir" "$input" "$WORK/$name" 0 >"$WORK/$name.log" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $name"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "FAIL $name: $(paste -sd';' "$WORK/$name/reasons" 2>/dev/null)"
        cat "$WORK/$name.log"
    fi
done
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
