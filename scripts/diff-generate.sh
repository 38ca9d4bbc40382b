#!/usr/bin/env bash
# Generate with buf and protolith side by side and compare the trees (sha256
# manifests) and, with the capture plugin, every request.
#
#   scripts/diff-generate.sh [--template T] [--input DIR] [--requests] [-- EXTRA_ARGS...]
#
# Defaults: the googleapis subset of buf-generate.md §10.2 tier 3 (api, type,
# rpc, longrunning, cloud/language, cloud/aiplatform/v1) in .refs/googleapis-6.0.1,
# with protoc-gen-go twice: plain (go_package from the files) and under managed
# mode (go_package_prefix plus a disable rule). Each run prints
#   SAME <label> <n> files   or   DIFF <label> (the first differing paths)
# and the script exits 1 if anything differed.
#
# --requests adds a run with protoc-gen-capture (target/release) that compares
# the CodeGeneratorRequests byte for byte (sha256 per request file).
# Environment: BUF (default .refs/bin/buf), PROTOLITH (target/release/protolith).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUF="${BUF:-$ROOT/.refs/bin/buf}"
PROTOLITH="${PROTOLITH:-$ROOT/target/release/protolith}"
input="$ROOT/.refs/googleapis-6.0.1"
templates=()
requests=0
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --template) templates+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift ;;
        --input) input="$2"; shift ;;
        --requests) requests=1 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "diff-generate.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ -x "$BUF" ]] || "$ROOT/scripts/refs.sh" >/dev/null
[[ -x "$PROTOLITH" ]] || (cd "$ROOT" && cargo build --release >&2)
if [[ ${#extra[@]} -eq 0 && "$input" == "$ROOT/.refs/googleapis-6.0.1" ]]; then
    extra=(--path google/api --path google/type --path google/rpc --path google/longrunning
        --path google/cloud/language --path google/cloud/aiplatform/v1)
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/diffgen.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [[ ${#templates[@]} -eq 0 ]]; then
    cat >"$WORK/plain.yaml" <<'YAML'
version: v2
plugins:
  - local: protoc-gen-go
    out: gen
    opt: paths=source_relative
YAML
    cat >"$WORK/managed.yaml" <<'YAML'
version: v2
managed:
  enabled: true
  disable:
    - file_option: go_package
      path: google/rpc
  override:
    - file_option: go_package_prefix
      value: example.com/gen
plugins:
  - local: protoc-gen-go
    out: gen
    opt: paths=source_relative
  - protoc_builtin: java
    out: java
YAML
    templates=("$WORK/plain.yaml" "$WORK/managed.yaml")
fi
if [[ $requests == 1 ]]; then
    cat >"$WORK/capture.yaml" <<'YAML'
version: v2
plugins:
  - local: protoc-gen-capture
    out: gen
    opt: none
  - local: protoc-gen-capture
    out: gen
    strategy: all
    opt: [none, label=all]
YAML
    templates+=("$WORK/capture.yaml")
fi
export PATH="$ROOT/target/release:$PATH"
status=0
for t in "${templates[@]}"; do
    label="$(basename "$t" .yaml)"
    for tool in buf protolith; do
        bin="$BUF"; [[ $tool == protolith ]] && bin="$PROTOLITH"
        dir="$WORK/$label-$tool"
        mkdir -p "$dir/capture"
        start=$(date +%s.%N)
        # Run from the input (--path is relative to the current directory),
        # writing under -o.
        (cd "$input" && CAPTURE_DIR="$dir/capture" "$bin" generate . --template "$t" -o "$dir" "${extra[@]}" \
            >"$dir.out" 2>"$dir.err") || echo "$tool exited $? ($label)" >>"$dir.err"
        end=$(date +%s.%N)
        (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) >"$dir.manifest"
        printf '%s %s %.2fs\n' "$label" "$tool" "$(echo "$end - $start" | bc)" >&2
    done
    a="$WORK/$label-buf"; b="$WORK/$label-protolith"
    if cmp -s "$a.manifest" "$b.manifest" && cmp -s "$a.err" "$b.err"; then
        echo "SAME $label $(wc -l <"$a.manifest") files"
    else
        status=1
        echo "DIFF $label"
        diff <(awk '{print $2, $1}' "$a.manifest") <(awk '{print $2, $1}' "$b.manifest") | head -10 || true
        diff "$a.err" "$b.err" | head -10 || true
    fi
done
exit $status
