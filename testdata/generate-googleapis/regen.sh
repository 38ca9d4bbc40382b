#!/usr/bin/env bash
# Records buf 1.75.0's trees for the googleapis subset (buf-generate.md §10.2
# tier 3) as sha256 manifests: <template>.manifest, one `<sha256>  <path>` line
# per generated file. tests/generate_googleapis.rs compares protolith with them.
# Needs .refs/ (scripts/refs.sh) and protoc-gen-go 1.28.1 (Debian's) on PATH.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUF="${BUF:-$ROOT/.refs/bin/buf}"
CORPUS="$ROOT/.refs/googleapis-6.0.1"
[[ -d "$CORPUS" && -x "$BUF" ]] || "$ROOT/scripts/refs.sh" >/dev/null
protoc-gen-go --version | grep -qx 'protoc-gen-go v1.28.1' || { echo "need protoc-gen-go v1.28.1" >&2; exit 2; }
for t in plain managed; do
    out="$(mktemp -d)"
    (cd "$CORPUS" && "$BUF" generate . --template "$HERE/$t.yaml" -o "$out" \
        --path google/api --path google/type --path google/rpc --path google/longrunning \
        --path google/cloud/language --path google/cloud/aiplatform/v1)
    (cd "$out" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
        printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"; done) >"$HERE/$t.manifest"
    rm -rf "$out"
    echo "$t: $(wc -l <"$HERE/$t.manifest") files"
done
