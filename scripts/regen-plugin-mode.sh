#!/usr/bin/env bash
# Records buf's answers for the protoc plugin-mode cases
# (testdata/plugin-mode/cases/<case>/), which tests/plugin_mode.rs replays
# against protolith run as protoc-gen-buf-lint / protoc-gen-buf-breaking.
#
# First rebuilds the inputs every case shares (testdata/plugin-mode/inputs/):
# one descriptor set per file with source info and without imports, as
# Bazel's proto_library makes them (x-nosrc.bin without source info), and
# the breaking baseline old.binpb (`buf build protos-old`). Then runs each
# case as rules_buf runs it, from the case directory:
#
#   protoc --plugin=protoc-gen-buf-plugin=<buf's plugin> @args
#
# through a wrapper that also keeps the plugin's request and response.
# Recorded per case: stdout, stderr, exit (protoc's), request.binpb,
# response.binpb and plugin-exit (the plugin's own stdout and exit code).
# Cases named lint-* run protoc-gen-buf-lint, breaking-* protoc-gen-buf-breaking.
#
#   scripts/regen-plugin-mode.sh              # every case
#   scripts/regen-plugin-mode.sh lint-json    # only these cases
#
# BUF_PLUGINS defaults to the directory scripts/refs.sh installs buf's
# plugins in; BUF to .refs/bin/buf; PROTOC to protoc on PATH (Debian's
# 3.21.12 made the recorded answers: its own warnings are part of stderr).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

BUF=${BUF:-.refs/bin/buf}
BUF_PLUGINS=${BUF_PLUGINS:-.refs/npm/node_modules/@bufbuild/buf-linux-x64/bin}
PROTOC=${PROTOC:-protoc}
BUF="$(cd "$(dirname "$BUF")" && pwd)/$(basename "$BUF")"
BUF_PLUGINS="$(cd "$BUF_PLUGINS" && pwd)"
for p in "$BUF" "$BUF_PLUGINS/protoc-gen-buf-lint" "$BUF_PLUGINS/protoc-gen-buf-breaking"; do
  [[ -x "$p" ]] || { echo "not found: $p (run scripts/refs.sh)" >&2; exit 2; }
done
command -v "$PROTOC" >/dev/null || { echo "protoc not found (apt-get install protobuf-compiler)" >&2; exit 2; }
echo "buf $("$BUF" --version), $("$PROTOC" --version)" >&2

# The check-plugin cases (buf.yaml plugins:) find the test plugin on PATH.
if [[ -z "${FIXTURE_DIR:-}" ]]; then
  cargo build --bin buf-plugin-fixture >&2
  FIXTURE_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug"
fi
export PATH="$FIXTURE_DIR:$PATH"

base=testdata/plugin-mode
inputs=$base/inputs
mkdir -p "$inputs"
wkt_include=$(dirname "$(dirname "$(command -v "$PROTOC")")")/include
[[ -f "$wkt_include/google/protobuf/empty.proto" ]] || wkt_include=/usr/include

# One direct descriptor set per file, as proto_library makes them.
set_of() { # output, the sets it depends on (':'-joined or empty), file
  local out=$1 deps=$2 file=$3 include=$4
  shift 4
  local args=(-I"$include" --include_source_info "$@" -o "$inputs/$out")
  [[ -n "$deps" ]] && args+=(--descriptor_set_in="$deps")
  "$PROTOC" "${args[@]}" "$file" 2>/dev/null
}
for wkt in empty timestamp descriptor duration any; do
  set_of "$wkt.bin" "" "google/protobuf/$wkt.proto" "$wkt_include"
done
i=$inputs
set_of types.bin "$i/timestamp.bin" acme/v1/types.proto $base/protos
set_of x.bin "$i/types.bin:$i/empty.bin:$i/timestamp.bin" acme/v1/x.proto $base/protos
"$PROTOC" -I$base/protos --descriptor_set_in="$i/types.bin:$i/empty.bin:$i/timestamp.bin" \
  -o "$i/x-nosrc.bin" acme/v1/x.proto 2>/dev/null
set_of ok.bin "" acme/v1/ok.proto $base/protos
set_of opts.bin "$i/descriptor.bin" acme/v1/opts.proto $base/protos
set_of reexport.bin "$i/ok.bin" acme/v1/reexport.proto $base/protos
set_of uses.bin "$i/opts.bin:$i/reexport.bin:$i/ok.bin:$i/descriptor.bin:$i/duration.bin:$i/any.bin" \
  acme/v1/uses.proto $base/protos
"$BUF" build $base/protos-old -o "$inputs/old.binpb"
"$PROTOC" --version > $base/PROTOC_VERSION

cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
  for d in $base/cases/*/; do cases+=("$(basename "$d")"); done
fi
wrapper=$(mktemp)
trap 'rm -f "$wrapper"' EXIT
cat > "$wrapper" <<'EOF'
#!/bin/sh
# Passes the request to the real plugin, keeping both sides of the exchange.
tee request.binpb | "$REAL_PLUGIN" > response.binpb
rc=$?
echo $rc > plugin-exit
cat response.binpb
exit $rc
EOF
chmod +x "$wrapper"
for c in "${cases[@]}"; do
  c=${c%/}
  dir=$base/cases/$c
  case $c in
    lint-*) real=$BUF_PLUGINS/protoc-gen-buf-lint ;;
    breaking-*) real=$BUF_PLUGINS/protoc-gen-buf-breaking ;;
    *) echo "$c: name must start with lint- or breaking-" >&2; exit 2 ;;
  esac
  (
    cd "$dir"
    rm -f request.binpb response.binpb plugin-exit
    set +e
    REAL_PLUGIN=$real "$PROTOC" --plugin=protoc-gen-buf-plugin="$wrapper" @args > stdout 2> stderr
    echo $? > exit
    set -e
    # protoc names the plugin by the path it ran; the tests run another.
    sed -i "s#$wrapper#PLUGIN#g" stderr
  )
  echo "$c: exit $(cat "$dir/exit"), plugin exit $(cat "$dir/plugin-exit" 2>/dev/null || echo -)" >&2
done
