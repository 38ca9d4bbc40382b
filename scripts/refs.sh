#!/usr/bin/env bash
# Install the reference material for differential testing into .refs/ (gitignored):
#
#   .refs/bin/buf               -> buf 1.75.0 (the oracle), native binary from npm
#   .refs/googleapis-6.0.1/     pruned googleapis corpus (.proto files only)
#   .refs/googleapis-4.2.0/     older baseline, pruned the same way
#
# Only the npm registry is used. Idempotent: anything already present is kept.
# Prints `NAME=PATH` lines at the end so other scripts can `eval` them.
set -euo pipefail

BUF_VERSION=1.75.0
CORPUS_VERSIONS=(6.0.1 4.2.0)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REFS="${REFS_DIR:-$ROOT/.refs}"
mkdir -p "$REFS/bin" "$REFS/tgz"

log() { printf '[refs] %s\n' "$*" >&2; }

# --------------------------------------------------------------------------- buf
install_buf() {
    local link="$REFS/bin/buf"
    if [[ -x "$link" ]] && "$link" --version 2>/dev/null | grep -qx "$BUF_VERSION"; then
        log "buf $BUF_VERSION already at $link"
        return
    fi
    command -v npm >/dev/null || { log "npm not found (apt-get install npm)"; exit 1; }

    local npmdir="$REFS/npm"
    mkdir -p "$npmdir"
    log "npm install @bufbuild/buf@$BUF_VERSION into $npmdir"
    # --ignore-scripts: the postinstall step only validates/relocates the binary;
    # the per-platform optional dependency already ships it, and we link to it below.
    npm install --prefix "$npmdir" --no-save --no-audit --no-fund --ignore-scripts \
        --loglevel=error "@bufbuild/buf@$BUF_VERSION" >&2

    local plat
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64)           plat=linux-x64 ;;
        Linux-aarch64|Linux-arm64) plat=linux-aarch64 ;;
        Linux-armv7l)           plat=linux-armv7 ;;
        Darwin-x86_64)          plat=darwin-x64 ;;
        Darwin-arm64)           plat=darwin-arm64 ;;
        *)                      plat=unknown ;;
    esac
    local native="$npmdir/node_modules/@bufbuild/buf-$plat/bin/buf"
    local wrapper="$npmdir/node_modules/@bufbuild/buf/bin/buf"
    local target
    if [[ -x "$native" ]]; then
        target="$native"      # preferred: no node start-up cost in benchmarks
    elif [[ -x "$wrapper" ]]; then
        log "warning: native package @bufbuild/buf-$plat not found, using node wrapper"
        target="$wrapper"
    else
        log "error: npm install did not produce a buf binary"; exit 1
    fi
    ln -sfn "../${target#"$REFS"/}" "$link"   # relative, so .refs/ can move with the repo
    local got
    got="$("$link" --version 2>&1 || true)"
    if [[ "$got" != "$BUF_VERSION" ]]; then
        log "error: $link --version printed '$got', expected $BUF_VERSION"; exit 1
    fi
    log "buf $BUF_VERSION installed -> $target"
}

# ------------------------------------------------------------------------ corpora
# Protobuf's own test/support protos shipped inside google-proto-files that are not
# well-known types. Paths are relative to the corpus root.
PRUNE_DIRS=(
    google/protobuf/bridge
    google/protobuf/test_protos
    google/protobuf/util
    google/protobuf/compiler/ruby
    google/protobuf/json
    google/protobuf/editions
)
PRUNE_FILES=(
    google/protobuf/sample_messages_edition.proto
    google/protobuf/late_loaded_option.proto
    google/protobuf/late_loaded_option_user.proto
)
# google/protobuf/*_options.proto (cpp_file_options, cpp_options, internal_options,
# json_enumvalue_options, json_options) are removed by glob below.
WKTS=(any api descriptor duration empty field_mask source_context struct timestamp
      type wrappers cpp_features compiler/plugin)

install_corpus() {
    local ver="$1"
    local dest="$REFS/googleapis-$ver"
    if [[ -d "$dest" ]]; then
        log "googleapis $ver already at $dest ($(find "$dest" -name '*.proto' | wc -l) files)"
        return
    fi
    local tgz="$REFS/tgz/google-proto-files-$ver.tgz"
    if [[ ! -s "$tgz" ]]; then
        log "npm pack google-proto-files@$ver"
        (cd "$REFS/tgz" && npm pack --loglevel=error "google-proto-files@$ver" >/dev/null)
        [[ -s "$tgz" ]] || { log "error: npm pack did not produce $tgz"; exit 1; }
    fi

    local tmp="$REFS/.tmp-googleapis-$ver"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    tar -xzf "$tgz" -C "$tmp"
    local pkg="$tmp/package"

    # keep only .proto files (drops build/, package.json, README.md, LICENSE, ...)
    rm -rf "$pkg/node_modules"
    find "$pkg" -type f ! -name '*.proto' -delete
    local d f
    for d in "${PRUNE_DIRS[@]}"; do rm -rf "${pkg:?}/$d"; done
    for f in "${PRUNE_FILES[@]}"; do rm -f "$pkg/$f"; done
    rm -f "$pkg"/google/protobuf/*_options.proto
    find "$pkg" -type d -empty -delete
    rm -f "$pkg/buf.yaml" "$pkg/buf.work.yaml"

    for f in "${WKTS[@]}"; do
        [[ -f "$pkg/google/protobuf/$f.proto" ]] || { log "error: WKT google/protobuf/$f.proto missing in $ver"; exit 1; }
    done

    mv "$pkg" "$dest"   # atomic: $dest only appears once it is complete
    rm -rf "$tmp"
    log "googleapis $ver -> $dest ($(find "$dest" -name '*.proto' | wc -l) files)"
}

# ------------------------------------------------------------ generate plugins
# protoc-gen-es (an editions-capable plugin) for the generate-real cases; a
# failure here only skips those cases.
ES_VERSION=2.17.0
install_protoc_gen_es() {
    local link="$REFS/bin/protoc-gen-es"
    if [[ -x "$link" ]] && "$link" --version 2>/dev/null | grep -q "v$ES_VERSION"; then
        log "protoc-gen-es $ES_VERSION already at $link"
        return
    fi
    local dir="$REFS/npm-es"
    mkdir -p "$dir" "$REFS/bin"
    if npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts \
        --loglevel=error "@bufbuild/protoc-gen-es@$ES_VERSION" >&2; then
        ln -sfn "../npm-es/node_modules/.bin/protoc-gen-es" "$link"
        log "protoc-gen-es $ES_VERSION -> $link"
    else
        log "warning: could not install protoc-gen-es; its generate cases will be skipped"
    fi
}

install_buf
for v in "${CORPUS_VERSIONS[@]}"; do install_corpus "$v"; done
install_protoc_gen_es

echo "BUF=$REFS/bin/buf"
for v in "${CORPUS_VERSIONS[@]}"; do
    echo "GOOGLEAPIS_${v//./_}=$REFS/googleapis-$v"
done
