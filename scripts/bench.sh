#!/usr/bin/env bash
# Time buf and protolith side by side on the same input.
#
#   scripts/bench.sh [options] [CORPUS_DIR] [-- EXTRA_ARGS...]
#
# CORPUS_DIR defaults to .refs/googleapis-6.0.1. For every tool the same command
# line is run: `TOOL CMD CORPUS EXTRA_ARGS...`, plus `-o TMP/TOOL.binpb` for
# `build` so both tools serialize the image (writing to /dev/null would let a tool
# skip work). Runs of the two tools alternate, after one untimed warm-up each.
#
# Options:
#   -r, --runs N    timed runs per tool (default 3, or $RUNS)
#   --cmd NAME      subcommand to time: build (default), lint, breaking, generate,
#                   format, ...
#                   e.g. bench.sh --cmd breaking CORPUS -- --against .refs/googleapis-4.2.0
#                   For generate, each tool writes into its own fresh TMP/TOOL.gen
#                   (-o), emptied before every run; give the template after --,
#                   e.g. -- --template scripts/bench-gen-capture.yaml
#                   For format, each tool writes the formatted tree into its own
#                   fresh TMP/TOOL.fmt (-o), unless the arguments after -- say
#                   -d/--diff, -w/--write or -o: `--cmd format -- -d` times the diff
#   --buf-only      time buf alone (no protolith binary needed)
#   --no-warmup     skip the warm-up run
#   --git-against OLD  time `breaking` against a git branch, as CI runs it: a
#                   scratch repository whose main holds OLD under proto/ and
#                   whose work tree holds CORPUS there; both tools run
#                   `breaking proto --against .git#branch=main,subdir=proto`
#   --cache         let protolith use its re-lint cache (off by default, so runs
#                   measure real work); with the warm-up filling it, the timed
#                   runs measure the pre-commit case of an unchanged module
#   --edit FILE     before every run (warm-up included) edit FILE (relative to
#                   the corpus) anew in a copy of the corpus, with
#                   scripts/bench-edit.py: the pre-commit case of a module
#                   edited between runs. With --cache, the last cached answer
#                   is then compared with a cold run's (PROTOLITH_NO_CACHE=1)
#   --against-cold  with --cache: time protolith against itself run cold
#                   (PROTOLITH_NO_CACHE=1) instead of against buf, alternating;
#                   with --edit, what an edit costs the cache's bookkeeping, e.g.
#                   bench.sh --cmd lint --cache --against-cold -r 9 \
#                       --edit google/api/field_behavior.proto
#
# Environment: PROTOLITH (default target/release/protolith, built with
# `cargo build --release` if missing), BUF (default .refs/bin/buf).
#
# Reports per tool the median wall time and the maximum peak RSS over the runs
# (GNU time: /usr/bin/time -f '%e %M'), with the median user+sys CPU time beside
# them (less disturbed by other load on the machine), then
#   speed:  buf/protolith = X.Xx     (> 1 means protolith is faster)
#   memory: protolith/buf = 0.YY     (< 1 means protolith uses less memory)
# and a last line `BENCH key=value ...` for scripts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-3}"
cmd=build
buf_only=0
warmup=1
use_cache=0
git_against=""
edit_file=""
against_cold=0
edits=0
corpus=""
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -r|--runs)   runs="$2"; shift ;;
        --runs=*)    runs="${1#*=}" ;;
        --cmd)       cmd="$2"; shift ;;
        --cmd=*)     cmd="${1#*=}" ;;
        --buf-only)  buf_only=1 ;;
        --no-warmup) warmup=0 ;;
        --cache)     use_cache=1 ;;
        --git-against) git_against="$2"; shift ;;
        --edit)      edit_file="$2"; shift ;;
        --against-cold) against_cold=1 ;;
        -h|--help)   sed -n '2,50p' "$0"; exit 0 ;;
        --)          shift; extra=("$@"); break ;;
        -*)          echo "bench.sh: unknown option $1 (tool arguments go after --)" >&2; exit 2 ;;
        *)           corpus="$1" ;;
    esac
    shift
done
if [[ $use_cache == 1 ]]; then
    export PROTOLITH_CACHE_DIR="${TMPDIR:-/tmp}/protolith-bench-cache"
    rm -rf "$PROTOLITH_CACHE_DIR"
else
    export PROTOLITH_NO_CACHE=1
fi
if [[ $against_cold == 1 && ( $use_cache == 0 || $buf_only == 1 ) ]]; then
    echo "bench.sh: --against-cold needs --cache (and a protolith binary)" >&2; exit 2
fi
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --runs needs a positive integer" >&2; exit 2; }

TIME=/usr/bin/time
if ! "$TIME" -f '%e %M' true >/dev/null 2>&1; then
    echo "bench.sh: GNU time not found at $TIME; install it with: apt-get install time" >&2
    exit 2
fi

abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }

BUF="${BUF:-$ROOT/.refs/bin/buf}"
if [[ ! -x "$BUF" && "$BUF" == "$ROOT/.refs/bin/buf" ]]; then "$ROOT/scripts/refs.sh" >/dev/null; fi
[[ -x "$BUF" ]] || BUF="$(command -v "$BUF" || true)"
[[ -n "$BUF" && -x "$BUF" ]] || { echo "bench.sh: buf not found (run scripts/refs.sh or set BUF)" >&2; exit 2; }
BUF="$(abspath "$BUF")"

tools=(buf)
bins=("$BUF")
if [[ $against_cold == 1 ]]; then tools=(cold); bins=(); fi
if [[ $buf_only == 0 ]]; then
    if [[ -z "${PROTOLITH:-}" ]]; then
        PROTOLITH="$ROOT/target/release/protolith"
        if [[ ! -x "$PROTOLITH" ]]; then
            echo "[bench] $PROTOLITH missing: cargo build --release" >&2
            (cd "$ROOT" && cargo build --release >&2)
        fi
    fi
    if [[ "$PROTOLITH" != */* ]]; then PROTOLITH="$(command -v "$PROTOLITH" || echo "$PROTOLITH")"; fi
    [[ -x "$PROTOLITH" ]] || { echo "bench.sh: PROTOLITH=$PROTOLITH is not executable" >&2; exit 2; }
    tools+=(protolith)
    bins+=("$(abspath "$PROTOLITH")")
    if [[ $against_cold == 1 ]]; then bins=("${bins[0]}" "${bins[0]}"); fi
fi

if [[ -z "$corpus" ]]; then
    corpus="$ROOT/.refs/googleapis-6.0.1"
    [[ -d "$corpus" ]] || "$ROOT/scripts/refs.sh" >/dev/null
fi
[[ -e "$corpus" ]] || { echo "bench.sh: no such input $corpus" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

rundir="$PWD"
if [[ -n "$edit_file" ]]; then
    [[ -f "$corpus/$edit_file" ]] || { echo "bench.sh: no such file $corpus/$edit_file" >&2; exit 2; }
    echo "[bench] copying the corpus to edit $edit_file before every run" >&2
    cp -R "$corpus"/. "$WORK/corpus"
    cp "$corpus/$edit_file" "$WORK/edit-original.proto"
    corpus="$WORK/corpus"
fi
if [[ -n "$git_against" ]]; then
    [[ -d "$git_against" ]] || { echo "bench.sh: no such directory $git_against" >&2; exit 2; }
    echo "[bench] preparing a git repository: main = $git_against, work tree = $corpus" >&2
    rundir="$WORK/repo"
    mkdir -p "$rundir/proto"
    cp -R "$git_against"/. "$rundir/proto"
    (cd "$rundir" && git init -q -b main && git add -A \
        && git -c user.email=bench@example.com -c user.name=bench commit -qm baseline \
        && rm -rf proto && mkdir proto && cp -R "$corpus"/. proto)
    cmd=breaking
    corpus=proto
    extra=(--against '.git#branch=main,subdir=proto' "${extra[@]}")
fi

# run_tool INDEX LABEL -> appends "wall rss exit" to $WORK/INDEX.times (unless LABEL=warmup)
run_tool() {
    local i="$1" label="$2"
    local args=("$cmd" "$corpus" "${extra[@]}")
    [[ $cmd == build ]] && args+=(-o "$WORK/${tools[$i]}.binpb")
    if [[ $cmd == generate ]]; then
        rm -rf "$WORK/${tools[$i]}.gen"
        args+=(-o "$WORK/${tools[$i]}.gen")
    fi
    if [[ $cmd == format && $format_to_dir == 1 ]]; then
        rm -rf "$WORK/${tools[$i]}.fmt"
        args+=(-o "$WORK/${tools[$i]}.fmt")
    fi
    if [[ -n "$edit_file" ]]; then
        edits=$((edits + 1))
        python3 "$ROOT/scripts/bench-edit.py" "$WORK/edit-original.proto" \
            "$corpus/$edit_file" "$edits"
    fi
    local rc=0 nocache="${PROTOLITH_NO_CACHE:-}"
    [[ ${tools[$i]} == cold ]] && nocache=1
    (cd "$rundir" && PROTOLITH_NO_CACHE="$nocache" "$TIME" -f '%e %M %U %S' -o "$WORK/time.txt" "${bins[$i]}" "${args[@]}" \
        >"$WORK/${tools[$i]}.out" 2>"$WORK/${tools[$i]}.err") || rc=$?
    # GNU time prefixes a "Command exited with non-zero status" line in that case
    local stats
    stats="$(tail -n 1 "$WORK/time.txt")"
    if [[ $label != warmup ]]; then
        echo "$stats $rc" >>"$WORK/$i.times"
    fi
    if [[ $rc -ne 0 && ( $cmd == build || $cmd == generate || ( $cmd == format && $rc -ne 100 ) ) ]]; then
        echo "bench.sh: ${tools[$i]} $cmd exited $rc:" >&2
        head -20 "$WORK/${tools[$i]}.err" >&2
        exit 1
    fi
}

# format writes a tree (-o TMP/TOOL.fmt) unless told to diff, write in place or where
format_to_dir=1
for a in "${extra[@]}"; do
    case "$a" in -d|--diff|-w|--write|-o|--output|-o=*|--output=*) format_to_dir=0 ;; esac
done

nfiles="$(cd "$rundir" && find "$corpus" -name '*.proto' | wc -l)"
echo "input:   $corpus ($nfiles .proto files)"
echo "command: TOOL $cmd INPUT${extra[*]:+ ${extra[*]}}$([[ $cmd == build ]] && echo ' -o TMP.binpb')$([[ $cmd == format && $format_to_dir == 1 ]] && echo ' -o TMP/TOOL.fmt')"
for i in "${!tools[@]}"; do printf '%-10s %s\n' "${tools[$i]}:" "${bins[$i]}"; done
echo "runs:    $runs per tool$([[ $warmup == 1 ]] && echo ', after 1 warm-up') (machine: $(nproc) cores)"

load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)"
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
    echo "warning: load average is $load before starting; other work on this machine will skew the timings"
fi

if [[ $warmup == 1 ]]; then
    for i in "${!tools[@]}"; do run_tool "$i" warmup; done
fi
for ((r = 1; r <= runs; r++)); do
    for i in "${!tools[@]}"; do run_tool "$i" "run$r"; done
done

if [[ -n "$edit_file" && $use_cache == 1 && $buf_only == 0 ]]; then
    last=$((${#tools[@]} - 1))
    (cd "$rundir" && PROTOLITH_NO_CACHE=1 "${bins[$last]}" "$cmd" "$corpus" "${extra[@]}" \
        >"$WORK/cold.out" 2>"$WORK/cold.err") || true
    if cmp -s "$WORK/cold.out" "$WORK/${tools[$last]}.out"; then
        echo "cached answer after the last edit: identical to a cold run"
    else
        echo "cached answer after the last edit: DIFFERS from a cold run"
    fi
fi

# summarise: median wall, max RSS, exit codes
declare -A med rss codes cpus
echo
printf '%-10s %-28s %9s %12s %9s %s\n' tool "wall times (s)" median "peak RSS" "cpu(u+s)" exit
for i in "${!tools[@]}"; do
    # (portable awk: no asort, so sort the wall times first)
    all="$(awk '{ print $1 }' "$WORK/$i.times" | paste -sd, -)"
    m="$(awk '{ print $1 }' "$WORK/$i.times" | sort -n | awk '
        { w[NR] = $1 }
        END { printf "%.2f", (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }')"
    x="$(awk '$2 > r { r = $2 } END { print r + 0 }' "$WORK/$i.times")"
    ex="$(awk '{ print $5 }' "$WORK/$i.times" | sort -un | paste -sd, -)"
    cpu="$(awk '{ print $3 + $4 }' "$WORK/$i.times" | sort -n | awk '
        { w[NR] = $1 }
        END { printf "%.2f", (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }')"
    cpus[$i]=$cpu
    med[$i]=$m
    rss[$i]=$x
    codes[$i]=$ex
    printf '%-10s %-28s %8ss %9.1f MB %8ss %s\n' "${tools[$i]}" "$all" "$m" \
        "$(awk -v k="$x" 'BEGIN { print k / 1024 }')" "$cpu" "$ex"
done

line="BENCH cmd=$cmd files=$nfiles runs=$runs ${tools[0]}_s=${med[0]} ${tools[0]}_rss_kb=${rss[0]} ${tools[0]}_cpu_s=${cpus[0]}"
if [[ $against_cold == 1 ]]; then
    echo
    awk -v b="${med[0]}" -v o="${med[1]}" 'BEGIN { printf "time:   cached/cold = %.3fx   (wall, medians)\n", o / b }'
    awk -v b="${cpus[0]}" -v o="${cpus[1]}" 'BEGIN { printf "cpu:    cached/cold = %.3fx   (user+sys, medians)\n", o / b }'
    awk -v b="${rss[0]}" -v o="${rss[1]}" 'BEGIN { printf "memory: cached/cold = %.2f\n", o / b }'
    line+=" protolith_s=${med[1]} protolith_rss_kb=${rss[1]} protolith_cpu_s=${cpus[1]}"
elif [[ ${#tools[@]} -gt 1 ]]; then
    echo
    awk -v b="${med[0]}" -v o="${med[1]}" 'BEGIN {
        if (o > 0) printf "speed:  buf/protolith = %.1fx\n", b / o
        else       printf "speed:  buf/protolith = n/a (protolith took 0.00s)\n" }'
    awk -v b="${rss[0]}" -v o="${rss[1]}" 'BEGIN { printf "memory: protolith/buf = %.2f\n", o / b }'
    if [[ "${codes[0]}" != "${codes[1]}" ]]; then
        echo "warning: exit codes differ (buf ${codes[0]}, protolith ${codes[1]}): the tools did not do the same thing"
    fi
    awk -v b="${cpus[0]}" -v o="${cpus[1]}" 'BEGIN {
        if (o > 0) printf "cpu:    buf/protolith = %.1fx   (user+sys; less sensitive to a busy machine)\n", b / o }'
    line+=" protolith_s=${med[1]} protolith_rss_kb=${rss[1]} protolith_cpu_s=${cpus[1]}"
fi
echo "$line"
